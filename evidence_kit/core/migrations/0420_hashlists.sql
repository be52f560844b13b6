-- Known-content hash lists (MD5, SHA-1, SHA-256, PDQ) and the case's matches against them.
-- The imported list file itself is kept encrypted in the object store (`object`).
CREATE TABLE hashlists (
    id          INTEGER PRIMARY KEY,
    label       TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    file_name   TEXT NOT NULL DEFAULT '',
    file_sha256 TEXT NOT NULL DEFAULT '',
    object      TEXT NOT NULL DEFAULT '',
    format      TEXT NOT NULL DEFAULT '',       -- csv, json, lines
    entries     INTEGER NOT NULL DEFAULT 0,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);

CREATE TABLE hashlist_entries (
    list_id INTEGER NOT NULL REFERENCES hashlists(id),
    algo    TEXT NOT NULL CHECK (algo IN ('md5', 'sha1', 'sha256', 'pdq')),
    value   TEXT NOT NULL,                        -- lower-case hex
    label   TEXT NOT NULL DEFAULT '',
    source  TEXT NOT NULL DEFAULT '',
    line    INTEGER NOT NULL                      -- line (CSV) or entry number (JSON) in the file
);
CREATE INDEX hashlist_entries_value ON hashlist_entries(algo, value);
CREATE INDEX hashlist_entries_list ON hashlist_entries(list_id);

CREATE TABLE hashlist_matches (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
    list_id     INTEGER NOT NULL REFERENCES hashlists(id),
    algo        TEXT NOT NULL,
    value       TEXT NOT NULL,                    -- the list's value that matched
    distance    INTEGER NOT NULL DEFAULT 0,       -- PDQ Hamming distance (0 for exact hashes)
    label       TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    matched_at  TEXT NOT NULL,
    matched_by  TEXT NOT NULL,
    UNIQUE (artifact_id, list_id, algo, value)
);
CREATE INDEX hashlist_matches_item ON hashlist_matches(item_id);

CREATE TRIGGER hashlist_entries_no_update BEFORE UPDATE ON hashlist_entries
BEGIN SELECT RAISE(ABORT, 'hash-list entries are immutable'); END;
CREATE TRIGGER hashlist_matches_no_update BEFORE UPDATE ON hashlist_matches
BEGIN SELECT RAISE(ABORT, 'hash-list matches are immutable'); END;
CREATE TRIGGER hashlist_matches_no_delete BEFORE DELETE ON hashlist_matches
BEGIN SELECT RAISE(ABORT, 'hash-list matches are immutable'); END;
