package catalog

// EncodeRowReference returns p as encoding/json encodes it (the reference
// the row encoder's fast path matches), or its error.
func EncodeRowReference(p *Product) ([]byte, error) { return referenceRow(p) }
