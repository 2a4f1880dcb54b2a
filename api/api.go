// Package api holds the OpenAPI 3.0.3 document of the Cohesity cluster v2 User API as clusteriam
// serves it (see openapi.yaml). The document is the contract that the server's tests check
// responses against (package apitest) and the body served at GET /v2/openapi.yaml.
package api

import (
	_ "embed"
)

//go:embed openapi.yaml
var spec []byte

// Spec returns the OpenAPI document (YAML). Each call returns a fresh copy, so callers may keep or
// modify the result.
func Spec() []byte {
	return append([]byte(nil), spec...)
}
