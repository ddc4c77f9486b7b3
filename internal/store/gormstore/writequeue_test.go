package gormstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
)

// TestWriteQueue_sqlite: plain writes, InTransaction units (several writes
// each, as a SCIM PATCH makes), keyed writes (RunIdempotent) and an
// InTransaction inside a keyed write all race on one SQLite file, with
// readers beside them: none deadlocks on the writers' queue, every write
// commits, and the revision counts every one.
func TestWriteQueue_sqlite(t *testing.T) {
	ctx := context.Background()
	s, err := gormstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "roster.db"))
	require.NoError(t, err)
	require.NoError(t, s.Migrate(ctx))
	defer s.Close()
	op := rbac.Actor{Operator: true}
	_, err = s.CreateTenant(ctx, op, rbac.TenantInput{ID: "queue", Name: "Q"})
	require.NoError(t, err)
	w := rbac.Write{TenantID: "queue", Actor: op}
	before, err := s.GetTenant(ctx, "queue")
	require.NoError(t, err)

	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*4)
	done := make(chan struct{})
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				n := fmt.Sprintf("%d-%d", i, j)
				switch j % 4 {
				case 0:
					_, _, err := s.CreateGroup(ctx, w, rbac.GroupInput{Name: "plain " + n})
					errs <- err
				case 1:
					errs <- s.InTransaction(ctx, "queue", func(ctx context.Context) error {
						g, _, err := s.CreateGroup(ctx, w, rbac.GroupInput{Name: "unit " + n})
						if err != nil {
							return err
						}
						_, _, err = s.UpdateGroup(ctx, w, g.ID, rbac.GroupPatch{ExternalID: ptr("ext " + n)})
						return err
					})
				case 2, 3:
					req := rbac.IdempotentRequest{Scope: "queue", Caller: "operator", Key: "k" + n, Hash: "h"}
					_, _, err := s.RunIdempotent(ctx, req, time.Now(), func(ctx context.Context) (rbac.IdempotentResponse, error) {
						err := s.InTransaction(ctx, "queue", func(ctx context.Context) error {
							_, _, err := s.CreateGroup(ctx, w, rbac.GroupInput{Name: "keyed " + n})
							return err
						})
						return rbac.IdempotentResponse{Status: 201, Header: map[string]string{}, Body: []byte("{}")}, err
					})
					errs <- err
				}
			}
		}()
	}
	var readers sync.WaitGroup
	readers.Add(1)
	go func() { // a reader beside the writers
		defer readers.Done()
		for {
			select {
			case <-done:
				return
			default:
				if _, _, err := s.ListGroups(ctx, "queue", rbac.GroupFilter{}); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(60 * time.Second):
		t.Fatal("writers deadlocked")
	}
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	after, err := s.GetTenant(ctx, "queue")
	require.NoError(t, err)
	// Every write took a revision of its own: a unit's two writes, two.
	perWorker := 0
	for j := 0; j < each; j++ {
		switch j % 4 {
		case 0, 2, 3:
			perWorker++
		case 1:
			perWorker += 2
		}
	}
	require.Equal(t, before.Revision+int64(workers*perWorker), after.Revision)
}

func ptr[T any](v T) *T { return &v }
