// Package importfile reads the files vendors export for a catalog import
// (CSV, XLSX, XLS, JSON and NDJSON) as streams of rows, analyses them as the
// platform's analyze endpoint does, and maps their columns to
// catalog.Product values for ProductsService.ImportAll.
//
// XLSX workbooks are read by package importfile/xlsx and XLS (Excel
// 97-2003) workbooks by package importfile/xls, which a program opts into by
// setting Options.XLSX and Options.XLS; without them such a file is refused
// with an *UnsupportedError, and a program that reads CSV and JSON compiles
// no spreadsheet library:
//
//	opts := &importfile.Options{XLSX: xlsx.Read, XLS: xls.Read}
//
// Check a file, then stream it into an import:
//
//	f, _ := os.Open("export.csv")
//	a, err := importfile.Analyze(f, "export.csv", -1, nil)
//	// a.Columns: names, types, samples; err: a *catalog.FileFormatError, ...
//
//	f.Seek(0, io.SeekStart)
//	products := importfile.Products(f, "export.csv", importfile.Mapping{
//		Fields: map[string]string{"Code": "entity_code", "Titre": "name", "Prix": "pricing.list"},
//	}, nil)
//	report, err := client.Products.ImportAll(ctx, "supplier-feed", products, nil)
//
// A Mapping cannot lose data without a word: a mapped column the file
// lacks is a *MappingError naming it and the file's columns; a column it
// does not name is refused too unless Mapping.Unmapped says to drop it or
// keep it (as meta or as extra top-level keys); an object such as
// "category" is refused in favour of its fields; Constants set a field of
// every product ({"pricing.currency": "EUR"}); Fields lists every path a
// mapping may name.
//
// Rows keep the line (and, in a workbook, the sheet) they come from: in
// Row, in the *CellError of a row that fails (matched with errors.As
// through the stream's error), and, for a Products stream, in Lines,
// which maps a report's stream positions to the file's lines.
//
// importfile converts cells to the types of their fields; the rules of
// the fields' values (such as an EAN's 8, 12, 13 or 14 digits) are
// ImportAll's, the same rules the platform applies to a file upload.
//
// What real exports hold is read as such: a UTF-8 byte order mark, ';', ','
// or tab delimiters (detected), quoted cells holding delimiters and line
// breaks, stray quotes and rows of uneven length, numbers written
// "1.234,50" or "1,234.50". Only the first sheet of a workbook is read, and
// its cells read as the spreadsheet shows them: booleans TRUE and FALSE,
// dates (numbers in a date format) as ISO dates, "2006-01-02", with the
// time when the format shows one, "2006-01-02 15:04:05".
//
// Whatever a file says, the readers stay within Limits: the length of a
// CSV record, an NDJSON line, a JSON array element and a cell, the columns
// of a row, the expanded size of an XLSX archive and of each of its parts,
// the shared strings and cell formats of an XLS workbook.
// An exceeded bound is a *LimitError naming the file and the line or part;
// a CSV record or an NDJSON line over its bound fails its own row (a
// *CellError wrapping the *LimitError) and reading goes on with the next
// line. A binary file named .csv is refused as "not a CSV", saying how it
// was detected (a known signature, or control characters).
package importfile
