package catalog

// ImportsService is the home of file imports: analysing a CSV, XLSX or JSON
// export and uploading it for the platform to import. Product imports from
// Go values are on ProductsService; import sources on SourcesService.
type ImportsService service
