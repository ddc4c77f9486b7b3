-- PostgreSQL form of sqlite/00001_init.sql: the same tables, keys and indexes.
-- Every text column is COLLATE "C": ids sort and compare bytewise as in
-- SQLite (keyset pagination and "ordered by id" depend on it), whatever the
-- database's default collation, and lower() folds ASCII only, as SQLite's does.
-- +goose Up
CREATE TABLE tenants (
    id              TEXT COLLATE "C" PRIMARY KEY,
    name            TEXT COLLATE "C" NOT NULL,
    assignment_mode TEXT COLLATE "C" NOT NULL DEFAULT 'multiple',
    revision        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE roles (
    tenant_id    TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           TEXT COLLATE "C" NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    name_key     TEXT COLLATE "C" NOT NULL, -- lower(name): names are unique ignoring case
    display_name TEXT COLLATE "C" NOT NULL,
    description  TEXT COLLATE "C" NOT NULL DEFAULT '',
    system       BOOLEAN NOT NULL DEFAULT FALSE,
    permissions  TEXT COLLATE "C" NOT NULL DEFAULT '[]', -- JSON array of patterns
    assignable   BOOLEAN NOT NULL DEFAULT TRUE,
    is_default   BOOLEAN NOT NULL DEFAULT FALSE,
    metadata     TEXT COLLATE "C", -- JSON object, NULL when unset
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX roles_name_key ON roles (tenant_id, name_key);

CREATE TABLE role_parents (
    tenant_id TEXT COLLATE "C" NOT NULL,
    role_id   TEXT COLLATE "C" NOT NULL,
    parent_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, role_id, parent_id),
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, parent_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX role_parents_parent ON role_parents (tenant_id, parent_id);

CREATE TABLE users (
    tenant_id        TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id               TEXT COLLATE "C" NOT NULL,
    email            TEXT COLLATE "C" NOT NULL,
    email_key        TEXT COLLATE "C" NOT NULL, -- lower(email): unique ignoring case
    first_name       TEXT COLLATE "C" NOT NULL DEFAULT '',
    last_name        TEXT COLLATE "C" NOT NULL DEFAULT '',
    external_user_id TEXT COLLATE "C", -- NULL when unset, so many users may have none
    status           TEXT COLLATE "C" NOT NULL DEFAULT 'active',
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX users_email_key ON users (tenant_id, email_key);
CREATE UNIQUE INDEX users_external_id ON users (tenant_id, external_user_id);

CREATE TABLE organizations (
    tenant_id   TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    external_id TEXT COLLATE "C",
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX organizations_external_id ON organizations (tenant_id, external_id);

-- org_id is '' for a global assignment: a NULL would never equal another NULL
-- in the primary key, letting the same global assignment exist twice.
CREATE TABLE assignments (
    tenant_id   TEXT COLLATE "C" NOT NULL,
    user_id     TEXT COLLATE "C" NOT NULL,
    role_id     TEXT COLLATE "C" NOT NULL,
    org_id      TEXT COLLATE "C" NOT NULL DEFAULT '',
    not_before  BIGINT,
    expires_at  BIGINT,
    reason      TEXT COLLATE "C" NOT NULL DEFAULT '',
    assigned_by TEXT COLLATE "C" NOT NULL,
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, role_id, org_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX assignments_role ON assignments (tenant_id, role_id, user_id);
CREATE INDEX assignments_org ON assignments (tenant_id, org_id);

-- The operator's token has no tenant and no user (both NULL).
CREATE TABLE tokens (
    id           TEXT COLLATE "C" PRIMARY KEY,
    tenant_id    TEXT COLLATE "C",
    user_id      TEXT COLLATE "C",
    name         TEXT COLLATE "C" NOT NULL,
    hash         TEXT COLLATE "C" NOT NULL UNIQUE,
    scopes       TEXT COLLATE "C", -- JSON array, NULL when not narrowed
    expires_at   BIGINT,
    last_used_at BIGINT,
    created_at   BIGINT NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX tokens_user ON tokens (tenant_id, user_id, id);

CREATE TABLE audit_events (
    seq         BIGSERIAL PRIMARY KEY, -- newest-first order and keyset cursor
    tenant_id   TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          TEXT COLLATE "C" NOT NULL UNIQUE,
    at          BIGINT NOT NULL,
    actor_id    TEXT COLLATE "C" NOT NULL,
    action      TEXT COLLATE "C" NOT NULL,
    target_type TEXT COLLATE "C" NOT NULL,
    target_id   TEXT COLLATE "C" NOT NULL,
    details     TEXT COLLATE "C" NOT NULL DEFAULT '{}'
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
