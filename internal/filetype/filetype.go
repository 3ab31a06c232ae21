// Package filetype hands package catalog's one rule for an import file's
// type to package importfile and the fake platform (package catalogtest),
// which import catalog: catalog cannot import them, and users need no name
// of their own for the rule, since every call that reads or sends a file
// applies it first.
package filetype

// Of returns the type of a file by its name's extension ("csv", "xlsx",
// "xls", "json" or "ndjson", a catalog.FileType), or the
// *catalog.FileFormatError that refuses any other extension. Package
// catalog sets it when it is initialized, so it is set in every package
// that imports catalog (as its callers must, to use the type).
var Of func(name string) (string, error)
