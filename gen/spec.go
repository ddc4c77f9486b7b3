package gen

import _ "embed"

// Spec is the repository's openapi.yaml, byte for byte (see the package
// comment); GetSwagger gives the same document parsed.
//
//go:embed openapi.yaml
var Spec []byte
