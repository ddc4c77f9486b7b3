// Package gen holds the server side of the API generated from ../openapi.yaml:
// models, the echo router, the strict server interface and the embedded spec.
// Never edit it by hand: change openapi.yaml and run `make gen`.
package gen

//go:generate go tool oapi-codegen -config cfg.yaml ../openapi.yaml
