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
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	c := p.tokenCaller()
	if err := c.ManagesToken(id, ""); err != nil {
		return nil, err
	}
	if c.ManagesToken(id, "another") != nil {
		// A scoped token without tokens:write sees only itself.
		for after := ""; ; {
			items, next, err := s.Store.ListTokens(ctx, req.TenantId, id, rbac.Page{Limit: 1000, After: after})
			if err != nil {
				return nil, err
			}
			for _, tok := range items {
				if tok.ID == p.Token.ID {
					return gen.ListUserTokens200JSONResponse{Body: gen.TokenList{Items: []gen.Token{tokenOut(tok)}}}, nil
				}
			}
			if next == "" {
				return gen.ListUserTokens200JSONResponse{Body: gen.TokenList{Items: []gen.Token{}}}, nil
			}
			after = next
		}
	}
	items, next, err := s.Store.ListTokens(ctx, req.TenantId, id, pg)
	if err != nil {
		return nil, err
	}
	out := gen.TokenList{Items: make([]gen.Token, len(items)), NextCursor: encodeCursor(next)}
	for i, t := range items {
		out.Items[i] = tokenOut(t)
	}
	return gen.ListUserTokens200JSONResponse{Body: out}, nil
}

func (s *Server) CreateUserToken(ctx context.Context, req gen.CreateUserTokenRequestObject) (gen.CreateUserTokenResponseObject, error) {
	id, err := userID(ctx, req.UserId)
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
