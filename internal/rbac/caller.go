package rbac

import (
	"fmt"
	"time"
)

// Caller is what the grant policy (docs/security.md, "The grant policy") knows of
// whoever makes a write: captured from evaluation before the write's
// transaction, so that the store can apply the policy inside it — where the
// roles and users it judges cannot change underneath — without waiting on
// anything. A nil *Caller is Roster itself (migrations, bootstrap, tests of
// the store): every rule holds.
type Caller struct {
	// Unrestricted lifts the no-escalation, stronger-user and time-limit
	// rules: the operator, or a holder of roles:escalate.
	Unrestricted bool
	// Holdings are the permission patterns the caller's user holds globally
	// now, each with the end of the grant it holds it through (the latest,
	// when several grant it).
	Holdings []Holding
	// Scopes narrow a scoped token: it holds only what they grant too. Nil
	// for an unscoped token.
	Scopes []string
	// Err, when set, is what every rule answers: the caller's permissions
	// could not be read, and nothing may be decided without them.
	Err error

	// The caller's own token, for the token rules (CanMint, ManagesToken).
	Operator     bool       // the platform operator: every token rule holds
	UserID       string     // the token's user
	TokenID      string     // the token itself
	TokenExpires *time.Time // its end (nil: none)
}

// Holding is one permission pattern held, until Until (nil: no end).
type Holding struct {
	Pattern string
	Until   *time.Time
}

// PermEscalate lifts the no-escalation rule for its holder.
const PermEscalate = "roles:escalate"

// Holds reports whether the caller holds permission (or pattern) q, and
// until when (nil: no end).
func (c *Caller) Holds(q string) (ok bool, until *time.Time) {
	if c == nil || c.Unrestricted {
		return true, nil
	}
	if c.Scopes != nil && !AnyGrants(c.Scopes, q) {
		return false, nil
	}
	for _, h := range c.Holdings {
		if !Grants(h.Pattern, q) {
			continue
		}
		if h.Until == nil {
			return true, nil
		}
		if !ok || h.Until.After(*until) {
			ok, until = true, h.Until
		}
	}
	return ok, until
}

// Require answers EForbidden unless the caller holds every permission in
// perms; what says what needed them ("granting role_x").
func (c *Caller) Require(perms []string, what string) error {
	if c != nil && c.Err != nil {
		return c.Err
	}
	for _, q := range perms {
		if ok, _ := c.Holds(q); !ok {
			return Errorf(EForbidden, "%s needs %s, which the caller does not hold", what, q)
		}
	}
	return nil
}

// GrantEnd is the latest a grant of perms made by the caller may last: the
// end of the caller's own holding of them (nil: no end). A one-hour holder
// cannot make a permanent grant.
func (c *Caller) GrantEnd(perms []string) *time.Time {
	var end *time.Time
	for _, q := range perms {
		if _, until := c.Holds(q); until != nil && (end == nil || until.Before(*end)) {
			end = until
		}
	}
	return end
}

// LimitGrant applies the time limit to a grant's requested end: none
// requested ends with the caller's holding; a later one is EForbidden
// naming field.
func (c *Caller) LimitGrant(perms []string, requested *time.Time, field string) (*time.Time, error) {
	end := c.GrantEnd(perms)
	switch {
	case end == nil:
		return requested, nil
	case requested == nil:
		return end, nil
	case requested.After(*end):
		return nil, &Error{Code: EForbidden, Message: fmt.Sprintf(
			"%s: the grant may not outlive the caller's own holding of its permissions, which ends at %s",
			field, end.UTC().Format(time.RFC3339))}
	}
	return requested, nil
}

// The grant policy's rules on the caller's side, one per kind of act. The
// store reads what each act involves (the effective permissions of the
// roles granted, defined or held) inside the write's transaction and asks
// these; the token rules are in tokenpolicy.go.

// CanGrant decides a grant of roles whose effective permissions are perms
// (what names them): the caller must hold every one (no escalation), and
// the grant may not outlive its holding of them (LimitGrant). It returns
// the end the grant gets.
func (c *Caller) CanGrant(perms []string, requested *time.Time, field, what string) (*time.Time, error) {
	if err := c.Require(perms, "granting "+what); err != nil {
		return nil, err
	}
	return c.LimitGrant(perms, requested, field)
}

// CanDefine decides creating or changing a role whose effective
// permissions, before and after, are perms: the caller must hold them all.
func (c *Caller) CanDefine(perms []string, role string) error {
	return c.Require(perms, role)
}

// CanChangeUser decides a change to a user holding perms (its status,
// identity, tokens, or roles taken away): the caller must hold them all,
// so that nobody acts on a stronger user.
func (c *Caller) CanChangeUser(perms []string, what string) error {
	return c.Require(perms, what)
}
