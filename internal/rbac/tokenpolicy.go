package rbac

import "time"

// The token rules of the grant policy (docs/security.md, "Tokens"): what a
// caller may do with tokens given the token it calls with. The store
// applies them inside the write, after input validation (TokenInput.Validate)
// and before the stronger-user rule.

// PermTokensWrite lets a caller manage other users' tokens, and a scoped
// token other tokens than itself.
const PermTokensWrite = "tokens:write"

// ManagesToken answers EForbidden when a scoped token without tokens:write
// reaches for another token than itself (tokenID "" for a new one, or for
// listing: then only its own user's).
func (c *Caller) ManagesToken(userID, tokenID string) error {
	if c == nil || c.Operator || c.Scopes == nil || AnyGrants(c.Scopes, PermTokensWrite) {
		return nil
	}
	if userID != c.UserID || (tokenID != "" && tokenID != c.TokenID) {
		return Errorf(EForbidden, "a scoped token manages only itself unless its scopes include %s", PermTokensWrite)
	}
	return nil
}

// CanMint applies the rules a new token must keep given the minting token:
// a scoped token manages only itself (ManagesToken) and cannot mint an
// unscoped one; every scope must be held by the caller itself (roles:escalate
// does not lift this); a token for another user needs explicit scopes (400,
// unless the caller is unrestricted); and a token minted with a token ends
// no later than it. It returns the end the new token gets.
func (c *Caller) CanMint(in TokenInput) (*time.Time, error) {
	if c == nil || c.Operator {
		return in.ExpiresAt, nil
	}
	if c.Err != nil {
		return nil, c.Err
	}
	if err := c.ManagesToken(in.UserID, ""); err != nil {
		return nil, err
	}
	if in.Scopes == nil && c.Scopes != nil {
		return nil, Errorf(EForbidden, "a scoped token cannot create an unscoped token")
	}
	for _, q := range in.Scopes {
		if !c.holdsItself(q) {
			return nil, Errorf(EForbidden, "the token would reach beyond the caller's permissions (%s)", q)
		}
	}
	if in.Scopes == nil && in.UserID != c.UserID && !c.Unrestricted {
		// An unscoped token would grow with every role its user gets later.
		return nil, Invalid("scopes", "a token for another user needs explicit scopes")
	}
	if end := c.TokenExpires; end != nil {
		if in.ExpiresAt == nil {
			return end, nil
		}
		if in.ExpiresAt.After(*end) {
			return nil, Errorf(EForbidden, "expires_at: a token minted with a token ends no later than it (%s)",
				end.UTC().Format(time.RFC3339))
		}
	}
	return in.ExpiresAt, nil
}

// holdsItself is Holds without Unrestricted: what the caller's own user
// and token grant.
func (c *Caller) holdsItself(q string) bool {
	free := *c
	free.Unrestricted = false
	ok, _ := free.Holds(q)
	return ok
}
