package catalog

import (
	"fmt"
	"strings"
)

// checkUpdateMask refuses a mask the platform could not apply as meant: an
// empty or malformed path, a repeated one, one whose first segment is no
// field of Product (a typo would clear nothing and update nothing), or the
// identifiers.
func checkUpdateMask(mask []string) error {
	seen := make(map[string]bool, len(mask))
	for _, path := range mask {
		top, _, _ := strings.Cut(path, ".")
		switch {
		case !isFieldPath(path):
			return &ValidationError{Field: "update_mask", Reason: fmt.Sprintf("%q is not a field path", path)}
		case top == "entity_code" || top == "sku":
			return &ValidationError{Field: "update_mask", Reason: top + " identifies the product and cannot be masked"}
		case productJSONNames[top] == "":
			return &ValidationError{Field: "update_mask", Reason: fmt.Sprintf("%q: no product field %q", path, top)}
		case seen[path]:
			return &ValidationError{Field: "update_mask", Reason: fmt.Sprintf("%q is listed twice", path)}
		}
		seen[path] = true
	}
	return nil
}

// isFieldPath reports whether s is a dotted field path: non-empty segments
// joined by single dots.
func isFieldPath(s string) bool {
	return s != "" && !strings.HasPrefix(s, ".") && !strings.HasSuffix(s, ".") && !strings.Contains(s, "..")
}
