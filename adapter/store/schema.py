"""The outbox's tables, written once for both dialects (column types differ only in name)."""

from __future__ import annotations

SCHEMA_VERSION = 1

_TYPES = {
    "sqlite": {"real": "REAL", "serial": "INTEGER PRIMARY KEY AUTOINCREMENT"},
    "postgresql": {"real": "DOUBLE PRECISION", "serial": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"},
}

_SCRIPT = """
CREATE TABLE IF NOT EXISTS transfers (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('transfer', 'return')),
    parent_id         TEXT REFERENCES transfers (id),
    client            TEXT NOT NULL,
    bag_number        TEXT NOT NULL,
    nhs_number        TEXT,
    natural_key       TEXT NOT NULL UNIQUE,
    idempotency_key   TEXT UNIQUE,
    payload_hash      TEXT NOT NULL,
    status            TEXT NOT NULL
                      CHECK (status IN ('queued', 'delivering', 'retrying', 'delivered', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    created_at        {real} NOT NULL,
    updated_at        {real} NOT NULL,
    next_attempt_at   {real},
    delivered_at      {real},
    lease_owner       TEXT,
    lease_expires_at  {real},
    outcome           TEXT,
    error             TEXT,
    input             TEXT NOT NULL,
    document          TEXT NOT NULL,
    bundle            TEXT NOT NULL,
    response          TEXT
);
CREATE INDEX IF NOT EXISTS transfers_due ON transfers (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS transfers_by_client ON transfers (client, created_at);
CREATE INDEX IF NOT EXISTS transfers_by_parent ON transfers (parent_id);
CREATE TABLE IF NOT EXISTS audit_events (
    id           {serial},
    at           {real} NOT NULL,
    client       TEXT NOT NULL,
    action       TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    nhs_number   TEXT,
    bag_number   TEXT,
    transfer_id  TEXT,
    request_id   TEXT
);
CREATE INDEX IF NOT EXISTS audit_by_resident ON audit_events (nhs_number, at);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_events (at);
CREATE TABLE IF NOT EXISTS outbox_schema (version INTEGER NOT NULL)
"""


def schema_script(dialect: str) -> str:
    """The DDL for ``dialect`` ("sqlite" or "postgresql"); every statement is idempotent."""
    return _SCRIPT.format(**_TYPES[dialect])
