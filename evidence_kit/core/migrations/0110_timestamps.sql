-- RFC 3161 timestamp tokens over evidence items and ledger heads (core/timestamps.py).
CREATE TABLE timestamps (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,                 -- UTC ISO 8601, when the token was received
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('item', 'ledger')),
    subject       TEXT NOT NULL,                 -- exhibit number, or the stamped ledger event's seq
    digest_alg    TEXT NOT NULL,                 -- 'sha256'
    digest        TEXT NOT NULL,                 -- hex: item_digest(item), or the ledger event's hash
    tsa_url       TEXT NOT NULL,
    gen_time      TEXT NOT NULL,                 -- the authority's genTime, UTC ISO 8601
    serial        TEXT NOT NULL,                 -- the token's serial number (decimal)
    tsa_name      TEXT NOT NULL DEFAULT '',      -- subject of the signing certificate
    token         BLOB NOT NULL,                 -- TimeStampToken (CMS ContentInfo), DER
    token_sha256  TEXT NOT NULL,                 -- recorded in the `timestamped` ledger event
    tsa_certs     TEXT NOT NULL DEFAULT '',      -- PEM: the certificates the authority sent
    event_seq     INTEGER NOT NULL               -- the `timestamped` ledger event
);
CREATE INDEX timestamps_subject ON timestamps(subject_kind, subject);

CREATE TRIGGER timestamps_no_update BEFORE UPDATE ON timestamps
BEGIN SELECT RAISE(ABORT, 'timestamp tokens are immutable'); END;
CREATE TRIGGER timestamps_no_delete BEFORE DELETE ON timestamps
BEGIN SELECT RAISE(ABORT, 'timestamp tokens are immutable'); END;
