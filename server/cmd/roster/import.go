package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/rosterhq/roster/client"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// `roster import FILE` loads an export (NDJSON, see export.go) or a CSV of
// users (csv.go) into a tenant. It is rerunnable: every write carries an Idempotency-Key made
// from its record, so a rerun after a crash is answered from the first run
// (within 24 h), and after that a thing that exists already is found by its
// name or email and set to the record, which changes nothing when it
// matches. Progress goes to stderr: a bar with the rate and the time left on
// a terminal, else a line every progressEvery records and at the end.

const progressEvery = 500

func importCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster import", "FILE [flags]   (NDJSON from roster export, or a CSV of users; - for stdin)", e)
	format := fs.String("format", "", "csv or ndjson (default: by the file's extension, else its first line)")
	pos, err := parseArgs(fs, cf, args, "FILE")
	if err != nil {
		return e.usage(err)
	}
	if *format != "" && *format != "csv" && *format != "ndjson" {
		return e.usage(fmt.Errorf("roster import: --format must be csv or ndjson, not %q", *format))
	}
	in := e.stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return e.fail(cf, err)
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return e.fail(cf, err)
	}
	var recs []record
	if *format == "csv" || (*format == "" && isCSV(pos[0], data)) {
		recs, err = csvRecords(data)
	} else {
		recs, err = ndjsonRecords(data)
	}
	if err != nil {
		return e.fail(cf, fmt.Errorf("%s: %w", pos[0], err))
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	im := &importer{c: c, tenant: cf.tenant, orgs: map[string]string{}, users: map[string]string{}, held: map[string][]string{}, groups: map[string]string{},
		progress: func(done int) { fmt.Fprintf(e.stderr, "roster import: %d of %d records\n", done, len(recs)) }}
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(len(recs), progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("roster import"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("records"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionOnCompletion(func() { fmt.Fprintln(f) }))
		im.progress = func(done int) { _ = bar.Set(done) }
		im.every = 1
	}
	if err := im.run(ctx, recs); err != nil {
		return e.fail(cf, err)
	}
	return 0
}

// ndjsonRecords reads an export, one record a line.
func ndjsonRecords(data []byte) ([]record, error) {
	var recs []record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		recs = append(recs, r)
	}
	return recs, sc.Err()
}

type importer struct {
	c        *client.Client
	tenant   string
	orgs     map[string]string   // name → id
	users    map[string]string   // email → id
	held     map[string][]string // user id → its direct global roles, as the lookups found them
	groups   map[string]string   // name → id
	progress func(done int)
	every    int // records between progress reports (progressEvery when 0)
	done     int
}

// key is the Idempotency-Key of one write of record r.
func key(step string, r record) client.RequestEditorFn {
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(append([]byte(step+"\x00"), b...))
	k := "import-" + hex.EncodeToString(sum[:16])
	return func(_ context.Context, req *http.Request) error { req.Header.Set("Idempotency-Key", k); return nil }
}

func (im *importer) run(ctx context.Context, recs []record) error {
	if err := im.lookups(ctx); err != nil {
		return err
	}
	if err := im.checkRoles(ctx, recs); err != nil {
		return err
	}
	// Roles first without their parents (a role may inherit one that comes
	// later), then the parents.
	each := func(pass func(context.Context, record) error) error {
		for _, r := range recs {
			if err := pass(ctx, r); err != nil {
				return fmt.Errorf("%s %s%s: %w", r.Kind, r.Name, r.Email, err)
			}
		}
		return nil
	}
	for _, pass := range []func(context.Context, record) error{im.organization, im.role, im.parents} {
		if err := each(pass); err != nil {
			return err
		}
	}
	if err := im.usersInBulk(ctx, recs); err != nil { // users come in thousands: POST /bulk
		return err
	}
	if err := each(im.group); err != nil {
		return err
	}
	im.progress(len(recs))
	return nil
}

// tick counts a record done and reports progress now and then.
func (im *importer) tick() {
	im.done++
	every := im.every
	if every == 0 {
		every = progressEvery
	}
	if im.done%every == 0 {
		im.progress(im.done)
	}
}
