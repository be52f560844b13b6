"""Importing a Telegram Desktop export into a case: one item (kind "telegram") per chat.

Each chat item holds result.json (role export_json) and every media file its messages name
(role media, thumbnails role thumbnail), hashed and encrypted as they stream in; its messages go
to telegram_messages in the same transaction as the item and its ledger event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ... import __version__
from .. import ledger
from ..case import Case, Item, ItemDraft
from ..errors import InputError
from ..objects import StoredObject
from ..progress import CancelToken, ProgressCallback
from ..roles import Permission
from .parser import ChatHeader, ExportFormatError, MediaRef, Message, iter_export, local_to_utc, message_link
from .source import ExportSource, FolderSource, MediaPathError, ZipLimits, open_export

KIND = "telegram"
MAX_LISTED_PROBLEMS = 200


@dataclass
class ChatImport:
    header: ChatHeader
    item: Item | None = None
    messages: int = 0
    media_stored: int = 0
    media_missing: list[str] = field(default_factory=list)
    media_refused: list[str] = field(default_factory=list)
    media_not_included: int = 0
    missing_count: int = 0
    refused_count: int = 0
    truncated: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.missing_count or self.refused_count or self.truncated)

    def to_json(self) -> dict[str, Any]:
        return {"exhibit": self.item.exhibit if self.item else "", "chat_id": self.header.id,
                "name": self.header.name, "type": self.header.type, "messages": self.messages,
                "media_stored": self.media_stored, "media_missing_count": self.missing_count,
                "media_refused_count": self.refused_count, "media_missing": self.media_missing,
                "media_refused": self.media_refused, "media_not_included": self.media_not_included,
                "partial": self.partial, "truncated": self.truncated, "problems": self.problems}


@dataclass
class TelegramImportResult:
    source: str
    chats: list[ChatImport] = field(default_factory=list)
    error: str = ""                       # the export could not be read to its end
    account: dict[str, Any] = field(default_factory=dict)
    hook_failures: list[str] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        return [c.item for c in self.chats if c.item is not None]

    @property
    def partial(self) -> bool:
        return bool(self.error) or any(c.partial for c in self.chats)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "partial": self.partial, "error": self.error,
                "chats": [c.to_json() for c in self.chats],
                "items": [i.to_json() for i in self.items]}


@dataclass
class ImportOptions:
    public_names: dict[str, str] = field(default_factory=dict)  # chat id (or "" for every chat) -> public name
    allow_partial: bool = False            # keep what a damaged result.json still yields
    utc_offset_minutes: int | None = None  # for old exports without Unix times
    zip_limits: ZipLimits | None = None
    max_messages: int = 5_000_000
    note: str = ""
    tags: list[str] = field(default_factory=list)


def import_telegram(case: Case, path: Path | str, *, options: ImportOptions | None = None,
                    progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                    on_item: Callable[[Item], None] | None = None) -> TelegramImportResult:
    """Import a Telegram Desktop export (folder, result.json, or zip). Without allow_partial a
    damaged result.json imports nothing (it is read once to the end first); with it, every chat
    read before the damage is imported and marked partial."""
    case.require(Permission.CAPTURE)
    opts = options or ImportOptions()
    with open_export(path, zip_limits=opts.zip_limits) as source:
        result = TelegramImportResult(source=source.description)
        if not opts.allow_partial:
            _validate(source, opts, cancel)
        _Importer(case, source, opts, result, progress, cancel, on_item).run()
        return result


def _validate(source: ExportSource, opts: ImportOptions, cancel: CancelToken | None) -> None:
    with source.open_result() as stream:
        for n, _ in enumerate(iter_export(stream, max_messages=opts.max_messages)):
            if cancel is not None and n % 2048 == 0:
                cancel.raise_if_cancelled()


class _Importer:
    def __init__(self, case: Case, source: ExportSource, opts: ImportOptions, result: TelegramImportResult,
                 progress: ProgressCallback | None, cancel: CancelToken | None,
                 on_item: Callable[[Item], None] | None) -> None:
        self.case = case
        self.source = source
        self.opts = opts
        self.result = result
        self.progress = progress
        self.cancel = cancel
        self.on_item = on_item
        self.result_json_size = source.result_size()
        self.messages_done = 0
        # Per chat:
        self.draft: ItemDraft | None = None
        self.chat: ChatImport | None = None
        self.rows: list[tuple[Any, ...]] = []
        self.stored: dict[str, MediaRef] = {}
        self.result_json: StoredObject | None = None

    def run(self) -> None:
        try:
            with self.source.open_result() as stream:
                for ev in iter_export(stream, max_messages=self.opts.max_messages):
                    if ev.kind == "chat_start" and ev.chat is not None:
                        self._begin(ev.chat)
                    elif ev.kind == "message" and ev.message is not None and ev.chat is not None:
                        if self.chat is None or self.chat.header is not ev.chat:
                            self._begin(ev.chat)
                        self._message(ev.message)
                    elif ev.kind == "chat_end" and ev.chat is not None:
                        if self.chat is None or self.chat.header is not ev.chat:
                            self._begin(ev.chat)
                        self._finish()
                    elif ev.kind == "account" and ev.account is not None:
                        self.result.account = ev.account
        except ExportFormatError as exc:
            if not self.opts.allow_partial:
                raise
            self.result.error = exc.message
            if self.chat is not None and self.chat.messages:
                self.chat.truncated = True
                self.chat.problems.append(exc.message)
                self._finish()
            self.draft = None
            self.chat = None

    # ---- per chat ----
    def _begin(self, header: ChatHeader) -> None:
        if self.chat is not None and self.chat.header is not header:
            self._finish()
        self.chat = ChatImport(header=header)
        self.rows = []
        self.stored = {}
        self.draft = self.case.new_item(KIND, source=self.source.description, title=header.name or "Telegram chat",
                                        action=ledger.IMPORTED, platform="telegram")
        meta = {"export_path": "result.json"}
        if self.result_json is not None and self.case.objects.exists(self.result_json.name):
            # An account export: every chat item holds the same result.json; read and store it once.
            self.draft.add_stored(self.result_json, role="export_json", name="result.json",
                                  mime="application/json", metadata=meta)
            return
        with self.source.open_result() as f:
            self.result_json = self.draft.add_stream(f, role="export_json", name="result.json",
                                                     mime="application/json", size_hint=self.result_json_size,
                                                     metadata=meta, cancel=self.cancel)

    def _message(self, msg: Message) -> None:
        assert self.chat is not None and self.draft is not None
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()
        for ref in msg.media:
            self._media(msg, ref)
        if not msg.date_utc and msg.date_local and self.opts.utc_offset_minutes is not None:
            msg.date_utc = local_to_utc(msg.date_local, self.opts.utc_offset_minutes)
            msg.utc_offset_s = self.opts.utc_offset_minutes * 60
        if not msg.edited_utc and msg.edited_local and self.opts.utc_offset_minutes is not None:
            msg.edited_utc = local_to_utc(msg.edited_local, self.opts.utc_offset_minutes)
        self.chat.messages += 1
        self.messages_done += 1
        self.rows.append(_row(msg, self.chat.messages))
        if self.progress is not None and self.messages_done % 200 == 0:
            self.progress(self.messages_done, 0, self.chat.header.name)

    def _media(self, msg: Message, ref: MediaRef) -> None:
        assert self.chat is not None and self.draft is not None
        if ref.status == "not_included":
            self.chat.media_not_included += 1
            return
        if ref.status == "refused":
            self._refuse(msg, ref, ref.note)
            return
        try:
            clean = self.source.normalise(ref.path)
            seen = self.stored.get(clean)
            if seen is not None:
                ref.status, ref.sha256, ref.size = seen.status, seen.sha256, seen.size
                return
            if not self.source.exists(clean):
                ref.status = "missing"
                ref.note = "the file is not in the export"
                self._problem(self.chat.media_missing, f"message {msg.id}: {ref.path}")
                return
            size = self.source.size(clean)
            role = "thumbnail" if ref.kind == "thumbnail" else "media"
            with self.source.open(clean) as f:
                stored = self.draft.add_stream(
                    f, role=role, name=clean.rsplit("/", 1)[-1], size_hint=size,
                    metadata={"export_path": clean, "message_id": msg.id, "media_kind": ref.kind},
                    cancel=self.cancel)
        except MediaPathError as exc:
            self._refuse(msg, ref, exc.message)
            return
        except InputError as exc:  # a damaged zip member: reported, the rest goes on
            ref.status = "missing"
            ref.note = f"unreadable: {exc.message}"
            self._problem(self.chat.media_missing, f"message {msg.id}: {ref.path} ({exc.message})")
            return
        except OSError as exc:
            ref.status = "missing"
            ref.note = f"unreadable: {exc.strerror or exc}"
            self._problem(self.chat.media_missing, f"message {msg.id}: {ref.path} ({ref.note})")
            return
        ref.status, ref.sha256, ref.size = "ok", stored.sha256, stored.size
        self.stored[clean] = ref
        self.chat.media_stored += 1

    def _refuse(self, msg: Message, ref: MediaRef, why: str) -> None:
        assert self.chat is not None
        ref.status = "refused"
        ref.note = why
        self._problem(self.chat.media_refused, f"message {msg.id}: {ref.path!r}: {why}")

    def _problem(self, bucket: list[str], text: str) -> None:
        assert self.chat is not None
        if bucket is self.chat.media_missing:
            self.chat.missing_count += 1
        else:
            self.chat.refused_count += 1
        if len(bucket) < MAX_LISTED_PROBLEMS:  # the counts stay exact; the lists are capped
            bucket.append(text)

    def _finish(self) -> None:
        chat, draft = self.chat, self.draft
        if chat is None or draft is None:
            return
        self.chat, self.draft = None, None
        header = chat.header
        public = self.opts.public_names.get(str(header.id), self.opts.public_names.get("", ""))
        rows = self.rows
        self.rows = []
        dates = [r[3] for r in rows if r[3]]  # row layout: see _row()
        first, last = (min(dates), max(dates)) if dates else ("", "")
        offsets = sorted({r[5] for r in rows if r[5] is not None})
        no_unix = sum(1 for r in rows if not r[3] and r[4])
        if no_unix and self.opts.utc_offset_minutes is None:
            chat.problems.append(f"{no_unix} message date(s) have no Unix time in the export: their UTC time is "
                                 "unknown (give the exporting computer's UTC offset to convert them)")
        if chat.missing_count:
            chat.problems.append(f"{chat.missing_count} media file(s) named in result.json are missing")
        if chat.refused_count:
            chat.problems.append(f"{chat.refused_count} media path(s) point outside the export and were "
                                 "refused")
        draft.title = header.name or f"Telegram chat {header.id}"
        draft.source = f"{self.source.description} (chat {header.id})" if header.id is not None \
            else self.source.description
        meta: dict[str, Any] = {
            "chat_id": header.id, "chat_name": header.name, "chat_type": header.type, "section": header.section,
            "public_name": public, "messages": chat.messages, "first_date_utc": first, "last_date_utc": last,
            "media_stored": chat.media_stored, "media_missing": chat.media_missing,
            "media_refused": chat.media_refused, "media_not_included": chat.media_not_included,
            "partial": chat.partial, "truncated": chat.truncated, "utc_offsets_seconds": offsets,
            "export": {"path": self.source.description,
                       "container": "folder" if isinstance(self.source, FolderSource) else "zip",
                       "format": "Telegram Desktop JSON"},
            "problems": chat.problems,
        }
        if self.opts.utc_offset_minutes is not None:
            meta["assumed_utc_offset_minutes"] = self.opts.utc_offset_minutes
        if header.extra:
            meta["chat_fields"] = header.extra
        draft.metadata["telegram"] = meta
        draft.details["telegram"] = {
            "chat_id": header.id, "chat_type": header.type, "messages": chat.messages,
            "media_stored": chat.media_stored, "media_missing": chat.missing_count,
            "media_refused": chat.refused_count, "media_not_included": chat.media_not_included,
            "partial": 1 if chat.partial else 0, "importer": f"evidence-kit {__version__}",
        }
        draft.notes = self.opts.note
        draft.tags = list(self.opts.tags)
        conn = self.case.conn

        def write_rows(d: ItemDraft, exhibit: str) -> None:
            # Runs inside the commit: the item's id is the next one (the commit assigns it the same way).
            item_id = int(conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]) + 1
            conn.execute(
                "INSERT INTO telegram_chats(item_id, chat_id, name, type, public_name, section, messages, "
                "media_stored, media_missing, media_refused, media_not_included, partial, first_date_utc, "
                "last_date_utc, problems) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (item_id, header.id, header.name, header.type, public, header.section, chat.messages,
                 chat.media_stored, chat.missing_count, chat.refused_count, chat.media_not_included,
                 1 if chat.partial else 0, first, last, json.dumps(chat.problems, ensure_ascii=False)))
            conn.executemany(
                "INSERT INTO telegram_messages(item_id, seq, msg_id, type, date_utc, date_local, utc_offset_s, "
                "edited_utc, edited_local, sender, sender_id, forwarded_from, forwarded_from_id, saved_from, "
                "via_bot, reply_to, action, text, entities, media_type, media, details, unknown_fields, summary, "
                "link, link_note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                ((item_id, *r, *message_link(header.type, header.id, public, r[1])) for r in rows))

        draft.finalizers.append(write_rows)
        item = draft.commit()
        chat.item = item
        self.result.chats.append(chat)
        self.result.hook_failures.extend(draft.hook_failures)
        if self.on_item is not None:
            self.on_item(item)


def _row(msg: Message, seq: int) -> tuple[Any, ...]:
    """The compact form kept until the chat is committed (column order of telegram_messages)."""
    dumps = json.dumps
    return (seq, msg.id, msg.type, msg.date_utc, msg.date_local, msg.utc_offset_s, msg.edited_utc,
            msg.edited_local, msg.sender, msg.sender_id, msg.forwarded_from, msg.forwarded_from_id,
            msg.saved_from, msg.via_bot, msg.reply_to, msg.action, msg.text,
            dumps(msg.entities, ensure_ascii=False), msg.media_type,
            dumps([m.to_json() for m in msg.media], ensure_ascii=False),
            dumps(msg.details, ensure_ascii=False), dumps(msg.unknown_fields, ensure_ascii=False), msg.summary)


def parse_public_names(values: list[str]) -> dict[str, str]:
    """CLI form: NAME (every chat of the export) or CHAT_ID=NAME."""
    names: dict[str, str] = {}
    for v in values:
        key, sep, name = v.partition("=")
        if not sep:
            key, name = "", v
        name = name.strip().lstrip("@")
        if not name or not all(c.isalnum() or c == "_" for c in name):
            raise InputError(f"{v!r} is not a public Telegram name (letters, digits and _). / "
                             "공개 이름이 올바르지 않습니다.")
        names[key.strip()] = name
    return names

