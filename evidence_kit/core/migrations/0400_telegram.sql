-- Telegram Desktop chat exports: one item per chat, its messages indexed here.
-- Rows are written in the same transaction as the item and its ledger event, and never change.
CREATE TABLE telegram_chats (
    item_id            INTEGER PRIMARY KEY REFERENCES items(id) DEFERRABLE INITIALLY DEFERRED,
    chat_id            INTEGER,
    name               TEXT NOT NULL DEFAULT '',
    type               TEXT NOT NULL DEFAULT '',
    public_name        TEXT NOT NULL DEFAULT '',
    section            TEXT NOT NULL DEFAULT 'chat',   -- chat (single export), chats, left_chats
    messages           INTEGER NOT NULL DEFAULT 0,
    media_stored       INTEGER NOT NULL DEFAULT 0,
    media_missing      INTEGER NOT NULL DEFAULT 0,
    media_refused      INTEGER NOT NULL DEFAULT 0,
    media_not_included INTEGER NOT NULL DEFAULT 0,
    partial            INTEGER NOT NULL DEFAULT 0,
    first_date_utc     TEXT NOT NULL DEFAULT '',
    last_date_utc      TEXT NOT NULL DEFAULT '',
    problems           TEXT NOT NULL DEFAULT '[]'       -- JSON list of strings
);

CREATE TABLE telegram_messages (
    item_id           INTEGER NOT NULL REFERENCES items(id) DEFERRABLE INITIALLY DEFERRED,
    seq               INTEGER NOT NULL,                 -- order in the export
    msg_id            INTEGER NOT NULL,
    type              TEXT NOT NULL,                    -- message, service, unsupported, …
    date_utc          TEXT NOT NULL DEFAULT '',         -- from date_unixtime ('' when unknown)
    date_local        TEXT NOT NULL DEFAULT '',         -- as the export wrote it
    utc_offset_s      INTEGER,                          -- local minus UTC seen in the export
    edited_utc        TEXT NOT NULL DEFAULT '',
    edited_local      TEXT NOT NULL DEFAULT '',
    sender            TEXT NOT NULL DEFAULT '',
    sender_id         TEXT NOT NULL DEFAULT '',
    forwarded_from    TEXT NOT NULL DEFAULT '',
    forwarded_from_id TEXT NOT NULL DEFAULT '',
    saved_from        TEXT NOT NULL DEFAULT '',
    via_bot           TEXT NOT NULL DEFAULT '',
    reply_to          INTEGER,
    action            TEXT NOT NULL DEFAULT '',
    text              TEXT NOT NULL DEFAULT '',
    entities          TEXT NOT NULL DEFAULT '[]',       -- JSON
    media_type        TEXT NOT NULL DEFAULT '',
    media             TEXT NOT NULL DEFAULT '[]',       -- JSON list of {kind, path, status, note, sha256, size}
    details           TEXT NOT NULL DEFAULT '{}',       -- JSON: every other field, unknown ones included
    unknown_fields    TEXT NOT NULL DEFAULT '[]',
    summary           TEXT NOT NULL DEFAULT '',
    link              TEXT NOT NULL DEFAULT '',
    link_note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, seq)
);
CREATE INDEX telegram_messages_id ON telegram_messages(item_id, msg_id);

CREATE TRIGGER telegram_chats_no_update BEFORE UPDATE ON telegram_chats
BEGIN SELECT RAISE(ABORT, 'imported Telegram chats are immutable'); END;
CREATE TRIGGER telegram_chats_no_delete BEFORE DELETE ON telegram_chats
BEGIN SELECT RAISE(ABORT, 'imported Telegram chats are immutable'); END;
CREATE TRIGGER telegram_messages_no_update BEFORE UPDATE ON telegram_messages
BEGIN SELECT RAISE(ABORT, 'imported Telegram messages are immutable'); END;
CREATE TRIGGER telegram_messages_no_delete BEFORE DELETE ON telegram_messages
BEGIN SELECT RAISE(ABORT, 'imported Telegram messages are immutable'); END;
