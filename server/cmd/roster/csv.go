package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"
)

// `roster import users.csv`: users with their roles and groups, one a row,
// under a header naming the columns (any order, any case):
//
//	email             required, the user's key: a rerun finds the user by it
//	first_name        optional
//	last_name         optional
//	external_user_id  optional (external_id too)
//	status            optional: active (default) or disabled
//	roles             optional, ";"-separated roles (ids or names); editor@Berlin
//	                  holds editor in organization Berlin only
//	groups            optional, ";"-separated group names
//
// The rows become the records of an export — an organization record per
// organization named, a user record per row, a group record per group
// with its members — and load as one: missing organizations and groups
// are created, roles must exist already, and every write carries an
// Idempotency-Key made from its record, so that a rerun changes nothing.

// csvColumns maps each accepted header name to its column.
var csvColumns = map[string]string{
	"email": "email", "first_name": "first_name", "last_name": "last_name",
	"external_user_id": "external_user_id", "external_id": "external_user_id",
	"status": "status", "roles": "roles", "groups": "groups",
}

// isCSV tells a CSV file from NDJSON: by the extension, else by the first
// line (NDJSON records start with "{").
func isCSV(name string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return true
	case ".ndjson", ".jsonl", ".json":
		return false
	}
	return !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
}

// csvRecords turns a CSV of users into import records.
func csvRecords(data []byte) ([]record, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	r.Comment = '#'
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the CSV is empty: want a header such as email,first_name,last_name,roles,groups")
	}
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range header {
		name, ok := csvColumns[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))]
		if !ok {
			return nil, fmt.Errorf("line 1: unknown column %q: want email, first_name, last_name, external_user_id, status, roles, groups", h)
		}
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("line 1: column %q twice", h)
		}
		col[name] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, errors.New("line 1: no email column")
	}
	var orgs []string
	var users []record
	members := map[string][]string{} // group name → member emails
	var groups []string
	seen := map[string]int{} // email → line
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		u := record{Kind: "user", Email: get("email"), FirstName: get("first_name"), LastName: get("last_name"),
			ExternalID: get("external_user_id"), Status: strings.ToLower(get("status"))}
		if _, err := mail.ParseAddress(u.Email); err != nil || u.Email == "" {
			return nil, fmt.Errorf("line %d: email %q is not an email address", line, u.Email)
		}
		if first, dup := seen[strings.ToLower(u.Email)]; dup {
			return nil, fmt.Errorf("line %d: %s again (first on line %d)", line, u.Email, first)
		}
		seen[strings.ToLower(u.Email)] = line
		if u.Status != "" && u.Status != "active" && u.Status != "disabled" {
			return nil, fmt.Errorf("line %d: status %q: want active or disabled", line, u.Status)
		}
		for _, g := range splitSemi(get("roles")) {
			role, org, _ := strings.Cut(g, "@")
			if role == "" {
				return nil, fmt.Errorf("line %d: roles: %q names no role", line, g)
			}
			u.Grants = append(u.Grants, grant{Role: roleID(role), Organization: org})
			if org != "" && !slices.Contains(orgs, org) {
				orgs = append(orgs, org)
			}
		}
		for _, g := range splitSemi(get("groups")) {
			if _, ok := members[g]; !ok {
				groups = append(groups, g)
			}
			members[g] = append(members[g], u.Email)
		}
		users = append(users, u)
	}
	recs := make([]record, 0, len(orgs)+len(users)+len(groups))
	for _, o := range orgs {
		recs = append(recs, record{Kind: "organization", Name: o})
	}
	recs = append(recs, users...)
	for _, g := range groups {
		recs = append(recs, record{Kind: "group", Name: g, Members: members[g]})
	}
	return recs, nil
}

// splitSemi parses a ";"-separated cell.
func splitSemi(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
