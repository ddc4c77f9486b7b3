-- PostgreSQL form of sqlite/00002_groups.sql (text columns COLLATE "C", see 00001).
-- +goose Up
CREATE TABLE groups (
    tenant_id   TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    name_key    TEXT COLLATE "C" NOT NULL, -- lower(name): names are unique ignoring case
    description TEXT COLLATE "C" NOT NULL DEFAULT '',
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX groups_name_key ON groups (tenant_id, name_key);

CREATE TABLE group_members (
    tenant_id TEXT COLLATE "C" NOT NULL,
    group_id  TEXT COLLATE "C" NOT NULL,
    user_id   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_user ON group_members (tenant_id, user_id);

-- Like assignments: org_id is '' for a global grant, so it cannot reference
-- organizations; DeleteOrganization removes the scoped ones itself.
CREATE TABLE group_assignments (
    tenant_id   TEXT COLLATE "C" NOT NULL,
    group_id    TEXT COLLATE "C" NOT NULL,
    role_id     TEXT COLLATE "C" NOT NULL,
    org_id      TEXT COLLATE "C" NOT NULL DEFAULT '',
    not_before  BIGINT,
    expires_at  BIGINT,
    reason      TEXT COLLATE "C" NOT NULL DEFAULT '',
    assigned_by TEXT COLLATE "C" NOT NULL,
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_id, role_id, org_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_assignments_role ON group_assignments (tenant_id, role_id);
CREATE INDEX group_assignments_org ON group_assignments (tenant_id, org_id);

-- The tenant revision each event moved the tenant to: the evaluation engine
-- reads the changes after a revision from here.
ALTER TABLE audit_events ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
-- Every revision so far was made by exactly one event (tenant.create is 1),
-- so existing events are numbered in commit order.
UPDATE audit_events SET revision = numbered.n
FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY seq) AS n FROM audit_events) AS numbered
WHERE numbered.seq = audit_events.seq;
CREATE INDEX audit_events_revision ON audit_events (tenant_id, revision);

-- +goose Down
DROP INDEX audit_events_revision;
ALTER TABLE audit_events DROP COLUMN revision;
DROP TABLE group_assignments;
DROP TABLE group_members;
DROP TABLE groups;
