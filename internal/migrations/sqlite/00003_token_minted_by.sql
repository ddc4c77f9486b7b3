-- +goose Up
-- Who minted a token for its user when someone else did: that user's id, or
-- "operator" (the admin tokens of tenant creation and POST /tenants/{id}/admins).
-- NULL: minted by its own user, or before this version. Writes made with
-- the token name it in their audit event's details.token_minted_by.
ALTER TABLE tokens ADD COLUMN minted_by TEXT;

-- +goose Down
ALTER TABLE tokens DROP COLUMN minted_by;
