package gormstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// The issue asks that PATCH with 10,000 users finish in one transaction in
// well under a second on SQLite. These measure the store's part of it (the
// HTTP layer adds decoding and validation) on a file database with WAL.

const bigList = 10_000

var bg = context.Background()

// bigTenant returns a store whose tenant "acme" (mode given) has roles
// role_a and role_b and n users usr_00000…, seeded straight into the tables.
func bigTenant(tb testing.TB, mode string, n int) (*Store, []string) {
	tb.Helper()
	s, err := Open(bg, "sqlite:"+filepath.Join(tb.TempDir(), "roster.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(bg); err != nil {
		tb.Fatal(err)
	}
	op := rbac.Actor{Operator: true}
	if _, err := s.CreateTenant(bg, op, rbac.TenantInput{ID: "acme", Name: "Acme", AssignmentMode: mode}); err != nil {
		tb.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		if _, _, err := s.CreateRole(bg, rbac.Write{TenantID: "acme", Actor: op}, rbac.RoleInput{Name: name, DisplayName: name,
			Permissions: []string{name + ":read"}, Assignable: true}); err != nil {
			tb.Fatal(err)
		}
	}
	ids := make([]string, n)
	rows := make([]userRow, n)
	now := micros(time.Now())
	for i := range rows {
		ids[i] = fmt.Sprintf("usr_%05d", i)
		email := fmt.Sprintf("u%05d@x.test", i)
		rows[i] = userRow{TenantID: "acme", ID: ids[i], Email: email, EmailKey: email, Status: rbac.StatusActive,
			Version: 1, CreatedAt: now, UpdatedAt: now}
	}
	if err := s.db.CreateInBatches(rows, 500).Error; err != nil {
		tb.Fatal(err)
	}
	return s, ids
}

func timed(tb testing.TB, what string, fn func() error) time.Duration {
	tb.Helper()
	start := time.Now()
	if err := fn(); err != nil {
		tb.Fatal(err)
	}
	d := time.Since(start)
	tb.Logf("%s: %s", what, d.Round(time.Millisecond))
	return d
}

// TestReplaceRoleAssignees_10k logs the figures; it fails only far above
// the target (the race detector slows everything several times).
func TestReplaceRoleAssignees_10k(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 20,000 users")
	}
	w := rbac.Write{TenantID: "acme", Actor: rbac.Actor{Operator: true}}
	s, ids := bigTenant(t, rbac.ModeMultiple, 2*bigList)
	first, second := ids[:bigList], ids[bigList:]
	worst := timed(t, "PATCH 10,000 users onto an empty role", func() error {
		_, err := s.ReplaceRoleAssignees(bg, w, "role_a", first)
		return err
	})
	worst = max(worst, timed(t, "PATCH 10,000 other users (10,000 out, 10,000 in)", func() error {
		_, err := s.ReplaceRoleAssignees(bg, w, "role_a", second)
		return err
	}))
	timed(t, "PATCH the same 10,000 (no-op)", func() error {
		_, err := s.ReplaceRoleAssignees(bg, w, "role_a", second)
		return err
	})
	single := rbac.ModeSingle
	if _, err := s.UpdateTenant(bg, w.Actor, "acme", rbac.TenantPatch{AssignmentMode: &single}); err != nil {
		t.Fatal(err)
	}
	worst = max(worst, timed(t, "single mode: PATCH moves 10,000 users from role_a to role_b", func() error {
		_, err := s.ReplaceRoleAssignees(bg, w, "role_b", second)
		return err
	}))
	users, _, err := s.ListRoleAssignees(bg, "acme", "role_b", rbac.Page{Limit: 1000})
	if err != nil || len(users) != 1000 || users[0].ID != second[0] {
		t.Fatalf("role_b holders: %d, %v", len(users), err)
	}
	if worst > 5*time.Second {
		t.Fatalf("a 10,000-user PATCH took %s", worst)
	}
}

func BenchmarkReplaceRoleAssignees_10k(b *testing.B) {
	w := rbac.Write{TenantID: "acme", Actor: rbac.Actor{Operator: true}}
	s, ids := bigTenant(b, rbac.ModeMultiple, 2*bigList)
	sets := [][]string{ids[:bigList], ids[bigList:]}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Alternate between two disjoint sets: 10,000 out and 10,000 in each time.
		if _, err := s.ReplaceRoleAssignees(bg, w, "role_a", sets[i%2]); err != nil {
			b.Fatal(err)
		}
	}
}
