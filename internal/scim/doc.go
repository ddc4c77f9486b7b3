// Package scim is SCIM 2.0's protocol (RFC 7643, RFC 7644) as Roster speaks
// it: the User and Group schemas Roster keeps, the normalising layer that
// turns both dialects in use (Okta's and Microsoft Entra's) into one, PATCH
// operations, filters (parsed by github.com/scim2/filter-parser/v2) and
// attribute projection. It is pure: it reads and writes JSON values and
// rbac types, and never touches a store, HTTP or the engine, so the server
// package decides what is written and who may write it. It imports rbac and
// the filter parser only.
package scim
