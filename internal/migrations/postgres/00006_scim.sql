-- PostgreSQL form of sqlite/00006_scim.sql (text columns COLLATE "C", see 00001).
-- +goose Up
-- SCIM provisioning (API.md, "SCIM 2.0 provisioning"). A user's username is
-- the SCIM userName: NULL when unset (users made before SCIM, or through the
-- native API without one), unique per tenant ignoring case through
-- username_key = lower(username), as email_key does for email. NULLs never
-- clash in a unique index, so any number of users may have none.
ALTER TABLE users ADD COLUMN username TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN username_key TEXT COLLATE "C";
CREATE UNIQUE INDEX users_username_key ON users (tenant_id, username_key);
-- A group's externalId as the identity provider sent it; NULL when unset.
ALTER TABLE groups ADD COLUMN external_id TEXT COLLATE "C";

-- +goose Down
ALTER TABLE groups DROP COLUMN external_id;
DROP INDEX users_username_key;
ALTER TABLE users DROP COLUMN username_key;
ALTER TABLE users DROP COLUMN username;
