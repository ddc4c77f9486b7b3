package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"
)

// command is one word of a command line: a leaf runs, a group (subs)
// picks its next word. The tree is what help and completion list.
type command struct {
	name    string
	args    string // arguments, for help: "USER ROLE"
	summary string
	run     func(ctx context.Context, args []string, e *cliEnv) int
	subs    []*command
}

// clientCommands is the tree of the commands that talk to a server (and the
// few local ones listed with them); serve and migrate are main.go's.
var clientCommands []*command

func init() {
	clientCommands = []*command{
		{name: "login", summary: "store a server, tenant and token as a profile", run: loginCommand},
		{name: "logout", summary: "forget a stored profile", run: logoutCommand},
		{name: "roles", summary: "list, get, create, update, delete", subs: []*command{
			{name: "list", summary: "the tenant's roles", run: rolesList},
			{name: "get", args: "ROLE", summary: "one role", run: rolesGet},
			{name: "create", args: "NAME", summary: "create a custom role", run: rolesCreate},
			{name: "update", args: "ROLE", summary: "change a role's names, permissions, parents", run: rolesUpdate},
			{name: "delete", args: "ROLE", summary: "delete a custom role (and its assignments)", run: rolesDelete},
		}},
		{name: "users", summary: "list, get, create, update, disable/enable, delete; roles, history", subs: []*command{
			{name: "list", summary: "the tenant's users", run: usersList},
			{name: "get", args: "USER", summary: "one user (id or email)", run: usersGet},
			{name: "create", args: "EMAIL", summary: "create a user", run: usersCreate},
			{name: "update", args: "USER", summary: "change a user's email, names, external id", run: usersUpdate},
			{name: "disable", args: "USER", summary: "disable a user: every check denies, tokens stop working", run: usersDisable},
			{name: "enable", args: "USER", summary: "enable a disabled user", run: usersEnable},
			{name: "delete", args: "USER", summary: "delete a user, its assignments and tokens", run: usersDelete},
			{name: "roles", args: "USER", summary: "the user's direct assignments, every scope", run: usersRoles},
			{name: "history", args: "USER", summary: "when the user held which role, from which source, granted by whom", run: usersHistory},
		}},
		{name: "assign", args: "USER ROLE", summary: "assign a role, globally or in an organization", run: assignCommand},
		{name: "unassign", args: "USER ROLE", summary: "remove an assignment", run: unassignCommand},
		{name: "groups", summary: "list, get, create, update, delete; members, roles", subs: []*command{
			{name: "list", summary: "the tenant's groups", run: groupsList},
			{name: "get", args: "GROUP", summary: "one group (id or name)", run: groupsGet},
			{name: "create", args: "NAME", summary: "create a group", run: groupsCreate},
			{name: "update", args: "GROUP", summary: "rename a group or change its description", run: groupsUpdate},
			{name: "delete", args: "GROUP", summary: "delete a group: its members lose its roles", run: groupsDelete},
			{name: "members", summary: "list, add, remove a group's members", subs: []*command{
				{name: "list", args: "GROUP", summary: "the group's members", run: groupMembersList},
				{name: "add", args: "GROUP USER...", summary: "add users to the group", run: groupMembersAdd},
				{name: "remove", args: "GROUP USER...", summary: "remove users from the group", run: groupMembersRemove},
			}},
			{name: "roles", summary: "list, add, remove the roles a group gives its members", subs: []*command{
				{name: "list", args: "GROUP", summary: "the group's roles", run: groupRolesList},
				{name: "add", args: "GROUP ROLE", summary: "give the group's members a role", run: groupRolesAdd},
				{name: "remove", args: "GROUP ROLE", summary: "take a role from the group", run: groupRolesRemove},
			}},
		}},
		{name: "orgs", summary: "organizations: list, get, create, update, delete", subs: []*command{
			{name: "list", summary: "the tenant's organizations", run: orgsList},
			{name: "get", args: "ORG", summary: "one organization (id or name)", run: orgsGet},
			{name: "create", args: "NAME", summary: "create an organization", run: orgsCreate},
			{name: "update", args: "ORG", summary: "rename an organization or change its external id", run: orgsUpdate},
			{name: "delete", args: "ORG", summary: "delete an organization and the assignments scoped to it", run: orgsDelete},
		}},
		{name: "tokens", summary: "a user's API tokens: list, create, revoke", subs: []*command{
			{name: "list", args: "USER", summary: "the user's tokens (never their secrets)", run: tokensList},
			{name: "create", args: "USER NAME", summary: "create a token; its secret is printed this once", run: tokensCreate},
			{name: "revoke", args: "USER TOKEN", summary: "revoke a token, effective at once", run: tokensRevoke},
		}},
		{name: "tenants", summary: "list, get, create, update, delete tenants (operator)", subs: []*command{
			{name: "list", summary: "every tenant", run: tenantsList},
			{name: "get", args: "ID", summary: "one tenant", run: tenantsGet},
			{name: "create", args: "ID", summary: "create a tenant, with its first admin (--admin EMAIL)", run: tenantsCreate},
			{name: "update", args: "ID", summary: "rename a tenant or change its assignment mode", run: tenantsUpdate},
			{name: "delete", args: "ID", summary: "delete a tenant and everything in it", run: tenantsDelete},
			{name: "admins", summary: "give a tenant an administrator", subs: []*command{
				{name: "add", args: "ID EMAIL", summary: "make EMAIL an admin of the tenant; prints the admin's token once", run: tenantAdminsAdd},
			}},
		}},
		{name: "audit", summary: "the audit log, filtered; --follow for new events", run: auditCommand},
		{name: "holders", args: "ROLE|PERMISSION", summary: "who holds it, through any source", run: holdersCommand},
		{name: "check", args: "USER PERMISSION", summary: "exit 0 allowed, 1 denied, 2 error", run: checkCommand},
		{name: "evaluated", args: "USER", summary: "every role the user holds, and why", run: evaluatedCommand},
		{name: "permissions", args: "USER", summary: "every permission the user holds", run: permissionsCommand},
		{name: "export", summary: "the tenant as NDJSON on stdout", run: exportCommand},
		{name: "import", args: "FILE", summary: "load an export (NDJSON) or users (CSV); rerunnable", run: importCommand},
		{name: "plan", summary: "what making the tenant match -f FILE changes, and for whom", run: planCommand},
		{name: "apply", summary: "make the tenant match -f FILE, in one atomic bulk", run: applyCommand},
		{name: "completion", args: "bash|zsh|fish", summary: "a shell completion script", run: completionCommand},
		{name: "version", summary: "version, revision, Go version (also --version)", run: versionCommand},
	}
}

// runClient runs the client command args[0]; ok is false when args[0] names
// none, so that run can report an unknown command.
func runClient(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (code int, ok bool) {
	return runCommand(ctx, args, &cliEnv{getenv: getenv, stdin: os.Stdin, stdout: stdout, stderr: stderr})
}

func runCommand(ctx context.Context, args []string, e *cliEnv) (code int, ok bool) {
	if args[0] == "__complete" {
		return completeCommand(args[1:], e), true
	}
	cmd := find(clientCommands, args[0])
	if cmd == nil {
		return 0, false
	}
	return dispatch(ctx, "roster "+cmd.name, cmd, args[1:], e), true
}

func find(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

// dispatch runs a leaf, or picks a group's subcommand by the next word.
func dispatch(ctx context.Context, path string, cmd *command, args []string, e *cliEnv) int {
	if cmd.run != nil {
		return cmd.run(ctx, args, e)
	}
	if len(args) == 0 {
		groupUsage(e.stderr, path, cmd)
		return 2
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		groupUsage(e.stderr, path, cmd)
		return 0
	}
	sub := find(cmd.subs, args[0])
	if sub == nil {
		return e.usage(fmt.Errorf("%s: unknown command %q: want %s", path, args[0], names(cmd.subs)))
	}
	return dispatch(ctx, path+" "+sub.name, sub, args[1:], e)
}

func names(cmds []*command) string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = c.name
	}
	return strings.Join(out, ", ")
}

// groupUsage lists a group's subcommands.
func groupUsage(w io.Writer, path string, cmd *command) {
	fmt.Fprintf(w, "Usage: %s COMMAND [ARGS] [FLAGS]\n\nCommands:\n", path)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range cmd.subs {
		fmt.Fprintf(tw, "  %s %s\t%s\n", s.name, s.args, s.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun '%s COMMAND -h' for a command's flags.\n", path)
}

// clientHelp is the client part of `roster help`: one line per command.
func clientHelp() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range clientCommands {
		what := c.summary
		if c.args != "" {
			what = c.args + ": " + what
		}
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, what)
	}
	tw.Flush()
	return b.String()
}

// buildInfo is what `roster version` prints: the labels of the server's
// roster_build_info metric, read the same way from the same binary.
type buildInfo struct {
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	GoVersion string `json:"go_version"`
}

func buildVersion() buildInfo {
	b := buildInfo{Version: "unknown", Revision: "unknown", GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		b.Version = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				b.Revision = s.Value
			}
		}
	}
	return b
}

// versionCommand runs `roster version [-o json|yaml]`; it needs no server.
func versionCommand(_ context.Context, args []string, e *cliEnv) int {
	fs := newFlagSet("roster version", "[-o table|json|yaml]", e)
	cf := &clientFlags{name: "roster version", e: e}
	outputFlag(fs, cf)
	if err := fs.Parse(args); err != nil {
		return e.usage(parseError(err))
	}
	if fs.NArg() > 0 {
		return e.usage(fmt.Errorf("roster version: unexpected arguments %q", fs.Args()))
	}
	if err := checkOutput(cf); err != nil {
		return e.usage(err)
	}
	b := buildVersion()
	return e.show(cf, b, func() error {
		_, err := fmt.Fprintf(e.stdout, "roster %s (revision %s, %s)\n", b.Version, b.Revision, b.GoVersion)
		return err
	})
}
