package gormstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// Rows mirror the tables of internal/migrations. Times are microseconds since
// the epoch (see the migrations package comment).

type tenantRow struct {
	ID             string `gorm:"primaryKey"`
	Name           string
	AssignmentMode string
	Revision       int64
	CreatedAt      int64 `gorm:"autoCreateTime:false"`
	UpdatedAt      int64 `gorm:"autoUpdateTime:false"`
}

func (tenantRow) TableName() string { return "tenants" }

type roleRow struct {
	TenantID    string `gorm:"primaryKey"`
	ID          string `gorm:"primaryKey"`
	Name        string
	NameKey     string
	DisplayName string
	Description string
	System      bool
	Permissions string
	Assignable  bool
	IsDefault   bool
	Metadata    *string
	Version     int64
	CreatedAt   int64 `gorm:"autoCreateTime:false"`
	UpdatedAt   int64 `gorm:"autoUpdateTime:false"`
}

func (roleRow) TableName() string { return "roles" }

type roleParentRow struct {
	TenantID string `gorm:"primaryKey"`
	RoleID   string `gorm:"primaryKey"`
	ParentID string `gorm:"primaryKey"`
}

func (roleParentRow) TableName() string { return "role_parents" }

type userRow struct {
	TenantID       string `gorm:"primaryKey"`
	ID             string `gorm:"primaryKey"`
	Email          string
	EmailKey       string
	FirstName      string
	LastName       string
	ExternalUserID *string
	Username       *string // NULL when unset (schema 6)
	UsernameKey    *string // lower(username): unique ignoring case
	Status         string
	Version        int64
	CreatedAt      int64 `gorm:"autoCreateTime:false"`
	UpdatedAt      int64 `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

type orgRow struct {
	TenantID   string `gorm:"primaryKey"`
	ID         string `gorm:"primaryKey"`
	Name       string
	ExternalID *string
	Version    int64
	CreatedAt  int64 `gorm:"autoCreateTime:false"`
	UpdatedAt  int64 `gorm:"autoUpdateTime:false"`
}

func (orgRow) TableName() string { return "organizations" }

type assignmentRow struct {
	TenantID   string `gorm:"primaryKey"`
	UserID     string `gorm:"primaryKey"`
	RoleID     string `gorm:"primaryKey"`
	OrgID      string `gorm:"primaryKey"`
	NotBefore  *int64
	ExpiresAt  *int64
	Reason     string
	AssignedBy string
	AssignedAt int64
}

func (assignmentRow) TableName() string { return "assignments" }

type tokenRow struct {
	ID         string `gorm:"primaryKey"`
	TenantID   *string
	UserID     *string
	Name       string
	Hash       string
	Scopes     *string
	ExpiresAt  *int64
	LastUsedAt *int64
	CreatedAt  int64   `gorm:"autoCreateTime:false"`
	MintedBy   *string // NULL: minted by its own user (see mintedBy)
}

func (tokenRow) TableName() string { return "tokens" }

type auditRow struct {
	Seq        int64 `gorm:"primaryKey;autoIncrement"`
	TenantID   string
	ID         string
	At         int64
	ActorID    string
	Action     string
	TargetType string
	TargetID   string
	Details    string
	Revision   int64 // the tenant revision the event's write moved to
}

func (auditRow) TableName() string { return "audit_events" }

type groupRow struct {
	TenantID    string `gorm:"primaryKey"`
	ID          string `gorm:"primaryKey"`
	Name        string
	NameKey     string
	Description string
	ExternalID  *string // NULL when unset (schema 6)
	Version     int64
	CreatedAt   int64 `gorm:"autoCreateTime:false"`
	UpdatedAt   int64 `gorm:"autoUpdateTime:false"`
}

func (groupRow) TableName() string { return "groups" }

type groupMemberRow struct {
	TenantID string `gorm:"primaryKey"`
	GroupID  string `gorm:"primaryKey"`
	UserID   string `gorm:"primaryKey"`
}

func (groupMemberRow) TableName() string { return "group_members" }

type groupAssignmentRow struct {
	TenantID   string `gorm:"primaryKey"`
	GroupID    string `gorm:"primaryKey"`
	RoleID     string `gorm:"primaryKey"`
	OrgID      string `gorm:"primaryKey"`
	NotBefore  *int64
	ExpiresAt  *int64
	Reason     string
	AssignedBy string
	AssignedAt int64
}

func (groupAssignmentRow) TableName() string { return "group_assignments" }

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func microsPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UnixMicro()
	return &v
}

func timePtr(us *int64) *time.Time {
	if us == nil {
		return nil
	}
	t := fromMicros(*us)
	return &t
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with JSON-safe values
	}
	return string(b)
}

func (r tenantRow) toDomain() rbac.Tenant {
	return rbac.Tenant{ID: r.ID, Name: r.Name, AssignmentMode: r.AssignmentMode, Revision: r.Revision,
		CreatedAt: fromMicros(r.CreatedAt), UpdatedAt: fromMicros(r.UpdatedAt)}
}

// decodeStored decodes a JSON column. Roster wrote it, so a failure means
// the row was damaged outside Roster: an internal error naming the row,
// never a silently empty value (empty scopes or permissions would change
// what a token or role grants).
func decodeStored(what, id, raw string, v any) error {
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return fmt.Errorf("stored %s %s is damaged: %w", what, id, err)
	}
	return nil
}

func (r roleRow) toDomain(parents []string, userCount int) (rbac.Role, error) {
	role := rbac.Role{TenantID: r.TenantID, ID: r.ID, Name: r.Name, DisplayName: r.DisplayName,
		Description: r.Description, System: r.System, Assignable: r.Assignable, Default: r.IsDefault,
		InheritsFrom: parents, UserCount: userCount, Version: r.Version,
		CreatedAt: fromMicros(r.CreatedAt), UpdatedAt: fromMicros(r.UpdatedAt)}
	if err := decodeStored("role permissions of", r.ID, r.Permissions, &role.Permissions); err != nil {
		return rbac.Role{}, err
	}
	if role.Permissions == nil {
		role.Permissions = []string{}
	}
	if role.InheritsFrom == nil {
		role.InheritsFrom = []string{}
	}
	if r.Metadata != nil {
		if err := decodeStored("role metadata of", r.ID, *r.Metadata, &role.Metadata); err != nil {
			return rbac.Role{}, err
		}
	}
	return role, nil
}

func (r userRow) toDomain(roles []string) rbac.User {
	if roles == nil {
		roles = []string{}
	}
	return rbac.User{TenantID: r.TenantID, ID: r.ID, Email: r.Email, FirstName: r.FirstName,
		LastName: r.LastName, ExternalUserID: deref(r.ExternalUserID), Username: deref(r.Username), Status: r.Status, Roles: roles,
		Version: r.Version, CreatedAt: fromMicros(r.CreatedAt), UpdatedAt: fromMicros(r.UpdatedAt)}
}

func (r orgRow) toDomain() rbac.Organization {
	return rbac.Organization{TenantID: r.TenantID, ID: r.ID, Name: r.Name, ExternalID: deref(r.ExternalID),
		Version: r.Version, CreatedAt: fromMicros(r.CreatedAt), UpdatedAt: fromMicros(r.UpdatedAt)}
}

func (r groupRow) toDomain(memberCount int) rbac.Group {
	return rbac.Group{TenantID: r.TenantID, ID: r.ID, Name: r.Name, Description: r.Description, ExternalID: deref(r.ExternalID),
		MemberCount: memberCount, Version: r.Version, CreatedAt: fromMicros(r.CreatedAt), UpdatedAt: fromMicros(r.UpdatedAt)}
}

func (r tokenRow) toDomain() (rbac.Token, error) {
	t := rbac.Token{ID: r.ID, TenantID: deref(r.TenantID), UserID: deref(r.UserID), Name: r.Name,
		ExpiresAt: timePtr(r.ExpiresAt), LastUsedAt: timePtr(r.LastUsedAt), CreatedAt: fromMicros(r.CreatedAt),
		MintedBy: deref(r.MintedBy)}
	if r.Scopes != nil {
		t.Scopes = []string{}
		if err := decodeStored("token scopes of", r.ID, *r.Scopes, &t.Scopes); err != nil {
			return rbac.Token{}, err
		}
	}
	return t, nil
}

func (r auditRow) toDomain() (rbac.AuditEvent, error) {
	e := rbac.AuditEvent{ID: r.ID, TenantID: r.TenantID, At: fromMicros(r.At), ActorID: r.ActorID,
		Action: r.Action, TargetType: r.TargetType, TargetID: r.TargetID, Details: map[string]any{}}
	return e, decodeStored("audit event details of", r.ID, r.Details, &e.Details)
}
