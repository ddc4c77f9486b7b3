package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"go.yaml.in/yaml/v3"

	"github.com/rosterhq/roster/client"
)

// What the client commands print: tables and label/value pairs for people,
// the API's JSON or the same as YAML for scripts (-o json|yaml).

// show prints v — an API body ([]byte) or a value to marshal — as JSON or
// YAML when -o asks for it, else calls table; it returns the exit status.
func (e *cliEnv) show(cf *clientFlags, v any, table func() error) int {
	var err error
	switch cf.output {
	case "json", "yaml":
		body, ok := v.([]byte)
		if !ok {
			body, err = json.Marshal(v)
		}
		if err == nil && cf.output == "json" {
			err = e.printJSON(body)
		} else if err == nil {
			err = e.printYAML(body)
		}
	default:
		err = table()
	}
	if err != nil {
		return e.fail(cf, err)
	}
	return 0
}

// showList prints a list: a JSON or YAML array, or a table of header and
// one row of cells per item.
func showList[T any](e *cliEnv, cf *clientFlags, items []T, header []string, cells func(T) []string) int {
	return e.show(cf, items, func() error {
		w := e.table(header...)
		for _, it := range items {
			row(w, cells(it)...)
		}
		return w.Flush()
	})
}

// printYAML writes a JSON document as block-style YAML, keys in the API's order.
func (e *cliEnv) printYAML(body []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil { // JSON is YAML
		return fmt.Errorf("the server's answer is not JSON: %w", err)
	}
	blockStyle(&doc)
	enc := yaml.NewEncoder(e.stdout)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	return enc.Close()
}

// blockStyle drops the flow style and quotes the JSON source had, so that
// YAML is written the way people write it; the encoder still quotes a string
// that would otherwise read as another type ("true", "12").
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// printJSON writes an API body for scripts: indented, one document, newline-terminated.
func (e *cliEnv) printJSON(body []byte) error {
	var b bytes.Buffer
	if err := json.Indent(&b, bytes.TrimSpace(body), "", "  "); err != nil {
		return fmt.Errorf("the server's answer is not JSON: %w", err)
	}
	b.WriteByte('\n')
	_, err := e.stdout.Write(b.Bytes())
	return err
}

// table returns a tabwriter on stdout with a header row; call Flush when done.
func (e *cliEnv) table(header ...string) *tabwriter.Writer {
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(header, "\t"))
	return w
}

// row writes one tab-separated row, with "-" for empty cells so that
// columns stay aligned and parseable.
func row(w io.Writer, cells ...string) {
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		}
	}
	fmt.Fprintln(w, strings.Join(cells, "\t"))
}

// fields writes label/value pairs one per line, for a single resource.
func (e *cliEnv) fields(pairs ...string) error {
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		row(w, pairs[i]+":", pairs[i+1])
	}
	return w.Flush()
}

// splitList parses a comma-separated flag value; empty gives an empty list.
func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// optional returns nil for "", so that an unset flag leaves a field out.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// limitFlag registers --limit: how many items a list prints at most (0: all,
// walking every page).
func limitFlag(fs *flag.FlagSet) *int {
	return fs.Int("limit", 0, "print at most N items (0: all of them, page after page)")
}

// collect walks the pages of a list until limit items (0: all).
func collect[T any](ctx context.Context, limit int, fetch func(ctx context.Context, cursor *string) ([]T, *string, error)) ([]T, error) {
	items := []T{}
	for it, err := range client.All(ctx, fetch) {
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		if limit > 0 && len(items) == limit {
			break
		}
	}
	return items, nil
}

// pageSize is the largest page the API serves; fewer round trips for long lists.
const pageSize = 100

// pageLimit returns the page size to ask for when printing at most limit items.
func pageLimit(limit int) *int {
	n := pageSize
	if limit > 0 && limit < n {
		n = limit
	}
	return &n
}

// listPages walks every page of one list call of the SDK, up to limit items
// (0: all), asking for pages no larger than needed.
func listPages[T any](ctx context.Context, limit int, fetch func(ctx context.Context, pageLimit *int, cursor *string) (client.Response, []T, *string, error)) ([]T, error) {
	return collect(ctx, limit, func(ctx context.Context, cursor *string) ([]T, *string, error) {
		res, items, next, err := fetch(ctx, pageLimit(limit), cursor)
		if err := client.CheckResponse(res, err); err != nil {
			return nil, nil, err
		}
		return items, next, nil
	})
}

// checkLimit reports a negative --limit.
func checkLimit(cf *clientFlags, limit int) error {
	if limit < 0 {
		return fmt.Errorf("%s: --limit must not be negative", cf.name)
	}
	return nil
}
