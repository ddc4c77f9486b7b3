package gormstore

import (
	"context"
	"slices"

	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Store) GetUsers(ctx context.Context, tenantID string, ids []string) ([]rbac.User, error) {
	if len(ids) == 0 {
		return []rbac.User{}, nil
	}
	db := s.db.WithContext(ctx)
	byID := make(map[string]rbac.User, len(ids))
	// Chunks keep each IN list far below PostgreSQL's 65,535 parameters.
	for chunk := range slices.Chunk(ids, idChunk) {
		var rows []userRow
		if err := db.Where("tenant_id = ? AND id IN ?", tenantID, chunk).Find(&rows).Error; err != nil {
			return nil, translate(err, "")
		}
		users, err := s.hydrateUsers(db, tenantID, rows)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			byID[u.ID] = u
		}
	}
	out := make([]rbac.User, 0, len(ids))
	for _, id := range ids {
		if u, ok := byID[id]; ok {
			out = append(out, u)
		}
	}
	return out, nil
}
