package pgtest

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Server is a throwaway PostgreSQL in a temp dir, reachable only through a
// unix socket in that dir (no TCP port to collide with other test binaries).
type Server struct {
	bin, dir, data string
	asPostgres     bool // run the binaries as the postgres user (we are root)
}

// port only names the socket file (.s.PGSQL.5432) in our own directory.
const port = "5432"

// serverOptions trade durability for speed: the data dies with the test.
var serverOptions = []string{
	"-c listen_addresses=''",
	"-c fsync=off",
	"-c synchronous_commit=off",
	"-c full_page_writes=off",
	"-c max_connections=300",
	"-c shared_buffers=32MB",
}

// Start runs initdb and pg_ctl start (about a second). It fails when no
// server binaries are installed, or when run as root without a postgres user.
func Start() (*Server, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, asPostgres: os.Geteuid() == 0}
	if s.dir, err = os.MkdirTemp("", "roster-pg-"); err != nil {
		return nil, err
	}
	s.data = filepath.Join(s.dir, "data")
	if s.asPostgres {
		// initdb refuses to run as root; the server's files must be its own.
		u, err := user.Lookup("postgres")
		if err != nil {
			s.cleanup()
			return nil, fmt.Errorf("running as root and there is no postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(s.dir, uid, gid); err != nil {
			s.cleanup()
			return nil, err
		}
	}
	if out, err := s.run("initdb", "-D", s.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync"); err != nil {
		s.cleanup()
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	if err := s.start(); err != nil {
		s.cleanup()
		return nil, err
	}
	return s, nil
}

func (s *Server) start() error {
	opts := append([]string{"-k " + s.dir, "-p " + port}, serverOptions...)
	out, err := s.run("pg_ctl", "-D", s.data, "-l", filepath.Join(s.dir, "server.log"), "-w", "-t", "30",
		"-o", strings.Join(opts, " "), "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	return nil
}

// DSN returns the URL of database name on this server.
func (s *Server) DSN(name string) string {
	q := url.Values{"host": {s.dir}, "port": {port}, "sslmode": {"disable"}}
	return "postgres://postgres@/" + name + "?" + q.Encode()
}

// Restart stops the server (cutting every connection, as a failover would)
// and starts it again on the same socket. It stops in "fast" mode, which
// flushes the WAL: with synchronous_commit=off (serverOptions) an
// "immediate" stop would lose the last committed transactions, and tests
// would see revisions go backwards — a lossy failover, not a restart.
func (s *Server) Restart() error {
	if out, err := s.run("pg_ctl", "-D", s.data, "-m", "fast", "-w", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	return s.start()
}

// Stop stops the server and removes its files.
func (s *Server) Stop() {
	_, _ = s.run("pg_ctl", "-D", s.data, "-m", "immediate", "-w", "stop")
	s.cleanup()
}

func (s *Server) cleanup() { _ = os.RemoveAll(s.dir) }

func (s *Server) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(s.bin, name)
	var cmd *exec.Cmd
	if s.asPostgres {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = s.dir // the postgres user may not be allowed into ours
	return cmd.CombinedOutput()
}

// findBinDir finds the newest installed server: Debian keeps each major
// version in /usr/lib/postgresql/N/bin; elsewhere pg_config says.
func findBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or pg_config --bindir")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Bin returns the path of one of the server's programs (pg_dump, psql…).
func (s *Server) Bin(name string) string { return filepath.Join(s.bin, name) }
