// Package gen holds the server side of the API generated from ../openapi.yaml:
// models, the echo router, the strict server interface and the embedded spec.
// Never edit it by hand: change openapi.yaml and run `make gen`.
//
// Two files here are not oapi-codegen's: openapi.yaml, a byte-for-byte copy
// of ../openapi.yaml that `make gen` refreshes and `make check-gen` compares
// (go:embed cannot reach a parent directory), and spec.go, the hand-written
// embed of that copy, which GET /openapi.yaml serves as is.
package gen

//go:generate go tool oapi-codegen -config cfg.yaml ../openapi.yaml
//go:generate cp ../openapi.yaml openapi.yaml
