// Package client is the Go SDK for Roster, the multi-tenant role and
// permission service.
//
// Most of it is generated from the repository's openapi.yaml (client.gen.go:
// the models and ClientWithResponses, one method per operation). sdk.go adds a
// thin, hand-written layer: New builds a Client that sends a bearer token with
// every request, Check and CheckResponse turn a problem+json answer into an
// *Error that works with errors.As and IsCode, and All walks cursor pages as a
// Go iterator.
//
//	c, err := client.New("http://localhost:8080", token)
//	res, err := c.CreateRoleWithResponse(ctx, "acme", client.RoleCreate{
//		Name: "editor", DisplayName: "Editor",
//		Permissions: []string{"documents:read", "documents:write"},
//	})
//	if err := client.CheckResponse(res, err); err != nil {
//		if client.IsCode(err, "conflict") { … }
//	}
//
// The package must stay importable on its own: it never imports echo, GORM or
// anything under internal/ from non-test files. Never edit client.gen.go by
// hand: change openapi.yaml and run `make gen`.
package client
