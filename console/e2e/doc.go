// Package e2e holds the console's browser tests: a real headless Chromium
// (Debian's chromium package; no browser is downloaded) drives /console
// through chromedp against a Roster served on loopback. The browser reaches
// the server through a proxy that checks every API response against
// openapi.yaml, like the Go client tests do, and fails the test on a response
// the spec does not describe.
//
// Chromium is found at $ROSTER_CHROMIUM, else chromium, chromium-browser or
// google-chrome on PATH. Missing, the tests skip, or fail under CI=true.
// A failing test saves a screenshot of the page under
// $ROSTER_CONSOLE_ARTIFACTS (default: roster-console in the temp directory).
// With ROSTER_CONSOLE_SCREENSHOTS=DIR the tests also save the main pages'
// screenshots there (`make console-screenshots` writes docs/console).
package e2e
