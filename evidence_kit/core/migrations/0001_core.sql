-- The case store's core tables. Feature migrations (0100_*, 0200_*, …) add their own tables.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    name        TEXT PRIMARY KEY,
    full_name   TEXT NOT NULL DEFAULT '',
    badge       TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL CHECK (role IN ('investigator', 'case_officer', 'auditor')),
    public_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    added_by    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    exhibit      TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '',
    platform     TEXT NOT NULL DEFAULT '',
    captured_at  TEXT NOT NULL,            -- UTC ISO 8601, acquisition start
    collector    TEXT NOT NULL,
    acquisition  TEXT NOT NULL DEFAULT '{}', -- JSON
    metadata     TEXT NOT NULL DEFAULT '{}', -- JSON
    notes        TEXT NOT NULL DEFAULT '',
    sensitive    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX items_captured_at ON items(captured_at);
CREATE INDEX items_kind ON items(kind);

CREATE TABLE artifacts (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    role        TEXT NOT NULL,
    name        TEXT NOT NULL,
    mime        TEXT NOT NULL DEFAULT 'application/octet-stream',
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    md5         TEXT NOT NULL DEFAULT '',
    sha1        TEXT NOT NULL DEFAULT '',
    object      TEXT NOT NULL,
    metadata    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX artifacts_item ON artifacts(item_id);
CREATE INDEX artifacts_sha256 ON artifacts(sha256);
CREATE INDEX artifacts_object ON artifacts(object);

CREATE TABLE item_tags (
    item_id INTEGER NOT NULL REFERENCES items(id),
    tag     TEXT NOT NULL,
    PRIMARY KEY (item_id, tag)
);

CREATE TABLE ledger (
    seq     INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    item    TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL UNIQUE,
    sig     TEXT NOT NULL
);
CREATE INDEX ledger_item ON ledger(item);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the custody ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the custody ledger is append-only'); END;

-- Evidence rows are never removed either; only notes and tags change (each change is an event).
CREATE TRIGGER artifacts_no_update BEFORE UPDATE ON artifacts
BEGIN SELECT RAISE(ABORT, 'artifacts are immutable'); END;
CREATE TRIGGER artifacts_no_delete BEFORE DELETE ON artifacts
BEGIN SELECT RAISE(ABORT, 'artifacts are immutable'); END;
CREATE TRIGGER items_no_delete BEFORE DELETE ON items
BEGIN SELECT RAISE(ABORT, 'evidence items are never deleted'); END;
