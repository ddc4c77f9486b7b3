package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// testHistory is the point-in-time property: random histories of writes of
// every kind under a fake clock (windows opening and closing among them),
// then, for random past instants, every evaluated answer built from the
// store's history at T equals the answer of an engine built from the
// snapshot the test took right after the last write before T.
func testHistory(t *testing.T, newStore Factory) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { historyProperty(t, newStore, seed) })
	}
}

type historyModel struct {
	f                     fixture
	rng                   *rand.Rand
	now                   time.Time
	roles, users, groups  []string
	orgs                  []string
	taken                 []taken // the snapshot after each write, and when
	nameSeq               int
	rolePool              []string // names roles are created under (reused: deleted roles come back)
	failures, acceptances int
}

type taken struct {
	at   time.Time
	snap rbac.Snapshot
}

func historyProperty(t *testing.T, newStore Factory, seed uint64) {
	f := setup(t, newStore)
	clocked, ok := f.s.(Clocked)
	if !ok {
		t.Skip("the store's clock cannot be moved")
	}
	m := &historyModel{f: f, rng: rand.New(rand.NewPCG(seed, 7)), now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		rolePool: []string{"alpha", "beta", "gamma", "delta"}}
	clocked.SetClock(func() time.Time { return m.now })
	t.Cleanup(func() { clocked.SetClock(func() time.Time { return time.Now().UTC() }) })
	m.record()
	for range 200 {
		m.now = m.now.Add(time.Duration(1+m.rng.IntN(90)) * time.Minute)
		if err := m.step(); err != nil {
			m.failures++ // an invalid random write (such as a duplicate) is refused whole
		} else {
			m.acceptances++
		}
		m.record()
	}
	require.Greater(t, m.acceptances, 100, "most random writes should land")
	end := m.now
	for range 40 {
		at := m.taken[0].at.Add(time.Duration(m.rng.Int64N(int64(end.Sub(m.taken[0].at)))))
		m.compareAt(t, at)
	}
	m.compareAt(t, m.taken[len(m.taken)/2].at) // exactly at a write

	// Pruning keeps the state at the cut-off and everything after it, and
	// refuses instants before it naming the earliest one kept.
	cut := m.taken[len(m.taken)/2].at.Add(time.Second)
	for {
		n, err := m.f.s.PruneHistory(ctx, m.f.tenant, cut, 7)
		require.NoError(t, err)
		if n == 0 {
			break
		}
	}
	_, err := m.f.s.RevisionAt(ctx, m.f.tenant, cut.Add(-time.Minute))
	require.True(t, rbac.IsCode(err, rbac.EInvalid), "an instant before the history kept: %v", err)
	require.ErrorContains(t, err, cut.Format(time.RFC3339))
	for range 15 {
		m.compareAt(t, cut.Add(time.Duration(m.rng.Int64N(int64(end.Sub(cut))))))
	}
	m.compareAt(t, cut)
}

// record keeps the state as the store has it now (the reference for any
// instant up to the next write).
func (m *historyModel) record() {
	snap, err := m.f.s.LoadSnapshot(ctx, m.f.tenant)
	require.NoError(m.f.t, err)
	m.taken = append(m.taken, taken{at: m.now, snap: snap})
}

func (m *historyModel) pick(ids []string) string {
	if len(ids) == 0 {
		return "missing"
	}
	return ids[m.rng.IntN(len(ids))]
}

func (m *historyModel) window() (nb, exp *time.Time) {
	if m.rng.IntN(3) == 0 {
		v := m.now.Add(time.Duration(m.rng.IntN(180)) * time.Minute)
		nb = &v
	}
	if m.rng.IntN(2) == 0 {
		v := m.now.Add(time.Duration(30+m.rng.IntN(300)) * time.Minute)
		exp = &v
	}
	if nb != nil && exp != nil && !exp.After(*nb) {
		exp = nil
	}
	return nb, exp
}

func (m *historyModel) perms() []string {
	all := []string{"docs:read", "docs:write", "billing:refund", "reports:*", "todo:update:own"}
	n := 1 + m.rng.IntN(3)
	m.rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all[:n]
}

func (m *historyModel) step() error {
	w, s := m.f.w(), m.f.s
	switch m.rng.IntN(16) {
	case 0, 1:
		name := m.rolePool[m.rng.IntN(len(m.rolePool))]
		var parents []string
		if len(m.roles) > 0 && m.rng.IntN(2) == 0 {
			parents = []string{m.pick(m.roles)}
		}
		r, _, err := s.CreateRole(ctx, w, rbac.RoleInput{Name: name, DisplayName: name, Permissions: m.perms(), InheritsFrom: parents, Assignable: true})
		if err == nil {
			m.roles = append(m.roles, r.ID)
		}
		return err
	case 2:
		p := m.perms()
		_, _, err := s.UpdateRole(ctx, w, m.pick(m.roles), rbac.RolePatch{Permissions: &p})
		return err
	case 3:
		id := m.pick(m.roles)
		_, err := s.DeleteRole(ctx, w, id)
		if err == nil {
			m.roles = slices.DeleteFunc(m.roles, func(r string) bool { return r == id })
		}
		return err
	case 4, 5:
		m.nameSeq++
		in := rbac.UserInput{Email: fmt.Sprintf("u%d@acme.test", m.nameSeq)}
		if len(m.roles) > 0 {
			in.Roles = []string{m.pick(m.roles)}
		}
		u, _, err := s.CreateUser(ctx, w, in)
		if err == nil {
			m.users = append(m.users, u.ID)
		}
		return err
	case 6, 7:
		nb, exp := m.window()
		in := rbac.AssignmentInput{RoleID: m.pick(m.roles), NotBefore: nb, ExpiresAt: exp}
		if len(m.orgs) > 0 && m.rng.IntN(3) == 0 {
			in.OrganizationID = m.pick(m.orgs)
		}
		_, _, _, err := s.Assign(ctx, w, m.pick(m.users), in)
		return err
	case 8:
		_, err := s.Unassign(ctx, w, m.pick(m.users), m.pick(m.roles), "")
		return err
	case 9:
		status := []string{"active", "disabled"}[m.rng.IntN(2)]
		_, _, err := s.UpdateUser(ctx, w, m.pick(m.users), rbac.UserPatch{Status: &status})
		return err
	case 10:
		id := m.pick(m.users)
		_, err := s.DeleteUser(ctx, w, id)
		if err == nil {
			m.users = slices.DeleteFunc(m.users, func(u string) bool { return u == id })
		}
		return err
	case 11:
		m.nameSeq++
		g, _, err := s.CreateGroup(ctx, w, rbac.GroupInput{Name: fmt.Sprintf("g%d", m.nameSeq)})
		if err == nil {
			m.groups = append(m.groups, g.ID)
		}
		return err
	case 12:
		if m.rng.IntN(4) == 0 {
			_, err := s.ReplaceGroupMembers(ctx, w, m.pick(m.groups), []string{m.pick(m.users), m.pick(m.users)})
			return err
		}
		if m.rng.IntN(2) == 0 {
			_, err := s.AddGroupMembers(ctx, w, m.pick(m.groups), []string{m.pick(m.users)})
			return err
		}
		_, err := s.RemoveGroupMembers(ctx, w, m.pick(m.groups), []string{m.pick(m.users)})
		return err
	case 13:
		if m.rng.IntN(3) > 0 {
			nb, exp := m.window()
			_, _, _, err := s.AssignGroup(ctx, w, m.pick(m.groups), rbac.AssignmentInput{RoleID: m.pick(m.roles), NotBefore: nb, ExpiresAt: exp})
			return err
		}
		_, err := s.UnassignGroup(ctx, w, m.pick(m.groups), m.pick(m.roles), "")
		return err
	case 14:
		m.nameSeq++
		o, _, err := s.CreateOrganization(ctx, w, rbac.OrganizationInput{Name: fmt.Sprintf("o%d", m.nameSeq)})
		if err == nil {
			m.orgs = append(m.orgs, o.ID)
		}
		return err
	default:
		if m.rng.IntN(2) == 0 {
			id := m.pick(m.orgs)
			_, err := s.DeleteOrganization(ctx, w, id)
			if err == nil {
				m.orgs = slices.DeleteFunc(m.orgs, func(o string) bool { return o == id })
			}
			return err
		}
		id := m.pick(m.groups)
		_, err := s.DeleteGroup(ctx, w, id)
		if err == nil {
			m.groups = slices.DeleteFunc(m.groups, func(g string) bool { return g == id })
		}
		return err
	}
}

// compareAt checks every user's answers at the instant against the
// reference: the snapshot taken after the last write at or before it.
func (m *historyModel) compareAt(t *testing.T, at time.Time) {
	t.Helper()
	i, _ := slices.BinarySearchFunc(m.taken, at, func(tk taken, at time.Time) int {
		if tk.at.After(at) {
			return 1
		}
		return -1
	})
	ref := m.taken[i-1]
	want := eval.New(ref.snap)
	rev, err := m.f.s.RevisionAt(ctx, m.f.tenant, at)
	require.NoError(t, err)
	require.Equal(t, ref.snap.Revision, rev, "the revision in force at %s", at)
	whole, err := m.f.s.SnapshotAt(ctx, m.f.tenant, rev)
	require.NoError(t, err)
	got := eval.New(whole)
	orgs := []string{""}
	for _, o := range m.orgs {
		orgs = append(orgs, o)
	}
	for _, u := range ref.snap.Users {
		one, err := m.f.s.UserSnapshotAt(ctx, m.f.tenant, u.ID, rev)
		require.NoError(t, err, "user %s at %s", u.ID, at)
		gotOne := eval.New(one)
		for _, org := range orgs {
			wantPerms := want.Permissions(u.ID, org, at)
			require.Equal(t, wantPerms, gotOne.Permissions(u.ID, org, at), "permissions of %s in %q at %s (one user)", u.ID, org, at)
			require.Equal(t, wantPerms, got.Permissions(u.ID, org, at), "permissions of %s in %q at %s (whole tenant)", u.ID, org, at)
			require.Equal(t, want.EvaluatedRoles(u.ID, org, org == "", at), gotOne.EvaluatedRoles(u.ID, org, org == "", at),
				"evaluated roles of %s in %q at %s", u.ID, org, at)
		}
	}
	require.Equal(t, len(ref.snap.Users), len(whole.Users), "users at %s", at)
	for _, r := range ref.snap.Roles {
		wantIDs, _ := want.HoldersOfRole(r.ID, "", "", 10000, at)
		gotIDs, _ := got.HoldersOfRole(r.ID, "", "", 10000, at)
		require.Equal(t, wantIDs, gotIDs, "holders of %s at %s", r.ID, at)
	}
}
