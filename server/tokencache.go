package server

import (
	"context"
	"encoding/hex"
	"sync"
	"time"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// tokenTTL bounds how long a cached token is trusted without the database.
// Revocations and disabled users evict entries at once, on the replica that
// handled them, through the change feed; the TTL covers what the feed cannot
// see — a revocation on another replica (openapi.yaml, Tokens: "within 1 s on every other
// replica"), a race between a cache fill and a revocation, a replaced
// bootstrap token. One lookup per token per second keeps the hot path cheap.
const tokenTTL = time.Second

// tokenCache keeps recently seen tokens by secret hash, so that the hot
// path (POST /check) authenticates without a query.
type tokenCache struct{ m sync.Map } // [32]byte SHA-256 of the secret → *cachedToken

type cachedToken struct {
	mu    sync.Mutex
	tok   rbac.Token
	until time.Time
}

func (c *tokenCache) get(hash [32]byte, now time.Time) (rbac.Token, bool) {
	v, ok := c.m.Load(hash)
	if !ok {
		return rbac.Token{}, false
	}
	e := v.(*cachedToken)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !now.Before(e.until) {
		c.m.Delete(hash)
		return rbac.Token{}, false
	}
	return e.tok, true
}

func (c *tokenCache) put(hash [32]byte, tok rbac.Token, now time.Time) {
	c.m.Store(hash, &cachedToken{tok: tok, until: now.Add(tokenTTL)})
}

// touched records a new last_used_at so the next request does not write it again.
func (c *tokenCache) touched(tokenID string, at time.Time) {
	c.m.Range(func(_, v any) bool {
		e := v.(*cachedToken)
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.tok.ID == tokenID {
			e.tok.LastUsedAt = &at
			return false
		}
		return true
	})
}

// forget drops what a change may have made stale: a revoked token, or every
// token of a user that was changed (disabled) or deleted.
func (c *tokenCache) forget(tenantID string, ch rbac.Change) {
	if ch.Target != rbac.TargetToken && ch.Target != rbac.TargetUser {
		return
	}
	c.m.Range(func(k, v any) bool {
		e := v.(*cachedToken)
		e.mu.Lock()
		stale := e.tok.TenantID == tenantID &&
			((ch.Target == rbac.TargetToken && e.tok.ID == ch.TargetID) || (ch.Target == rbac.TargetUser && e.tok.UserID == ch.TargetID))
		e.mu.Unlock()
		if stale {
			c.m.Delete(k)
		}
		return true
	})
}

// errBadToken is the answer to a token that is unknown, expired or
// revoked; made once (errors are never changed once made), not on every
// request.
var errBadToken = rbac.Errorf(rbac.EUnauthorized, "the bearer token is not valid")

// authenticate resolves a secret to its token and, for a tenant token, the
// tenant's engine as it stood when the token was trusted: from the cache
// once the engine has caught up (applying, and so evicting, any revocation
// this replica knows of), else from the database.
func (a *authenticator) authenticate(ctx context.Context, secret string, now time.Time) (rbac.Token, *eval.Tenant, error) {
	denied := errBadToken
	hash := auth.Digest(secret) // the store's key is its hex form, made only on a miss
	if tok, ok := a.tokens.get(hash, now); ok {
		var t *eval.Tenant
		if !tok.Operator() {
			var err error
			if t, err = a.engines.Get(ctx, tok.TenantID, 0); err != nil {
				if rbac.ErrorCode(err) == rbac.EInternal {
					return rbac.Token{}, nil, err
				}
				a.tokens.m.Delete(hash) // the tenant is gone
				return rbac.Token{}, nil, denied
			}
			tok, ok = a.tokens.get(hash, now)
		}
		if ok {
			if tok.ExpiresAt != nil && !now.Before(*tok.ExpiresAt) {
				return rbac.Token{}, nil, denied
			}
			return tok, t, nil
		}
	}
	tok, err := a.store.Authenticate(ctx, hex.EncodeToString(hash[:]), now)
	if err != nil {
		if rbac.ErrorCode(err) != rbac.EInternal {
			return rbac.Token{}, nil, denied
		}
		return rbac.Token{}, nil, err
	}
	var t *eval.Tenant
	if !tok.Operator() {
		// Load the engine before caching, so that every later change to this
		// token or its user reaches the cache through the feed.
		if t, err = a.engines.Get(ctx, tok.TenantID, 0); err != nil {
			return rbac.Token{}, nil, err
		}
		if !t.HasUser(tok.UserID) {
			// The database knows a user this replica's engine does not yet
			// (made through another replica since the last poll): catch up
			// now rather than answer 403 until the next poll.
			if t, err = a.engines.Sync(ctx, tok.TenantID); err != nil {
				return rbac.Token{}, nil, err
			}
		}
		before := t.Revision()
		defer func() {
			if t.Revision() != before { // something landed meanwhile: trust nothing cached
				a.tokens.m.Delete(hash)
			}
		}()
	}
	a.tokens.put(hash, tok, now)
	return tok, t, nil
}

// forgetTenant drops every cached token of the tenant: its engine was
// rebuilt from a snapshot, so changes may have passed that no forget saw.
func (c *tokenCache) forgetTenant(tenantID string) {
	c.m.Range(func(k, v any) bool {
		e := v.(*cachedToken)
		e.mu.Lock()
		stale := e.tok.TenantID == tenantID
		e.mu.Unlock()
		if stale {
			c.m.Delete(k)
		}
		return true
	})
}
