-- +goose Up
CREATE TABLE tenants (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    assignment_mode TEXT NOT NULL DEFAULT 'multiple',
    revision        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE roles (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL, -- lower(name): names are unique ignoring case
    display_name TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    system       BOOLEAN NOT NULL DEFAULT FALSE,
    permissions  TEXT NOT NULL DEFAULT '[]', -- JSON array of patterns
    assignable   BOOLEAN NOT NULL DEFAULT TRUE,
    is_default   BOOLEAN NOT NULL DEFAULT FALSE,
    metadata     TEXT, -- JSON object, NULL when unset
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX roles_name_key ON roles (tenant_id, name_key);

CREATE TABLE role_parents (
    tenant_id TEXT NOT NULL,
    role_id   TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, role_id, parent_id),
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, parent_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX role_parents_parent ON role_parents (tenant_id, parent_id);

CREATE TABLE users (
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    email            TEXT NOT NULL,
    email_key        TEXT NOT NULL, -- lower(email): unique ignoring case
    first_name       TEXT NOT NULL DEFAULT '',
    last_name        TEXT NOT NULL DEFAULT '',
    external_user_id TEXT, -- NULL when unset, so many users may have none
    status           TEXT NOT NULL DEFAULT 'active',
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX users_email_key ON users (tenant_id, email_key);
CREATE UNIQUE INDEX users_external_id ON users (tenant_id, external_user_id);

CREATE TABLE organizations (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    external_id TEXT,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX organizations_external_id ON organizations (tenant_id, external_id);

-- org_id is '' for a global assignment: a NULL would never equal another NULL
-- in the primary key, letting the same global assignment exist twice.
CREATE TABLE assignments (
    tenant_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    role_id     TEXT NOT NULL,
    org_id      TEXT NOT NULL DEFAULT '',
    not_before  BIGINT,
    expires_at  BIGINT,
    reason      TEXT NOT NULL DEFAULT '',
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, role_id, org_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX assignments_role ON assignments (tenant_id, role_id, user_id);
CREATE INDEX assignments_org ON assignments (tenant_id, org_id);

-- The operator's token has no tenant and no user (both NULL).
CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT,
    user_id      TEXT,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    scopes       TEXT, -- JSON array, NULL when not narrowed
    expires_at   BIGINT,
    last_used_at BIGINT,
    created_at   BIGINT NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX tokens_user ON tokens (tenant_id, user_id, id);

CREATE TABLE audit_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- newest-first order and keyset cursor
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          TEXT NOT NULL UNIQUE,
    at          BIGINT NOT NULL,
    actor_id    TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, seq);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE tokens;
DROP TABLE assignments;
DROP TABLE organizations;
DROP TABLE users;
DROP TABLE role_parents;
DROP TABLE roles;
DROP TABLE tenants;
