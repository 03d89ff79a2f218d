-- Initial schema, PostgreSQL flavour. Keep in step with ../sqlite/0001_initial.sql: the same
-- tables, columns and constraints, only the column types differ.

CREATE TABLE tenants (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    -- SHA-256 (hex) of the API key; the plaintext is shown once and never stored.
    api_key_hash TEXT NOT NULL UNIQUE,
    settings     JSONB NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL
);
-- Tenancy names are ASCII (checked by the store) and unique regardless of case.
CREATE UNIQUE INDEX tenants_name_ci ON tenants (lower(name));

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- Both stored lower-cased and trimmed; a login matches either.
    username      TEXT NOT NULL,
    email         TEXT,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, username),
    UNIQUE (tenant_id, email)
);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

CREATE TABLE transactions (
    id                    TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_transaction_id TEXT,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    expires_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX transactions_expires ON transactions (expires_at);
CREATE INDEX transactions_tenant_client ON transactions (tenant_id, client_transaction_id);

-- One row per (transaction, step); recording a step again replaces the row.
CREATE TABLE transaction_steps (
    transaction_id TEXT NOT NULL REFERENCES transactions (id) ON DELETE CASCADE,
    step           TEXT NOT NULL,
    fields         JSONB NOT NULL,
    issues         JSONB NOT NULL,
    -- f32 values, little-endian, 4 bytes each.
    face_embedding BYTEA,
    completed_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (transaction_id, step)
);

-- No foreign key on tenant_id: the audit trail must outlive the tenants it mentions, and a
-- request log write must never fail because a tenant was deleted concurrently.
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   TEXT,
    route       TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    status      INTEGER NOT NULL,
    error_code  INTEGER,
    duration_ms BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- Installation-wide values such as the token signing secret.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
