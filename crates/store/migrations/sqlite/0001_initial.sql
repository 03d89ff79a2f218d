-- Initial schema, SQLite flavour. Keep in step with ../postgres/0001_initial.sql: the same
-- tables, columns and constraints, only the column types differ.
--
-- Timestamps are TEXT in RFC 3339 form, always UTC (sqlx writes `+00:00` and 0, 3 or 6
-- fractional digits; the store truncates to microseconds), so text comparison orders them.
-- JSON is TEXT. Ids are UUID strings.

CREATE TABLE tenants (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    -- SHA-256 (hex) of the API key; the plaintext is shown once and never stored.
    api_key_hash TEXT NOT NULL UNIQUE,
    settings     TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL
);
-- Tenancy names are ASCII (checked by the store) and unique regardless of case.
CREATE UNIQUE INDEX tenants_name_ci ON tenants (lower(name));

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- Both stored lower-cased and trimmed; a login matches either.
    username      TEXT NOT NULL,
    email         TEXT,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (tenant_id, username),
    UNIQUE (tenant_id, email)
);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

CREATE TABLE transactions (
    id                    TEXT PRIMARY KEY NOT NULL,
    tenant_id             TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_transaction_id TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    expires_at            TEXT NOT NULL
);
CREATE INDEX transactions_expires ON transactions (expires_at);
CREATE INDEX transactions_tenant_client ON transactions (tenant_id, client_transaction_id);

-- One row per (transaction, step); recording a step again replaces the row.
CREATE TABLE transaction_steps (
    transaction_id TEXT NOT NULL REFERENCES transactions (id) ON DELETE CASCADE,
    step           TEXT NOT NULL,
    fields         TEXT NOT NULL,
    issues         TEXT NOT NULL,
    -- f32 values, little-endian, 4 bytes each.
    face_embedding BLOB,
    completed_at   TEXT NOT NULL,
    PRIMARY KEY (transaction_id, step)
);

-- No foreign key on tenant_id: the audit trail must outlive the tenants it mentions, and a
-- request log write must never fail because a tenant was deleted concurrently.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   TEXT,
    route       TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    status      INTEGER NOT NULL,
    error_code  INTEGER,
    duration_ms INTEGER NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- Installation-wide values such as the token signing secret.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
);
