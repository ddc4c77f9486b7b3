package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The tenant file of `roster plan` and `roster apply` (docs/tenant-file.md):
// the roles, groups and direct global assignments a tenant should have.

// tenantFile is the whole file. Unknown keys are errors, so that a typo
// (`permission:`) is reported rather than silently managing nothing.
type tenantFile struct {
	Roles  []fileRole  `yaml:"roles"`
	Groups []fileGroup `yaml:"groups"`
	Users  []fileUser  `yaml:"users"`
}

// fileRole is a custom role. DisplayName defaults to Name when the role is
// created; DisplayName and Description left out are left alone on update.
type fileRole struct {
	Name         string   `yaml:"name"`
	DisplayName  *string  `yaml:"display_name"`
	Description  *string  `yaml:"description"`
	Permissions  []string `yaml:"permissions"`
	InheritsFrom []string `yaml:"inherits_from"`
}

// fileGroup is a group, the global roles it gives its members, and its
// members by email.
type fileGroup struct {
	Name        string   `yaml:"name"`
	Description *string  `yaml:"description"`
	Roles       []string `yaml:"roles"`
	Members     []string `yaml:"members"`
}

// fileUser is a user (who must exist) and its direct global roles.
type fileUser struct {
	Email string   `yaml:"email"`
	Roles []string `yaml:"roles"`
}

// typeName is the Go type yaml's messages name ("field x not found in type
// main.fileRole"), which means nothing to the file's author.
var typeName = regexp.MustCompile(` in type main\.\w+| into \[?\]?main\.\w+`)

// errFile marks a file that cannot be read as a tenant file: a usage error
// (exit 2), not a failure of the server.
var errFile = errors.New("bad tenant file")

// readTenantFile reads and checks path ("-" for stdin).
func readTenantFile(path string, stdin io.Reader) (*tenantFile, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	return parseTenantFile(path, data)
}

// parseTenantFile decodes data strictly; its errors name the file and the line.
func parseTenantFile(name string, data []byte) (*tenantFile, error) {
	var f tenantFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
		msg = typeName.ReplaceAllString(msg, "")
		msg = strings.ReplaceAll(msg, "\n  ", "\n  "+name+": ")
		return nil, fmt.Errorf("%w: %s: %s", errFile, name, msg)
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errFile, name, err)
	}
	return &f, nil
}

// check reports what no server could accept: missing names, duplicates,
// roles defined twice.
func (f *tenantFile) check() error {
	seen := map[string]bool{}
	for i, r := range f.Roles {
		if r.Name == "" {
			return fmt.Errorf("roles[%d]: name is required", i)
		}
		if strings.HasPrefix(r.Name, "role_") {
			return fmt.Errorf("roles[%d]: name %q: write the name, not the id", i, r.Name)
		}
		if seen[r.Name] {
			return fmt.Errorf("roles[%d]: role %q is defined twice", i, r.Name)
		}
		if hasRef(deref(r.DisplayName)) || hasRef(deref(r.Description)) {
			return fmt.Errorf("roles[%d] (%s): ${ cannot be sent in a bulk request (it names an earlier operation)", i, r.Name)
		}
		seen[r.Name] = true
	}
	seen = map[string]bool{}
	for i, g := range f.Groups {
		if g.Name == "" {
			return fmt.Errorf("groups[%d]: name is required", i)
		}
		if seen[g.Name] {
			return fmt.Errorf("groups[%d]: group %q is listed twice", i, g.Name)
		}
		if hasRef(g.Name) || hasRef(deref(g.Description)) {
			return fmt.Errorf("groups[%d] (%s): ${ cannot be sent in a bulk request (it names an earlier operation)", i, g.Name)
		}
		seen[g.Name] = true
	}
	seen = map[string]bool{}
	for i, u := range f.Users {
		if !strings.Contains(u.Email, "@") {
			return fmt.Errorf("users[%d]: email %q is not an email address", i, u.Email)
		}
		if seen[strings.ToLower(u.Email)] {
			return fmt.Errorf("users[%d]: user %s is listed twice", i, u.Email)
		}
		seen[strings.ToLower(u.Email)] = true
	}
	return nil
}

// hasRef reports a `${`, which a bulk request would read as a reference.
func hasRef(s string) bool { return strings.Contains(s, "${") }
