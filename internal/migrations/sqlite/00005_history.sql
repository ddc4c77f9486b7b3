-- +goose Up
-- Point-in-time evaluation (`at`) and role history. Every write that changes
-- evaluation state stores, in its own transaction, the new state of each
-- user, role, group and organization it touched, at its revision: the state
-- of an entity at revision R is its row with the greatest revision <= R
-- (state NULL: it did not exist). history_start holds where a tenant's
-- history begins: its creation, the upgrade that added history (a baseline
-- of every entity is written then), or the oldest instant kept after a prune.
CREATE TABLE entity_history (
    tenant_id TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL, -- user, role, group, organization
    entity_id TEXT    NOT NULL,
    revision  BIGINT  NOT NULL,
    state     TEXT,             -- JSON; NULL when the entity was deleted
    PRIMARY KEY (tenant_id, kind, entity_id, revision)
);

CREATE TABLE history_start (
    tenant_id TEXT   PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    revision  BIGINT NOT NULL,
    at        BIGINT NOT NULL
);

-- The revision in force at an instant: the newest event at or before it.
CREATE INDEX audit_events_at ON audit_events (tenant_id, at, revision);

-- +goose Down
DROP INDEX audit_events_at;
DROP TABLE history_start;
DROP TABLE entity_history;
