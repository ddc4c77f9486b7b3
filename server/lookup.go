package server

import (
	"context"
	"strings"
	"sync"

	"github.com/rosterhq/roster/internal/rbac"
)

// nameCache looks up role and organization names once per request: an
// evaluated-roles answer names each role, however many scopes hold it.
type nameCache struct {
	store  rbac.Store
	tenant string
	roles  map[string]rbac.Role
	orgs   map[string]string
}

func newNameCache(store rbac.Store, tenantID string) *nameCache {
	return &nameCache{store: store, tenant: tenantID, roles: map[string]rbac.Role{}, orgs: map[string]string{}}
}

func (n *nameCache) role(ctx context.Context, id string) (rbac.Role, error) {
	if r, ok := n.roles[id]; ok {
		return r, nil
	}
	r, err := n.store.GetRole(ctx, n.tenant, id)
	if rbac.IsCode(err, rbac.ENotFound) {
		// Deleted after the engine's revision: name it by its id.
		r, err = rbac.Role{ID: id, Name: id, DisplayName: id}, nil
	}
	if err != nil {
		return rbac.Role{}, err
	}
	n.roles[id] = r
	return r, nil
}

func (n *nameCache) org(ctx context.Context, id string) (string, error) {
	if name, ok := n.orgs[id]; ok {
		return name, nil
	}
	o, err := n.store.GetOrganization(ctx, n.tenant, id)
	if rbac.IsCode(err, rbac.ENotFound) {
		o, err = rbac.Organization{ID: id}, nil
	}
	if err != nil {
		return "", err
	}
	n.orgs[id] = o.Name
	return o.Name, nil
}

// orgSet remembers organizations known to exist, so that a check scoped to an
// organization costs no query once it has been seen. Deletions reach it
// through the change feed (Server.forget).
type orgSet struct{ m sync.Map }

func orgKey(tenantID, orgID string) string { return tenantID + "\x00" + orgID }

func (s *Server) orgExists(ctx context.Context, tenantID, orgID string) error {
	if _, ok := s.orgs.m.Load(orgKey(tenantID, orgID)); ok {
		return nil
	}
	if _, err := s.Store.GetOrganization(ctx, tenantID, orgID); err != nil {
		return err
	}
	s.orgs.m.Store(orgKey(tenantID, orgID), true)
	return nil
}

// forgetTenant drops the tenant's known organizations (see tokenCache.forgetTenant).
func (o *orgSet) forgetTenant(tenantID string) {
	prefix := orgKey(tenantID, "")
	o.m.Range(func(k, _ any) bool {
		if strings.HasPrefix(k.(string), prefix) {
			o.m.Delete(k)
		}
		return true
	})
}
