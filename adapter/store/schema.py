"""The outbox's tables, written once for both dialects (column types differ only in name)."""

from __future__ import annotations

from adapter.store.database import Database, iter_statements
from adapter.store.stay_facts import facts_script

# 2: the pathway (events, journeys, residents, subscriptions, notifications)
# 3: transfers keyed per client (natural_key), the red bag as the FHIR server knows it (server_key), and
#    when a transfer last entered the queue (queued_at, from which its delivery deadline runs); care home
#    capabilities, discharge readiness and the measures' facts
SCHEMA_VERSION = 3

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
    server_key        TEXT,
    idempotency_key   TEXT UNIQUE,
    payload_hash      TEXT NOT NULL,
    status            TEXT NOT NULL
                      CHECK (status IN ('queued', 'delivering', 'retrying', 'delivered', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    created_at        {real} NOT NULL,
    updated_at        {real} NOT NULL,
    next_attempt_at   {real},
    queued_at         {real},
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
CREATE TABLE IF NOT EXISTS outbox_schema (version INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS transfers_by_resident ON transfers (nhs_number, created_at);
CREATE TABLE IF NOT EXISTS pathway_events (
    id            {serial},
    source_key    TEXT NOT NULL UNIQUE,
    digest        TEXT NOT NULL,
    source        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    nhs_number    TEXT NOT NULL,
    journey_id    TEXT,
    outcome       TEXT NOT NULL,
    note          TEXT,
    received_at   {real} NOT NULL,
    event         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pathway_events_by_journey ON pathway_events (journey_id, id);
CREATE TABLE IF NOT EXISTS journeys (
    id                TEXT PRIMARY KEY,
    nhs_number        TEXT NOT NULL,
    hospital          TEXT,
    encounter         TEXT,
    transfer_id       TEXT UNIQUE REFERENCES transfers (id),
    stage             TEXT NOT NULL CHECK (stage IN ('admitted', 'discharged', 'cancelled')),
    care_home         TEXT,
    gp                TEXT,
    visit_status      TEXT,
    visit_due_at      {real},
    version           INTEGER NOT NULL,
    created_at        {real} NOT NULL,
    updated_at        {real} NOT NULL,
    state             TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journeys_by_resident ON journeys (nhs_number, created_at);
CREATE INDEX IF NOT EXISTS journeys_by_stay ON journeys (hospital, encounter);
CREATE INDEX IF NOT EXISTS journeys_visit_due ON journeys (visit_status, visit_due_at);
CREATE INDEX IF NOT EXISTS journeys_by_care_home ON journeys (care_home, created_at);
CREATE TABLE IF NOT EXISTS pathway_residents (
    nhs_number   TEXT PRIMARY KEY,
    care_home    TEXT,
    gp           TEXT,
    client       TEXT NOT NULL,
    updated_at   {real} NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriptions (
    id              TEXT PRIMARY KEY,
    client          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'error', 'off')),
    criteria_kind   TEXT NOT NULL CHECK (criteria_kind IN ('care-home', 'gp', 'resident')),
    criteria_value  TEXT NOT NULL,
    endpoint        TEXT NOT NULL,
    headers         TEXT NOT NULL,
    secret          TEXT NOT NULL,
    resource        TEXT NOT NULL,
    events          INTEGER NOT NULL DEFAULT 0,
    failures        INTEGER NOT NULL DEFAULT 0,
    retry_at        {real},
    error           TEXT,
    created_at      {real} NOT NULL,
    updated_at      {real} NOT NULL
);
CREATE INDEX IF NOT EXISTS subscriptions_by_criteria ON subscriptions (criteria_kind, criteria_value);
CREATE INDEX IF NOT EXISTS subscriptions_by_client ON subscriptions (client, created_at);
CREATE TABLE IF NOT EXISTS notifications (
    id                {serial},
    subscription_id   TEXT NOT NULL REFERENCES subscriptions (id),
    event_number      INTEGER NOT NULL,
    nhs_number        TEXT NOT NULL,
    journey_id        TEXT,
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL
                      CHECK (status IN ('queued', 'delivering', 'retrying', 'delivered', 'cancelled')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    created_at        {real} NOT NULL,
    next_attempt_at   {real},
    delivered_at      {real},
    lease_owner       TEXT,
    lease_expires_at  {real},
    error             TEXT,
    body              TEXT NOT NULL,
    UNIQUE (subscription_id, event_number)
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS notifications_in_order
    ON notifications (subscription_id, nhs_number, event_number);
CREATE TABLE IF NOT EXISTS care_home_capabilities (
    ods_code      TEXT PRIMARY KEY,
    client        TEXT NOT NULL,
    capabilities  TEXT NOT NULL,
    confirmed_on  TEXT,
    updated_at    {real} NOT NULL
);
CREATE TABLE IF NOT EXISTS discharge_readiness (
    transfer_id       TEXT PRIMARY KEY REFERENCES transfers (id),
    journey_id        TEXT,
    nhs_number        TEXT,
    care_home         TEXT NOT NULL,
    hospital          TEXT NOT NULL,
    ready_date        TEXT,
    ready_source      TEXT,
    recorded_at       TEXT,
    needs_recorded    INTEGER NOT NULL DEFAULT 0,
    not_possible      INTEGER NOT NULL DEFAULT 0,
    readiness         TEXT,
    discharged_at     TEXT,
    discharge_date    TEXT,
    delay_days        INTEGER,
    discharge_timing  TEXT CHECK (discharge_timing IN
                      ('on-ready-date', 'delayed', 'before-ready-date', 'ready-date-not-recorded')),
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        {real} NOT NULL,
    updated_at        {real} NOT NULL
);
CREATE INDEX IF NOT EXISTS discharge_readiness_by_home ON discharge_readiness (care_home, ready_date);
CREATE INDEX IF NOT EXISTS discharge_readiness_by_hospital ON discharge_readiness (hospital, discharge_date);
"""


# Run after the upgrades: they index columns that an upgraded table gains only then.
_INDEXES = """
CREATE INDEX IF NOT EXISTS transfers_by_server_key ON transfers (server_key)
"""

_CARE_HOME = {
    "sqlite": "json_extract(input, '$.careHome.odsCode')",
    "postgresql": "(input::jsonb #>> '{careHome,odsCode}')",
}
_CREATED_AT = {
    "sqlite": "json_extract(input, '$.createdAt')",
    "postgresql": "(input::jsonb #>> '{createdAt}')",
}
#: Per version: the columns an older table gains (added when missing), then statements that fill them
#: (each touching only rows not yet upgraded, so running them again changes nothing).
_UPGRADES: dict[int, tuple[tuple[tuple[str, str, str], ...], str]] = {
    3: (
        (("transfers", "server_key", "TEXT"), ("transfers", "queued_at", "{real}")),
        """
UPDATE transfers SET queued_at = created_at WHERE queued_at IS NULL;
UPDATE transfers SET server_key = 'transfer|' || {care_home} || '|' || bag_number || '|' || {created_at}
    WHERE kind = 'transfer' AND server_key IS NULL;
UPDATE transfers SET server_key = natural_key WHERE kind = 'return' AND server_key IS NULL;
UPDATE transfers SET natural_key = client || '|' || server_key
    WHERE natural_key <> client || '|' || server_key
""",
    ),
}


def schema_script(dialect: str) -> str:
    """The DDL for ``dialect`` ("sqlite" or "postgresql"); every statement is idempotent."""
    return (_SCRIPT + facts_script()).format(**_TYPES[dialect])


def upgrade_columns(version: int, dialect: str) -> tuple[tuple[str, str, str], ...]:
    """(table, column, type) that a database of ``version - 1`` lacks."""
    columns = _UPGRADES.get(version, ((), ""))[0]
    return tuple((t, c, kind.format(**_TYPES[dialect])) for t, c, kind in columns)


def upgrade_script(version: int, dialect: str) -> str:
    """The statements that fill what ``version`` added (empty when none); safe to run twice."""
    script = _UPGRADES.get(version, ((), ""))[1]
    return script.format(**_TYPES[dialect], care_home=_CARE_HOME[dialect], created_at=_CREATED_AT[dialect])


def index_script(dialect: str) -> str:
    """Indexes created after the upgrades (idempotent)."""
    return _INDEXES


def facts_only_script(dialect: str) -> str:
    """The DDL of the measures' facts tables alone (a scratch database filled from a FHIR server)."""
    return facts_script().format(**_TYPES[dialect])


def create_facts_tables(db: Database) -> None:
    """Create the facts tables alone in ``db`` (a scratch database filled from a FHIR server)."""
    with db.transaction(write=True) as tx:
        for statement in iter_statements(facts_only_script(db.dialect)):
            tx.execute(statement)
