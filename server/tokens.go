package server

import (
	"context"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Server) ListUserTokens(ctx context.Context, req gen.ListUserTokensRequestObject) (gen.ListUserTokensResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	items, next, err := s.Store.ListTokens(ctx, req.TenantId, id, pg)
	if err != nil {
		return nil, err
	}
	out := gen.ListUserTokens200JSONResponse{Items: make([]gen.Token, len(items)), NextCursor: encodeCursor(next)}
	for i, t := range items {
		out.Items[i] = tokenOut(t)
	}
	return out, nil
}

func (s *Server) CreateUserToken(ctx context.Context, req gen.CreateUserTokenRequestObject) (gen.CreateUserTokenResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	var scopes []string
	if b.Scopes != nil {
		scopes = *b.Scopes
		if scopes == nil {
			scopes = []string{} // sent as []: a token that may do nothing
		}
	}
	if err := s.checkMint(ctx, p, req.TenantId, id, scopes); err != nil {
		return nil, err
	}
	now := s.now()
	if b.ExpiresAt != nil && !b.ExpiresAt.After(now) {
		return nil, rbac.Invalid("expires_at", "must be in the future")
	}
	// The secret is made here and shown once; the store keeps its hash.
	secret, hash := auth.NewSecret()
	t, rev, err := s.Store.CreateToken(ctx, write(ctx, req.TenantId, nil), rbac.TokenInput{
		UserID:    id,
		Name:      b.Name,
		Scopes:    scopes,
		ExpiresAt: b.ExpiresAt,
		Hash:      hash,
	})
	if err != nil {
		return nil, err
	}
	out := tokenOut(t)
	return gen.CreateUserToken201JSONResponse{
		Body: gen.TokenCreated{
			Id:         out.Id,
			Name:       out.Name,
			UserId:     out.UserId,
			Scopes:     out.Scopes,
			ExpiresAt:  out.ExpiresAt,
			LastUsedAt: out.LastUsedAt,
			CreatedAt:  out.CreatedAt,
			Token:      secret,
		},
		Headers: gen.CreateUserToken201ResponseHeaders{RosterRevision: rev},
	}, nil
}

// checkMint enforces that a token never reaches beyond its creator: every
// requested scope must be granted by the caller's own (possibly scoped)
// permissions; a scoped caller cannot mint an unscoped token; and an
// unscoped token for another user may only carry permissions the caller
// holds itself. The operator is unrestricted.
func (s *Server) checkMint(ctx context.Context, p *principal, tenantID, userID string, scopes []string) error {
	if p.Token.Operator() {
		return nil
	}
	want := scopes
	if scopes == nil {
		if p.Token.Scopes != nil {
			return rbac.Errorf(rbac.EForbidden, "a scoped token cannot create an unscoped token")
		}
		if userID == p.Token.UserID {
			return nil // acting as itself, unscoped, adds nothing
		}
		perms, err := s.Store.UserPermissions(ctx, tenantID, userID, p.now)
		if err != nil {
			return err
		}
		want = perms
	}
	for _, q := range want {
		ok, err := p.Grants(ctx, q)
		if err != nil {
			return err
		}
		if !ok {
			return rbac.Errorf(rbac.EForbidden, "the token would reach beyond the caller's permissions (%s)", q)
		}
	}
	return nil
}

func (s *Server) RevokeUserToken(ctx context.Context, req gen.RevokeUserTokenRequestObject) (gen.RevokeUserTokenResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	rev, err := s.Store.RevokeToken(ctx, write(ctx, req.TenantId, nil), id, req.TokenId)
	if err != nil {
		return nil, err
	}
	return gen.RevokeUserToken204Response{Headers: gen.RevokeUserToken204ResponseHeaders{RosterRevision: rev}}, nil
}

func tokenOut(t rbac.Token) gen.Token {
	out := gen.Token{
		Id:         t.ID,
		Name:       t.Name,
		UserId:     t.UserID,
		ExpiresAt:  utcPtr(t.ExpiresAt),
		LastUsedAt: utcPtr(t.LastUsedAt),
		CreatedAt:  utc(t.CreatedAt),
	}
	if t.Scopes != nil {
		sc := append([]string{}, t.Scopes...)
		out.Scopes = &sc
	}
	return out
}
