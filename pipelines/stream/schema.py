"""The SQLite inbox schema (created idempotently by every process that opens the inbox)."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT    NOT NULL UNIQUE,
    event_type     TEXT    NOT NULL,
    born_at_ms     INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    source         TEXT    NOT NULL CHECK (source IN ('stream', 'failed_push')),
    corp_id        TEXT,
    message_id     TEXT,
    payload        TEXT    NOT NULL,
    headers        TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS events_type_born ON events (event_type, born_at_ms);

-- One row per event id delivered more than once; `count` is the number of extra deliveries.
CREATE TABLE IF NOT EXISTS duplicates (
    event_id     TEXT    PRIMARY KEY,
    count        INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL
);

-- Bad input, kept verbatim with the reason; a redelivered bad frame bumps `count`.
CREATE TABLE IF NOT EXISTS quarantine (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    raw_sha256     TEXT    NOT NULL UNIQUE,
    raw            TEXT    NOT NULL,
    reason         TEXT    NOT NULL,
    message_id     TEXT,
    received_at_ms INTEGER NOT NULL,
    count          INTEGER NOT NULL DEFAULT 1
);

-- Connection journal: one row per WebSocket session of a listener process.
CREATE TABLE IF NOT EXISTS connections (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    listener_id        TEXT    NOT NULL,
    pid                INTEGER NOT NULL,
    connected_at_ms    INTEGER NOT NULL,
    last_seen_ms       INTEGER NOT NULL,
    disconnected_at_ms INTEGER,
    reason             TEXT
);

-- Periods with no listener connected: the refresh logic re-pulls the days they cover.
CREATE TABLE IF NOT EXISTS gaps (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    start_ms      INTEGER NOT NULL,
    end_ms        INTEGER NOT NULL,
    reason        TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);

-- Consumer cursors: everything with seq <= cursors.seq has been consumed by that consumer.
CREATE TABLE IF NOT EXISTS cursors (
    consumer      TEXT    PRIMARY KEY,
    seq           INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
"""
