// Package docpath sets values in JSON documents by field path, the way the
// platform's field mappings and update masks name fields ("pricing.list").
// The file readers (importfile) and the fake's merge (catalogtest) share it.
package docpath

// Set stores v at path in doc, making the objects on the way that are
// missing, or that hold something other than an object.
func Set(doc map[string]any, path []string, v any) {
	for _, seg := range path[:len(path)-1] {
		next, ok := doc[seg].(map[string]any)
		if !ok {
			next = make(map[string]any)
			doc[seg] = next
		}
		doc = next
	}
	doc[path[len(path)-1]] = v
}
