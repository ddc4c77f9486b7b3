package gormstore

import (
	"context"
	"slices"
)

// TenantRevisions reads the revisions of the tenants in ids that exist, in
// one query per 1,000 ids: replicas poll it to learn of each other's writes
// (live.Engines.Poll).
func (s *Store) TenantRevisions(ctx context.Context, ids []string) (map[string]int64, error) {
	out := make(map[string]int64, len(ids))
	for chunk := range slices.Chunk(ids, idChunk) {
		var rows []tenantRow
		if err := s.db.WithContext(ctx).Select("id, revision").Where("id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, translate(err, "")
		}
		for _, r := range rows {
			out[r.ID] = r.Revision
		}
	}
	return out, nil
}
