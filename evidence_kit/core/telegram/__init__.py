"""Telegram Desktop chat exports: import (importer.py), parsing (parser.py), safe reading of
the export (source.py), and reading an imported chat back: its messages, their links, and
citations other features (reports, platform requests) can quote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..case import Artifact, Case, Item
from ..errors import InputError
from ..roles import Permission
from .importer import KIND, ChatImport, ImportOptions, TelegramImportResult, import_telegram, parse_public_names
from .parser import ExportFormatError, MediaRef, Message
from .source import MediaPathError, ZipLimits

__all__ = ["KIND", "ChatImport", "ChatInfo", "Citation", "ExportFormatError", "ImportOptions", "MediaPathError",
           "MediaRef", "Message", "TelegramImportResult", "ZipLimits", "chat_info", "citation_text", "cite",
           "import_telegram", "media_artifacts", "message_count", "message_json", "messages", "parse_public_names",
           "show_json"]


@dataclass(frozen=True)
class ChatInfo:
    item_id: int
    exhibit: str
    chat_id: int | None
    name: str
    type: str
    public_name: str
    messages: int
    media_stored: int
    media_missing: int
    media_refused: int
    media_not_included: int
    partial: bool
    first_date_utc: str
    last_date_utc: str
    problems: list[str]

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Citation:
    """One message as it is quoted in a report or a request."""

    exhibit: str
    chat: str
    chat_id: int | None
    message_id: int
    date_utc: str
    date_local: str
    sender: str
    sender_id: str
    text: str
    link: str
    link_note: str
    forwarded_from: str
    reply_to: int | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _item(case: Case, item: Item | str | int) -> Item:
    it = item if isinstance(item, Item) else case.item(item)
    if it.kind != "telegram":
        raise InputError(f"{it.exhibit} is not a Telegram chat. / 텔레그램 대화 증거물이 아닙니다.")
    return it


def chat_info(case: Case, item: Item | str | int) -> ChatInfo:
    case.require(Permission.READ)
    it = _item(case, item)
    r = case.conn.execute("SELECT * FROM telegram_chats WHERE item_id = ?", (it.id,)).fetchone()
    if r is None:
        raise InputError(f"{it.exhibit} has no indexed messages. / 메시지 색인이 없습니다.")
    return ChatInfo(it.id, it.exhibit, r["chat_id"], r["name"], r["type"], r["public_name"], int(r["messages"]),
                    int(r["media_stored"]), int(r["media_missing"]), int(r["media_refused"]),
                    int(r["media_not_included"]), bool(r["partial"]), r["first_date_utc"], r["last_date_utc"],
                    list(json.loads(r["problems"])))


def _message_from_row(r: Any) -> Message:
    return Message(
        id=int(r["msg_id"]), type=r["type"], date_local=r["date_local"], date_utc=r["date_utc"],
        utc_offset_s=r["utc_offset_s"], edited_utc=r["edited_utc"], edited_local=r["edited_local"],
        sender=r["sender"], sender_id=r["sender_id"], forwarded_from=r["forwarded_from"],
        forwarded_from_id=r["forwarded_from_id"], saved_from=r["saved_from"], via_bot=r["via_bot"],
        reply_to=r["reply_to"], action=r["action"], text=r["text"], entities=json.loads(r["entities"]),
        media_type=r["media_type"], media=[MediaRef.from_json(m) for m in json.loads(r["media"])],
        details=json.loads(r["details"]), unknown_fields=json.loads(r["unknown_fields"]), link=r["link"])


def message_count(case: Case, item: Item | str | int, *, query: str = "") -> int:
    case.require(Permission.READ)
    it = _item(case, item)
    sql, args = _where(it.id, None, query)
    return int(case.conn.execute(f"SELECT count(*) FROM telegram_messages {sql}", args).fetchone()[0])  # noqa: S608


def _where(item_id: int, ids: Iterable[int] | None, query: str) -> tuple[str, list[Any]]:
    sql = "WHERE item_id = ?"
    args: list[Any] = [item_id]
    if ids is not None:
        id_list = sorted({int(i) for i in ids})
        if not id_list:
            return sql + " AND 0", args
        sql += f" AND msg_id IN ({','.join('?' * len(id_list))})"
        args += id_list
    if query.strip():
        like = "%" + query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql += (" AND (summary LIKE ? ESCAPE '\\' OR sender LIKE ? ESCAPE '\\' OR forwarded_from LIKE ? "
                "ESCAPE '\\')")
        args += [like, like, like]
    return sql, args


def messages(case: Case, item: Item | str | int, *, ids: Iterable[int] | None = None, query: str = "",
             offset: int = 0, limit: int | None = None) -> list[Message]:
    """Messages of a chat item in export order, optionally only `ids` or those matching `query`
    (text, sender or forwarded-from; case-insensitive for ASCII)."""
    case.require(Permission.READ)
    it = _item(case, item)
    sql, args = _where(it.id, ids, query)
    sql = f"SELECT * FROM telegram_messages {sql} ORDER BY seq"  # noqa: S608
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        args += [limit, offset]
    return [_message_from_row(r) for r in case.conn.execute(sql, args)]


def cite(case: Case, item: Item | str | int, ids: Iterable[int]) -> list[Citation]:
    """Citations of the selected messages (in chat order), for reports and platform requests.
    Unknown ids are an error, so a citation never silently drops a message."""
    it = _item(case, item)
    info = chat_info(case, it)
    wanted = sorted({int(i) for i in ids})
    found = messages(case, it, ids=wanted)
    missing = sorted(set(wanted) - {m.id for m in found})
    if missing:
        raise InputError(f"{it.exhibit} has no message(s) {', '.join(map(str, missing))}. / "
                         "해당 메시지가 없습니다.")
    out = []
    for m in found:
        link_note = "" if m.link else _link_note(case, it.id, m.id)
        out.append(Citation(it.exhibit, info.name, info.chat_id, m.id, m.date_utc, m.date_local, m.sender,
                            m.sender_id, m.summary, m.link, link_note, m.forwarded_from, m.reply_to))
    return out


def _link_note(case: Case, item_id: int, msg_id: int) -> str:
    r = case.conn.execute("SELECT link_note FROM telegram_messages WHERE item_id = ? AND msg_id = ? LIMIT 1",
                          (item_id, msg_id)).fetchone()
    return str(r[0]) if r else ""


def citation_text(citations: Iterable[Citation], lang: str = "en") -> str:
    """Plain text citations, one block per message (UTC time; the link or why there is none)."""
    ko = lang == "ko"
    blocks = []
    for c in citations:
        when = c.date_utc.replace("T", " ").replace("Z", " UTC") if c.date_utc else (
            f"{c.date_local} ({'현지 시각, 시간대 불명' if ko else 'local time, zone unknown'})")
        head = f"[{c.exhibit}] {c.chat} #{c.message_id} · {when} · {c.sender or '-'}"
        if c.sender_id:
            head += f" ({c.sender_id})"
        lines = [head]
        if c.forwarded_from:
            lines.append(("전달됨: " if ko else "Forwarded from: ") + c.forwarded_from)
        if c.reply_to is not None:
            lines.append(("답장 대상: #" if ko else "In reply to: #") + str(c.reply_to))
        lines.append(c.text)
        lines.append(c.link or (("링크 없음: " if ko else "No link: ") + c.link_note))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def media_artifacts(item: Item, ref: MediaRef) -> Artifact | None:
    """The stored artifact a message's media reference points to (None when not stored)."""
    if ref.status != "ok":
        return None
    for a in item.artifacts:
        if a.sha256 == ref.sha256 and a.role in ("media", "thumbnail"):
            return a
    return None


def show_json(case: Case, item: Item, *, limit: int | None = None) -> dict[str, Any]:
    """What `show ITEM --json` adds for a Telegram chat: the chat and its messages with links."""
    info = chat_info(case, item)
    return {"chat": info.to_json(),
            "messages": [message_json(m) for m in messages(case, item, limit=limit)]}


def message_json(m: Message) -> dict[str, Any]:
    return {"id": m.id, "type": m.type, "date_utc": m.date_utc, "date_local": m.date_local,
            "utc_offset_s": m.utc_offset_s, "edited_utc": m.edited_utc, "sender": m.sender,
            "sender_id": m.sender_id, "forwarded_from": m.forwarded_from, "reply_to": m.reply_to,
            "action": m.action, "text": m.text, "entities": m.entities, "summary": m.summary,
            "media": [r.to_json() for r in m.media], "link": m.link,
            "details": m.details, "unknown_fields": m.unknown_fields}
