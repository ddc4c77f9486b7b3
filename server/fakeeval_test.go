package server

import (
	"context"
	"sort"

	"github.com/rosterhq/roster/internal/rbac"
)

// The fake store feeds the evaluation engine too: each fake user holds one
// role carrying exactly the permissions the test gave it. Nothing changes
// after the snapshot, so the change feed is empty.

func (f *fakeStore) LoadSnapshot(_ context.Context, tenantID string) (rbac.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.tenants[tenantID] {
		return rbac.Snapshot{}, rbac.NotFound("tenant")
	}
	snap := rbac.Snapshot{Revision: 1}
	keys := make([]string, 0, len(f.users))
	for k := range f.users {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		u := f.users[k]
		if u.TenantID != tenantID {
			continue
		}
		role := "role_fake_" + u.ID
		snap.Roles = append(snap.Roles, rbac.SnapshotRole{ID: role, Permissions: f.perms[u.ID]})
		snap.Users = append(snap.Users, rbac.SnapshotUser{ID: u.ID, Active: u.Status != rbac.StatusDisabled,
			Grants: []rbac.Grant{{RoleID: role}}})
	}
	return snap, nil
}

func (f *fakeStore) TenantRevision(_ context.Context, tenantID string) (int64, error) {
	if !f.tenants[tenantID] {
		return 0, rbac.NotFound("tenant")
	}
	return 1, nil
}

func (f *fakeStore) Changes(context.Context, string, int64, int) ([]rbac.Change, error) {
	return nil, nil
}

func (f *fakeStore) LoadDelta(_ context.Context, tenantID string, since int64, _ int) (rbac.Delta, bool, error) {
	if !f.tenants[tenantID] {
		return rbac.Delta{}, false, rbac.NotFound("tenant")
	}
	return rbac.Delta{From: since, To: max(since, 1)}, true, nil
}
