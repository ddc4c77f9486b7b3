package server

import (
	"context"
	"time"

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
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := managesOnlyItself(p, id, ""); err != nil {
		return nil, err
	}
	if managesOnlyItself(p, id, "another") != nil {
		// A scoped token without tokens:write sees only itself.
		for after := ""; ; {
			items, next, err := s.Store.ListTokens(ctx, req.TenantId, id, rbac.Page{Limit: 1000, After: after})
			if err != nil {
				return nil, err
			}
			for _, tok := range items {
				if tok.ID == p.Token.ID {
					return gen.ListUserTokens200JSONResponse{Items: []gen.Token{tokenOut(tok)}}, nil
				}
			}
			if next == "" {
				return gen.ListUserTokens200JSONResponse{Items: []gen.Token{}}, nil
			}
			after = next
		}
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
	now := s.now()
	if b.ExpiresAt != nil && !b.ExpiresAt.After(now) {
		return nil, rbac.Invalid("expires_at", "must be in the future")
	}
	expires, err := checkMint(ctx, p, id, scopes, b.ExpiresAt)
	if err != nil {
		return nil, err
	}
	// The secret is made here and shown once; the store keeps its hash.
	secret, hash := auth.NewSecret()
	t, rev, err := s.Store.CreateToken(ctx, write(ctx, req.TenantId, nil), rbac.TokenInput{
		UserID:    id,
		Name:      b.Name,
		Scopes:    scopes,
		ExpiresAt: expires,
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

// checkMint applies the rules that depend on the caller's own token (the
// store applies the rest: scopes held, explicit scopes and the
// stronger-user rule for another user's token): a scoped token manages only
// itself unless its scopes include tokens:write, cannot mint an unscoped
// token, and a token minted with a token ends no later than it. It returns
// the end the new token gets.
func checkMint(ctx context.Context, p *principal, userID string, scopes []string, expires *time.Time) (*time.Time, error) {
	if p.Token.Operator() {
		return expires, nil
	}
	unrestricted, err := p.Grants(ctx, rbac.PermEscalate)
	if err != nil {
		return nil, err
	}
	if err := managesOnlyItself(p, userID, ""); err != nil {
		return nil, err
	}
	if scopes == nil && p.Token.Scopes != nil {
		return nil, rbac.Errorf(rbac.EForbidden, "a scoped token cannot create an unscoped token")
	}
	for _, q := range scopes {
		ok, err := p.Grants(ctx, q)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, rbac.Errorf(rbac.EForbidden, "the token would reach beyond the caller's permissions (%s)", q)
		}
	}
	if scopes == nil && userID != p.Token.UserID && !unrestricted {
		// An unscoped token would grow with every role its user gets later.
		return nil, rbac.Invalid("scopes", "a token for another user needs explicit scopes")
	}
	if end := p.Token.ExpiresAt; end != nil {
		if expires == nil {
			return end, nil
		}
		if expires.After(*end) {
			return nil, rbac.Errorf(rbac.EForbidden, "expires_at: a token minted with a token ends no later than it (%s)",
				end.UTC().Format(time.RFC3339))
		}
	}
	return expires, nil
}

// managesOnlyItself answers 403 when a scoped token without tokens:write
// reaches for another token than itself (tokenID "" for a new one: then
// only one for its own user).
func managesOnlyItself(p *principal, userID, tokenID string) error {
	if p.Token.Operator() || p.Token.Scopes == nil || rbac.AnyGrants(p.Token.Scopes, permTokensWrite) {
		return nil
	}
	if userID != p.Token.UserID || (tokenID != "" && tokenID != p.Token.ID) {
		return rbac.Errorf(rbac.EForbidden, "a scoped token manages only itself unless its scopes include %s", permTokensWrite)
	}
	return nil
}

// permTokensWrite lets a caller manage other users' tokens, and a scoped
// token other tokens than itself.
const permTokensWrite = "tokens:write"

func (s *Server) RevokeUserToken(ctx context.Context, req gen.RevokeUserTokenRequestObject) (gen.RevokeUserTokenResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := managesOnlyItself(p, id, req.TokenId); err != nil {
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
