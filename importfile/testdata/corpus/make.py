#!/usr/bin/env python3
"""Writes the corpus of files made by other programs' writers.

The tests read the files this writes and never run it: it needs Python 3
and LibreOffice (Debian's libreoffice-calc-nogui), and is kept to say how
the files were made. Run it from this directory:

    python3 make.py

Python writes a flat ODS spreadsheet with typed cells (strings, numbers,
booleans, dates with and without time, cached formula results), and its
csv module writes the CSV dialects; LibreOffice (soffice --headless
--convert-to) converts the spreadsheet to .xls (Excel 97-2003, BIFF8) and
.xlsx, and writes semicolon and tab CSV files of its own.
"""
import csv
import os
import shutil
import subprocess
import tempfile
from xml.sax.saxutils import escape

HEADER = ["sku", "name", "price", "qty", "active", "launched", "updated", "note", "total", "label", "instock"]

# (sku, name, price, qty, active, launched, updated, note)
ROWS = [
    ("SKU-0001", "Brass valve", 12.5, 2, True, "2024-03-15", "2024-03-15T08:30:00", "first"),
    ("SKU-0002", "Café crème", 0.25, 0, False, "1999-12-31", "2000-01-01T00:00:00", ""),
    ("SKU-0003", "Ω-valve 日本", 42.0, 100000, True, "2024-02-29", "2024-02-29T23:59:59", "unicode"),
    ("SKU-0004", "Copper elbow, 90°", 3.75, 7, False, "1900-03-01", "2021-06-30T12:00:00", 'say "hi"'),
    ("SKU-0005", "Long " + "x" * 9000, 1234567.891, -3, True, "2030-01-01", "2030-01-01T06:07:08", "long name"),
]
# Rows of distinct strings past the first 15, so that the shared string
# table of the XLS file crosses CONTINUE records.
FILLER = [("SKU-%04d" % i, "Filler item number %d with a longer name" % i, i + 0.5, i, i % 2 == 0,
           "2025-01-%02d" % (i % 28 + 1), "2025-01-%02dT10:00:00" % (i % 28 + 1), "") for i in range(6, 36)]


def cell_string(s):
    return '<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>' % escape(s)


def cell_float(v):
    return '<table:table-cell office:value-type="float" office:value="%r"><text:p>%r</text:p></table:table-cell>' % (v, v)


def cell_bool(b):
    v = "true" if b else "false"
    return ('<table:table-cell table:style-name="ce_bool" office:value-type="boolean" office:boolean-value="%s">'
            '<text:p>%s</text:p></table:table-cell>') % (v, v.upper())


def cell_date(d, style):
    return ('<table:table-cell table:style-name="%s" office:value-type="date" office:date-value="%s">'
            '<text:p>%s</text:p></table:table-cell>') % (style, d, d)


def row_xml(n, r):
    sku, name, price, qty, active, launched, updated, note = r
    cells = [cell_string(sku), cell_string(name), cell_float(price), cell_float(qty), cell_bool(active),
             cell_date(launched, "ce_date"), cell_date(updated, "ce_datetime"),
             cell_string(note) if note else "<table:table-cell/>"]
    total = price * qty
    cells.append('<table:table-cell table:formula="of:=[.C%d]*[.D%d]" office:value-type="float" office:value="%r">'
                 '<text:p>%r</text:p></table:table-cell>' % (n, n, total, total))
    label = "%s-%d" % (sku, qty)
    cells.append('<table:table-cell table:formula="of:=[.A%d]&amp;&quot;-&quot;&amp;[.D%d]" office:value-type="string" '
                 'office:string-value="%s"><text:p>%s</text:p></table:table-cell>' % (n, n, label, label))
    instock = qty > 0
    v = "true" if instock else "false"
    cells.append('<table:table-cell table:style-name="ce_bool" table:formula="of:=[.D%d]&gt;0" office:value-type="boolean" '
                 'office:boolean-value="%s"><text:p>%s</text:p></table:table-cell>' % (n, v, v.upper()))
    return "<table:table-row>%s</table:table-row>" % "".join(cells)


def fods(path):
    rows = [("<table:table-row>%s</table:table-row>" % "".join(cell_string(h) for h in HEADER))]
    for i, r in enumerate(ROWS + FILLER):
        rows.append(row_xml(i + 2, r))
    other = "<table:table-row>%s</table:table-row>" % cell_string("not the first sheet")
    with open(path, "w", encoding="utf-8") as f:
        f.write('''<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:automatic-styles>
 <number:date-style style:name="N_dmy"><number:day number:style="long"/><number:text>/</number:text><number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/></number:date-style>
 <number:date-style style:name="N_ymdhms"><number:year number:style="long"/><number:text>-</number:text><number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/><number:text> </number:text><number:hours number:style="long"/><number:text>:</number:text><number:minutes number:style="long"/><number:text>:</number:text><number:seconds number:style="long"/></number:date-style>
 <number:boolean-style style:name="N_bool"><number:boolean/></number:boolean-style>
 <style:style style:name="ce_date" style:family="table-cell" style:data-style-name="N_dmy"/>
 <style:style style:name="ce_datetime" style:family="table-cell" style:data-style-name="N_ymdhms"/>
 <style:style style:name="ce_bool" style:family="table-cell" style:data-style-name="N_bool"/>
</office:automatic-styles>
<office:body><office:spreadsheet>
<table:table table:name="Products">%s</table:table>
<table:table table:name="Other">%s</table:table>
</office:spreadsheet></office:body></office:document>
''' % ("\n".join(rows), other))


def csv_rows():
    out = [HEADER]
    for r in ROWS[:4]:
        sku, name, price, qty, active, launched, updated, note = r
        out.append([sku, name, repr(price), str(qty), "TRUE" if active else "FALSE", launched,
                    updated.replace("T", " "), note, repr(price * qty), "%s-%d" % (sku, qty), "TRUE" if qty > 0 else "FALSE"])
    out.append(["SKU-0005", "Two\nlines", "1", "1", "TRUE", "2030-01-01", "2030-01-01 06:07:08", "a;b,c\td", "1", "SKU-0005-1", "TRUE"])
    return out


def write_csv(name, encoding="utf-8", **kw):
    with open(name, "w", encoding=encoding, newline="") as f:
        csv.writer(f, **kw).writerows(csv_rows())


# A LibreOffice profile that recalculates formulas on load: without it, the
# XLS export writes 0 for string formulas it has not calculated.
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice(src, filt, out, outdir, infilter=None):
    profile = os.path.join(outdir, "profile")
    os.makedirs(os.path.join(profile, "user"), exist_ok=True)
    with open(os.path.join(profile, "user", "registrymodifications.xcu"), "w") as f:
        f.write(PROFILE)
    cmd = ["soffice", "-env:UserInstallation=file://" + profile, "--headless"]
    if infilter:
        cmd.append("--infilter=" + infilter)
    subprocess.run(cmd + ["--convert-to", filt, "--outdir", outdir, src], check=True, stdout=subprocess.DEVNULL)
    base = os.path.splitext(os.path.basename(src))[0]
    ext = filt.split(":")[0]
    os.replace(os.path.join(outdir, base + "." + ext), out)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "products.fods")
        fods(src)
        soffice(src, "xlsx", "libreoffice.xlsx", tmp)
        # The XLS file is converted from the XLSX one: converted from the
        # flat ODS file straight, LibreOffice writes 0 for the result of
        # string formulas. Its booleans become numbers in a TRUE/FALSE format.
        shutil.copy("libreoffice.xlsx", os.path.join(tmp, "fromxlsx.xlsx"))
        soffice(os.path.join(tmp, "fromxlsx.xlsx"), "xls", "libreoffice.xls", tmp)
        # LibreOffice's own CSV: semicolons, UTF-8 (76), cells as shown.
        soffice(src, 'csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true', "libreoffice-semicolon.csv", tmp)
        # A CSV file made into a workbook by LibreOffice, which types its cells.
        write_csv(os.path.join(tmp, "fromcsv.csv"))
        # Its booleans are BOOLERR records.
        soffice(os.path.join(tmp, "fromcsv.csv"), "xls", "libreoffice-fromcsv.xls", tmp, infilter="CSV:44,34,76,1")
    write_csv("python-crlf.csv")  # the excel dialect: commas, CRLF, minimal quoting
    write_csv("python-bom-quoted.csv", encoding="utf-8-sig", quoting=csv.QUOTE_ALL, lineterminator="\n")
    write_csv("python-tab.csv", dialect="excel-tab")
    write_csv("python-semicolon.csv", delimiter=";", lineterminator="\n")


if __name__ == "__main__":
    main()
