package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster/client"
)

// Shell completion: `roster completion bash|zsh|fish` prints a script that
// asks the binary itself, `roster __complete WORD… CURRENT`, for the
// candidates of the word being typed: commands, flags (read from each
// command's -h, so never out of date), -o values, and role ids from the
// server where an argument is a ROLE (one request, 2 s at most, with the
// environment's or profile's server and token).

const bashCompletion = `# bash completion for roster. Load it with: source <(roster completion bash)
_roster() {
    local IFS=$'\n'
    local cur=${COMP_WORDS[COMP_CWORD]}
    COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "$cur"))
}
complete -o default -F _roster roster
`

const zshCompletion = `#compdef roster
# zsh completion for roster. Load it with: source <(roster completion zsh)
# (after compinit), or save it as _roster in a directory of $fpath.
_roster() {
    local -a candidates
    candidates=("${(@f)$(${words[1]} __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    candidates=(${candidates:#})
    compadd -- "${candidates[@]}"
}
if [ "$funcstack[1]" = "_roster" ]; then
    _roster "$@"
else
    compdef _roster roster
fi
`

const fishCompletion = `# fish completion for roster. Load it with: roster completion fish | source
function __roster_complete
    set -l tokens (commandline -opc)
    set -l cmd $tokens[1]
    set -e tokens[1]
    $cmd __complete $tokens (commandline -ct) 2>/dev/null
end
complete -c roster -f -a '(__roster_complete)'
`

func completionCommand(_ context.Context, args []string, e *cliEnv) int {
	scripts := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}
	fs := newFlagSet("roster completion", "bash|zsh|fish\n\n"+
		"  bash: source <(roster completion bash)    (or save it in /etc/bash_completion.d/roster)\n"+
		"  zsh:  source <(roster completion zsh)     (after compinit)\n"+
		"  fish: roster completion fish | source     (or save it as ~/.config/fish/completions/roster.fish)", e)
	if err := fs.Parse(args); err != nil {
		return e.usage(parseError(err))
	}
	if fs.NArg() != 1 || scripts[fs.Arg(0)] == "" {
		return e.usage(fmt.Errorf("roster completion: want bash, zsh or fish, got %q", fs.Args()))
	}
	fmt.Fprint(e.stdout, scripts[fs.Arg(0)])
	return 0
}

// topLevel is every first word: the client commands and main.go's.
func topLevel() []*command {
	return append([]*command{
		{name: "serve", run: func(context.Context, []string, *cliEnv) int { return 0 }},
		{name: "migrate", run: func(context.Context, []string, *cliEnv) int { return 0 }},
		{name: "help"},
	}, clientCommands...)
}

// completeCommand prints the candidates for the last of words, one a line.
func completeCommand(words []string, e *cliEnv) int {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, done := words[len(words)-1], words[:len(words)-1]
	cmds, path := topLevel(), "roster"
	var leaf *command
	var pos []string // positional arguments after the leaf
	var flags map[string]bool
	for i := 0; i < len(done); i++ {
		w := done[i]
		if leaf != nil {
			if strings.HasPrefix(w, "-") {
				if name := strings.TrimLeft(w, "-"); !strings.Contains(name, "=") && flags[name] {
					i++ // its value
				}
				continue
			}
			pos = append(pos, w)
			continue
		}
		c := find(cmds, w)
		if c == nil {
			return 0
		}
		path += " " + c.name
		if c.subs == nil {
			leaf, flags = c, commandFlags(path, e)
		}
		cmds = c.subs
	}
	var out []string
	switch {
	case leaf == nil:
		for _, c := range cmds {
			out = append(out, c.name)
		}
		if path == "roster" {
			out = append(out, "--version")
		}
	case len(done) > 0 && (done[len(done)-1] == "-o" || done[len(done)-1] == "--output" || done[len(done)-1] == "-output"):
		out = []string{"table", "json", "yaml"}
	case strings.HasPrefix(cur, "-"):
		for f := range flags {
			out = append(out, "--"+f)
		}
	case leaf.name == "completion":
		out = []string{"bash", "zsh", "fish"}
	default:
		if want := strings.Fields(leaf.args); len(pos) < len(want) && strings.Contains(want[len(pos)], "ROLE") {
			out = roleCandidates(e)
		}
	}
	slices.Sort(out)
	for _, c := range out {
		if strings.HasPrefix(c, cur) {
			fmt.Fprintln(e.stdout, c)
		}
	}
	return 0
}

// commandFlags runs the command at path with -h and reads its flags from
// the usage that package flag prints: "  -name" for a bool, "  -name type"
// for one that takes a value (true in the map).
func commandFlags(path string, e *cliEnv) map[string]bool {
	var help bytes.Buffer
	args := append(strings.Fields(path)[1:], "-h")
	h := &cliEnv{getenv: e.getenv, stdin: strings.NewReader(""), stdout: io.Discard, stderr: &help}
	switch args[0] {
	case "serve":
		_, _ = parseServe(args[1:], e.getenv, &help)
	case "migrate":
		migrate(context.Background(), args[1:], e.getenv, &help)
	default:
		runCommand(context.Background(), args, h)
	}
	flags := map[string]bool{}
	for _, line := range strings.Split(help.String(), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(line, "  -") {
			flags[strings.TrimPrefix(f[0], "-")] = len(f) > 1
		}
	}
	return flags
}

// roleCandidates lists the tenant's role ids, or nothing when the server
// cannot say quickly.
func roleCandidates(e *cliEnv) []string {
	quiet := &cliEnv{getenv: e.getenv, stdin: e.stdin, stdout: io.Discard, stderr: io.Discard}
	fs, cf := newClientFlagSet("roster __complete", "", quiet)
	if _, err := parseArgs(fs, cf, nil); err != nil {
		return nil
	}
	c, err := client.New(cf.server, cf.token, client.WithUserAgent("roster-cli"))
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var out []string
	for r, err := range allRoles(ctx, c, cf.tenant) {
		if err != nil {
			return out
		}
		out = append(out, r.Id)
	}
	return out
}
