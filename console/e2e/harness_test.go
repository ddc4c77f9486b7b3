package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// findChromium is the browser binary, or "" when there is none.
func findChromium() string {
	if p := os.Getenv("ROSTER_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one Chromium shared by the package's tests.
var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
)

func sharedBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findChromium()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is required for the console's browser tests under CI: apt-get install chromium (.ci/run does)")
		}
		t.Skip("no Chromium found (apt-get install chromium, or set ROSTER_CHROMIUM): skipping the console's browser tests")
	}
	browserOnce.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox, // tests run as root in CI
			chromedp.DisableGPU,
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.WindowSize(1366, 900),
			chromedp.Flag("lang", "en-US"),
		)
		actx, _ := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, _ := chromedp.NewContext(actx)
		// Start the browser now, so that a broken install fails here.
		browserErr = chromedp.Do(ctx)
		browserCtx = ctx
	})
	if browserErr != nil {
		t.Fatalf("starting Chromium (%s): %v", path, browserErr)
	}
	return browserCtx
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browserCtx != nil {
		_ = chromedp.Cancel(browserCtx)
	}
	os.Exit(code)
}

// tab is one browser tab on the site, with the helpers the tests use. A
// JavaScript exception or a Content-Security-Policy report in the page fails
// the test.
type tab struct {
	t    *testing.T
	ctx  context.Context
	site *site
}

func newTab(t *testing.T, s *site) *tab {
	t.Helper()
	b := sharedBrowser(t)
	ctx, cancel := chromedp.NewContext(b)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	tb := &tab{t: t, ctx: ctx, site: s}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			t.Errorf("JavaScript exception in the console: %s", (&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
		case *cdplog.EventEntryAdded:
			// Chromium reports a Content-Security-Policy violation here (source
			// "security"); a failed API call is a "network" entry, which the
			// console shows to the user and the tests check.
			if e.Entry.Level == cdplog.EntryLevelError && e.Entry.Source != cdplog.EntrySourceNetwork {
				t.Errorf("browser error (%s): %s", e.Entry.Source, e.Entry.Text)
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				msg := strings.Join(parts, " ")
				t.Errorf("console.%s in the page: %s", e.Type, msg)
			}
		}
	}); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	// Cleanups run last-in first-out: the screenshot is taken before the tab closes.
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
	})
	t.Cleanup(func() {
		if t.Failed() {
			tb.saveFailure()
		}
	})
	tb.run(chromedp.Navigate(s.URL + "/console"))
	return tb
}

// sub points the tab's helpers at a subtest, which saves its own screenshot
// when it fails.
func (b *tab) sub(t *testing.T) {
	b.t = t
	t.Cleanup(func() {
		if t.Failed() {
			b.saveFailure()
		}
	})
}

func (b *tab) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// eval runs a script for its effect.
func (b *tab) eval(script string) {
	b.t.Helper()
	b.run(chromedp.Evaluate[chromedp.Void](script))
}

// value runs a script and decodes its result.
func value[T any](b *tab, script string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](script))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", script, err)
	}
	return v
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// saveFailure keeps a screenshot of the page the test failed on.
func (b *tab) saveFailure() {
	dir := os.Getenv("ROSTER_CONSOLE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "roster-console")
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		b.t.Logf("no failure screenshot: %v", err)
		return
	}
	name := filepath.Join(dir, unsafeName.ReplaceAllString(b.t.Name(), "_")+".png")
	if err := os.MkdirAll(dir, 0o755); err == nil && os.WriteFile(name, png, 0o644) == nil {
		b.t.Logf("screenshot of the failing page: %s", name)
	}
}

// screenshot saves the page, scrolled to the element sel, for the README
// when ROSTER_CONSOLE_SCREENSHOTS is set.
func (b *tab) screenshot(name, sel string) {
	b.t.Helper()
	dir := os.Getenv("ROSTER_CONSOLE_SCREENSHOTS")
	if dir == "" {
		return
	}
	b.eval(`document.querySelector(` + js(sel) + `).scrollIntoView({block: "center"}); document.activeElement.blur()`)
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// js quotes s as a JavaScript string.
func js(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// waitFor polls a JavaScript expression until it is true.
func (b *tab) waitFor(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		if err != nil {
			b.t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("main")?.innerText ?? document.body.innerText`))
			b.t.Fatalf("timed out waiting for %s; the page reads:\n%.2000s", what, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitText waits until an element matching sel contains text.
func (b *tab) waitText(sel, text string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("%q in %s", text, sel),
		`[...document.querySelectorAll(`+js(sel)+`)].some(e => e.textContent.includes(`+js(text)+`))`)
}

// fill sets a form control's value as typing would (Preact listens to input
// events), after waiting for it.
func (b *tab) fill(sel, value string) {
	b.t.Helper()
	b.waitFor(sel, `document.querySelector(`+js(sel)+`)`)
	b.eval(`(() => {
		const el = document.querySelector(` + js(sel) + `);
		const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
		Object.getOwnPropertyDescriptor(proto, "value").set.call(el, ` + js(value) + `);
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
	})()`)
}

// check ticks a checkbox found by its label's text inside scope.
func (b *tab) check(scope, label string) {
	b.t.Helper()
	b.waitFor("checkbox "+label, `[...document.querySelectorAll(`+js(scope+` label`)+`)].some(l => l.textContent.includes(`+js(label)+`))`)
	b.eval(`[...document.querySelectorAll(` + js(scope+` label`) + `)].find(l => l.textContent.includes(` + js(label) + `)).querySelector("input").click()`)
}

// press clicks the button (or link) inside scope whose text is text.
func (b *tab) press(scope, text string) {
	b.t.Helper()
	find := `[...document.querySelectorAll(` + js(scope+` button, `+scope+` a`) + `)].find(e => e.textContent.trim() === ` + js(text) + ` && !e.disabled)`
	b.waitFor("button "+text, find)
	b.eval(find + `.click()`)
}

// key sends keys to the element sel (focusing it first), as a user types.
func (b *tab) key(sel, keys string) {
	b.t.Helper()
	b.run(chromedp.Focus(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), keys))
}

// open opens a console route (#/roles/…).
func (b *tab) open(route string) {
	b.t.Helper()
	b.eval(`location.hash = ` + js("#/"+route))
	b.waitFor("main h1", `document.querySelector("main h1")`)
}

// signIn signs in through the form, submitting with Enter.
func (b *tab) signIn(tenant, token string) {
	b.t.Helper()
	b.waitFor("the sign-in form", `document.querySelector('form[aria-label="Sign in"]')`)
	b.fill(`[name="tenant"]`, tenant)
	b.fill(`[name="token"]`, "")
	b.key(`[name="token"]`, token+"\r")
	b.waitFor("the signed-in console", `document.querySelector("header.top")`)
}
