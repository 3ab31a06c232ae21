// Package api holds the wire contract, api/openapi.yaml.
package api

import _ "embed"

// OpenAPI is api/openapi.yaml, the wire contract of the client and the fake
// server, embedded for the contract checks in internal/contract.
//
//go:embed openapi.yaml
var OpenAPI []byte
