-- PostgreSQL form of sqlite/00004_idempotency_keys.sql (text columns COLLATE "C", see 00001).
-- +goose Up
-- The answers to writes sent with an Idempotency-Key, written in the same
-- transaction as the write they answer, so that a retry replays the answer
-- and never writes twice. scope: the tenant, '' for operator-level writes;
-- caller: the token's user id, or 'operator'. Kept 24 h (a background
-- sweep deletes older rows in bounded batches).
CREATE TABLE idempotency_keys (
    scope        TEXT    COLLATE "C" NOT NULL,
    caller       TEXT    COLLATE "C" NOT NULL,
    key          TEXT    COLLATE "C" NOT NULL,
    request_hash TEXT    COLLATE "C" NOT NULL,
    status       INTEGER NOT NULL,
    headers      TEXT    COLLATE "C" NOT NULL,
    body         TEXT    COLLATE "C" NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (scope, caller, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
