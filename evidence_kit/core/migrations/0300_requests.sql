-- Platform data requests: drafts, their rendered outputs (encrypted objects) and status history.
-- The ledger (request_drafted / request_updated events) is the authoritative record; these
-- tables make listing, deadlines and statistics fast.
CREATE TABLE requests (
    id                  INTEGER PRIMARY KEY,
    reference           TEXT NOT NULL UNIQUE,      -- our document number, e.g. 2026-SEOUL-0042-R001
    platform            TEXT NOT NULL,             -- resources/platforms/<id>.json
    type                TEXT NOT NULL,
    lang                TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'drafted',
    created_at          TEXT NOT NULL,             -- UTC ISO 8601
    created_by          TEXT NOT NULL,
    draft_date          TEXT NOT NULL,             -- date printed on the letter (KST)
    fields              TEXT NOT NULL DEFAULT '{}',  -- JSON: agency, officer, case fields
    items               TEXT NOT NULL DEFAULT '[]',  -- JSON: identifiers of each item as drafted
    sent_date           TEXT NOT NULL DEFAULT '',
    channel             TEXT NOT NULL DEFAULT '',
    platform_reference  TEXT NOT NULL DEFAULT '',
    answered_date       TEXT NOT NULL DEFAULT '',
    expires_date        TEXT NOT NULL DEFAULT '',  -- preservation expiry
    extensions          INTEGER NOT NULL DEFAULT 0,
    parent_id           INTEGER REFERENCES requests(id),
    updated_at          TEXT NOT NULL
);
CREATE INDEX requests_status ON requests(status);
CREATE INDEX requests_platform ON requests(platform, type);

CREATE TABLE request_items (
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    exhibit     TEXT NOT NULL,
    PRIMARY KEY (request_id, exhibit)
);
CREATE INDEX request_items_exhibit ON request_items(exhibit);

CREATE TABLE request_outputs (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    format      TEXT NOT NULL,                     -- pdf, docx, txt, eml
    name        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    object      TEXT NOT NULL                      -- encrypted object name (counted by `check`)
);
CREATE INDEX request_outputs_request ON request_outputs(request_id);

CREATE TABLE request_history (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    seq         INTEGER NOT NULL,                  -- the ledger event
    status      TEXT NOT NULL,
    previous    TEXT NOT NULL DEFAULT '',
    date        TEXT NOT NULL,                     -- effective date (YYYY-MM-DD) given by the officer
    channel     TEXT NOT NULL DEFAULT '',
    reference   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    expires     TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX request_history_request ON request_history(request_id);

CREATE TRIGGER request_outputs_no_update BEFORE UPDATE ON request_outputs
BEGIN SELECT RAISE(ABORT, 'request outputs are immutable'); END;
CREATE TRIGGER request_outputs_no_delete BEFORE DELETE ON request_outputs
BEGIN SELECT RAISE(ABORT, 'request outputs are immutable'); END;
CREATE TRIGGER request_history_no_update BEFORE UPDATE ON request_history
BEGIN SELECT RAISE(ABORT, 'request history is append-only'); END;
CREATE TRIGGER request_history_no_delete BEFORE DELETE ON request_history
BEGIN SELECT RAISE(ABORT, 'request history is append-only'); END;
CREATE TRIGGER requests_no_delete BEFORE DELETE ON requests
BEGIN SELECT RAISE(ABORT, 'requests are never deleted'); END;
