"""Parsing Telegram Desktop's result.json, incrementally.

Telegram Desktop ("Export chat history", format JSON) writes either one chat
({"name", "type", "id", "messages": [...]}) or a whole account ({"personal_information", …,
"chats": {"list": [chat, …]}, "left_chats": {"list": [...]}}). The file can be gigabytes, so it is
read as a stream of JSON events (ijson) and each message is built on its own: memory grows with
the compact message records, never with the file.

Field names follow Telegram Desktop's export writer (export_output_json.cpp). Fields this module
does not know are kept in each message's `details` and listed in `unknown_fields`, never fatal.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO

import ijson

from ..errors import InputError


class ExportFormatError(InputError):
    """result.json is not valid JSON, is truncated, or is not a Telegram Desktop export."""

    def __init__(self, message: str, *, messages_read: int = 0) -> None:
        super().__init__(message)
        self.messages_read = messages_read


# Media fields that hold a path inside the export, by the kind of reference they are.
MEDIA_PATH_FIELDS = ("photo", "file", "thumbnail", "contact_vcard")
# Placeholders Telegram Desktop writes instead of a path when a file was not exported.
NOT_INCLUDED_PREFIX = "("

# Fields every message reading turns into columns; everything else lands in `details`.
_CORE_FIELDS = frozenset({
    "id", "type", "date", "date_unixtime", "edited", "edited_unixtime", "from", "from_id", "actor",
    "actor_id", "forwarded_from", "forwarded_from_id", "saved_from", "via_bot", "reply_to_message_id",
    "reply_to_peer_id", "text", "text_entities", "photo", "file", "thumbnail", "contact_vcard",
    "media_type", "action",
})
# Fields Telegram Desktop is known to write (so anything else is reported as unknown).
KNOWN_FIELDS = _CORE_FIELDS | frozenset({
    "width", "height", "duration_seconds", "mime_type", "sticker_emoji", "file_name", "file_size",
    "photo_file_size", "thumbnail_file_size", "contact_vcard_file_size", "performer", "title",
    "poll", "contact_information", "location_information", "live_location_period_seconds",
    "place_name", "address", "game_title", "game_description", "game_link", "game_message_id",
    "invoice_information", "invoice_message_id", "members", "inviter", "message_id", "author",
    "reactions", "media_spoiler", "self_destruct_period_seconds", "new_title", "new_icon_emoji_id",
    "information_text", "score", "amount", "currency", "recurring", "discard_reason", "duration",
    "is_active", "is_missed", "period", "schedule_date", "emoticon", "cost", "days", "months",
    "boost_peer_id", "boost_peer_name", "unclaimed", "via_giveaway", "gift_code", "winners",
    "stars", "to", "to_id", "distance", "values", "reason_domain", "reason_app_id",
    "reason_app_name", "button_id", "peers", "peer_name", "peer_id", "charge_id", "amount_whole",
    "amount_nano", "is_unclaimed", "giveaway_msg_id", "transaction_id", "gift_id", "is_limited",
    "is_anonymous", "gift_text", "messages_count", "stars_count", "price_stars",
    "is_broadcast_messages_allowed", "completed", "incompleted", "items", "todo_list", "rejected",
    "comment", "price_amount_whole", "price_amount_nano", "price_currency", "user_initiated", "day",
    "month", "year", "new_creator", "inline_bot_buttons", "paid_stars_amount", "giveaway_information",
    "giveaway_results", "edited_unixtime", "signature", "forwarded_date", "forwarded_date_unixtime",
})

PRIVATE_LINK_TYPES = frozenset({"private_supergroup", "private_channel", "public_supergroup", "public_channel"})
NO_LINK_TYPES = frozenset({"personal_chat", "bot_chat", "private_group", "saved_messages"})


@dataclass
class MediaRef:
    kind: str          # photo, file, thumbnail, vcard, or the media_type (sticker, voice_message, …)
    path: str          # as written in result.json
    status: str = ""   # ok, missing, not_included, refused (set by the importer)
    note: str = ""     # the placeholder text or the reason for refusing
    sha256: str = ""
    size: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "status": self.status, "note": self.note,
                "sha256": self.sha256, "size": self.size}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> MediaRef:
        return cls(str(d.get("kind", "")), str(d.get("path", "")), str(d.get("status", "")),
                   str(d.get("note", "")), str(d.get("sha256", "")), int(d.get("size", 0) or 0))


@dataclass
class Message:
    id: int
    type: str                           # message, service, unsupported, …
    date_local: str = ""                # as written (the exporting computer's local time)
    date_utc: str = ""                  # ISO 8601 UTC; "" when the export has no Unix time
    utc_offset_s: int | None = None     # local minus UTC, as the export shows it
    edited_utc: str = ""
    edited_local: str = ""
    sender: str = ""
    sender_id: str = ""
    forwarded_from: str = ""
    forwarded_from_id: str = ""
    saved_from: str = ""
    via_bot: str = ""
    reply_to: int | None = None
    reply_to_peer: str = ""
    action: str = ""
    text: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)
    media_type: str = ""
    media: list[MediaRef] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    unknown_fields: list[str] = field(default_factory=list)
    link: str = ""

    @property
    def summary(self) -> str:
        """Text to show or cite: the message text, or a description of what it is."""
        return describe(self)


@dataclass
class ChatHeader:
    index: int                          # position in the export (0 for a single-chat export)
    name: str = ""
    type: str = ""
    id: int | None = None
    section: str = "chat"               # chat, chats, left_chats
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParseEvent:
    kind: str                           # "chat_start", "message", "chat_end", "account"
    chat: ChatHeader | None = None
    message: Message | None = None
    account: dict[str, Any] | None = None


# ---- text --------------------------------------------------------------------------------
def flatten_text(text: Any, text_entities: Any = None) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and its entities ({type, offset, length, …} in code points) from either
    `text_entities` (newer exports) or `text` (a string, or a list of strings and entity objects)."""
    parts: list[Any]
    if isinstance(text_entities, list) and text_entities:
        parts = text_entities
    elif isinstance(text, list):
        parts = text
    elif text is None:
        return "", []
    else:
        return _scalar_text(text), []
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    offset = 0
    for part in parts:
        if isinstance(part, dict):
            piece = _scalar_text(part.get("text", ""))
            kind = str(part.get("type", "plain") or "plain")
            if kind != "plain" and piece:
                ent: dict[str, Any] = {"type": kind, "offset": offset, "length": len(piece)}
                for key, value in part.items():
                    if key not in ("type", "text"):
                        ent[key] = _plain(value)
                entities.append(ent)
        else:
            piece = _scalar_text(part)
        out.append(piece)
        offset += len(piece)
    return "".join(out), entities


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return ""


def _plain(value: Any) -> Any:
    """A JSON value with floats made strings (ledger- and SQLite-friendly, exact)."""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# ---- dates -------------------------------------------------------------------------------
def _iso_from_unix(value: Any) -> str:
    try:
        seconds = int(str(value).strip())
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        return ""


def _offset(local: str, utc_iso: str) -> int | None:
    try:
        loc = datetime.fromisoformat(local)
        utc = datetime.fromisoformat(utc_iso.replace("Z", "+00:00")).replace(tzinfo=None)
    except (ValueError, TypeError):
        return None
    if loc.tzinfo is not None:
        return None
    return int((loc - utc).total_seconds())


def local_to_utc(local: str, offset_minutes: int) -> str:
    """A naive local export time read with a stated UTC offset (for old exports without Unix time)."""
    try:
        loc = datetime.fromisoformat(local)
    except (ValueError, TypeError):
        return ""
    if loc.tzinfo is not None:
        return loc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    from datetime import timedelta

    return (loc - timedelta(minutes=offset_minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- messages ----------------------------------------------------------------------------
def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def parse_message(raw: Any, position: int) -> Message:
    """One message object (whatever its shape) to a Message; never raises on odd content."""
    if not isinstance(raw, dict):
        return Message(id=-1, type="invalid", details={"value": _plain(raw)}, text="",
                       unknown_fields=["(not an object)"])
    mid = _int_or_none(raw.get("id"))
    msg = Message(id=mid if mid is not None else -1, type=_str(raw.get("type")) or "message")
    msg.date_local = _str(raw.get("date"))
    if "date_unixtime" in raw:
        msg.date_utc = _iso_from_unix(raw.get("date_unixtime"))
        if msg.date_utc and msg.date_local:
            msg.utc_offset_s = _offset(msg.date_local, msg.date_utc)
    msg.edited_local = _str(raw.get("edited"))
    if "edited_unixtime" in raw:
        msg.edited_utc = _iso_from_unix(raw.get("edited_unixtime"))
    if msg.type == "service":
        msg.sender, msg.sender_id = _str(raw.get("actor")), _str(raw.get("actor_id"))
        if not msg.sender and "from" in raw:
            msg.sender, msg.sender_id = _str(raw.get("from")), _str(raw.get("from_id"))
    else:
        msg.sender, msg.sender_id = _str(raw.get("from")), _str(raw.get("from_id"))
    msg.forwarded_from = _str(raw.get("forwarded_from"))
    msg.forwarded_from_id = _str(raw.get("forwarded_from_id"))
    msg.saved_from = _str(raw.get("saved_from"))
    msg.via_bot = _str(raw.get("via_bot"))
    msg.reply_to = _int_or_none(raw.get("reply_to_message_id"))
    msg.reply_to_peer = _str(raw.get("reply_to_peer_id"))
    msg.action = _str(raw.get("action"))
    msg.text, msg.entities = flatten_text(raw.get("text"), raw.get("text_entities"))
    msg.media_type = _str(raw.get("media_type"))
    for key in MEDIA_PATH_FIELDS:
        value = raw.get(key)
        if value is None or value == "":
            continue
        if key == "file":
            kind = msg.media_type or "file"
        elif key == "contact_vcard":
            kind = "vcard"
        elif key == "photo" and msg.type == "service":
            kind = "service_photo"
        else:
            kind = key
        if not isinstance(value, str):
            msg.media.append(MediaRef(kind, "", status="refused", note="the path is not a string"))
        elif value.startswith(NOT_INCLUDED_PREFIX):
            msg.media.append(MediaRef(kind, "", status="not_included", note=value))
        else:
            msg.media.append(MediaRef(kind, value))
    msg.details = {k: _plain(v) for k, v in raw.items() if k not in _CORE_FIELDS}
    msg.unknown_fields = sorted(k for k in raw if k not in KNOWN_FIELDS)
    return msg


def message_link(chat_type: str, chat_id: int | None, public_name: str, msg_id: int) -> tuple[str, str]:
    """(link, reason when there is none). Public chats: t.me/<name>/<id> (the name is not in the
    export, so it is given at import); supergroups and channels: t.me/c/<id>/<msg>, which opens
    for members; personal chats and basic groups have no message links."""
    if msg_id < 0:
        return "", "the message has no id"
    name = public_name.strip().lstrip("@")
    if name:
        return f"https://t.me/{name}/{msg_id}", ""
    if chat_type in PRIVATE_LINK_TYPES and chat_id is not None:
        bare = str(chat_id)
        if bare.startswith("-100"):
            bare = bare[4:]
        bare = bare.lstrip("-")
        return f"https://t.me/c/{bare}/{msg_id}", ""
    if chat_type in NO_LINK_TYPES:
        return "", f"no message links exist for a {chat_type.replace('_', ' ')}"
    return "", f"no link: unknown chat type {chat_type!r}"


# ---- descriptions ------------------------------------------------------------------------
def describe(msg: Message) -> str:
    """The text of a message, or a one-line description of what it carries (poll, contact,
    location, service action), for lists and citations."""
    d = msg.details
    bits: list[str] = []
    if msg.type == "service":
        action = msg.action or "service"
        what = action.replace("_", " ")
        extra = []
        for key in ("title", "new_title", "members", "message_id", "inviter", "information_text",
                    "duration_seconds", "discard_reason", "period", "emoticon", "new_creator"):
            if key in d and d[key] not in ("", None, []):
                val = d[key]
                extra.append(f"{key.replace('_', ' ')}: {', '.join(map(str, val)) if isinstance(val, list) else val}")
        text = f"[{msg.sender + ': ' if msg.sender else ''}{what}{' (' + '; '.join(extra) + ')' if extra else ''}]"
        return (text + " " + msg.text).strip() if msg.text else text
    if isinstance(d.get("poll"), dict):
        poll = d["poll"]
        answers = poll.get("answers") if isinstance(poll.get("answers"), list) else []
        opts = ", ".join(f"{_str(a.get('text'))} ({_str(a.get('voters'))})" for a in answers if isinstance(a, dict))
        bits.append(f"[Poll] {_str(poll.get('question'))}" + (f" — {opts}" if opts else ""))
    if isinstance(d.get("contact_information"), dict):
        c = d["contact_information"]
        name = " ".join(x for x in (_str(c.get("first_name")), _str(c.get("last_name"))) if x)
        bits.append(f"[Contact] {name} {_str(c.get('phone_number'))}".strip())
    if isinstance(d.get("location_information"), dict):
        loc = d["location_information"]
        place = " ".join(x for x in (_str(d.get("place_name")), _str(d.get("address"))) if x)
        live = " (live)" if "live_location_period_seconds" in d else ""
        bits.append(f"[Location{live}] {_str(loc.get('latitude'))}, {_str(loc.get('longitude'))} {place}".strip())
    if d.get("game_title"):
        bits.append(f"[Game] {_str(d.get('game_title'))}")
    if isinstance(d.get("invoice_information"), dict):
        bits.append(f"[Invoice] {_str(d['invoice_information'].get('title'))}")
    for m in msg.media:
        label = m.kind.replace("_", " ")
        if m.kind == "thumbnail":
            continue
        if m.status == "not_included":
            bits.append(f"[{label}: not included in the export]")
        else:
            emoji = _str(d.get("sticker_emoji")) if m.kind == "sticker" else ""
            bits.append(f"[{label}{': ' + emoji if emoji else ''}]")
    if msg.type not in ("message", "service") and not bits and not msg.text:
        bits.append(f"[{msg.type}]")
    if msg.text:
        bits.append(msg.text)
    return " ".join(bits)


# ---- the stream --------------------------------------------------------------------------
_SCALARS = ("string", "number", "boolean", "null")
_CHAT_PREFIXES = {"chats.list.item": "chats", "left_chats.list.item": "left_chats"}
_ACCOUNT_KEYS = ("personal_information",)


def iter_export(stream: BinaryIO, *, max_messages: int = 5_000_000) -> Iterator[ParseEvent]:
    """Parse events of a result.json, one chat and one message at a time.

    Raises ExportFormatError for invalid or truncated JSON (after yielding every message read
    before the damage, so a caller may keep them as a partial import) and for JSON that is not
    a Telegram export."""
    chat: ChatHeader | None = None
    chat_prefix = ""
    n_chats = 0
    n_messages = 0
    top_level_chat = False
    builder: Any = None
    depth = 0
    account: dict[str, Any] = {}
    first = True
    try:
        for prefix, event, value in ijson.parse(stream, use_float=True):
            if first:
                first = False
                if event != "start_map":
                    raise ExportFormatError("result.json is not a Telegram Desktop export (the top level is "
                                            "not an object). / 텔레그램 데스크톱 내보내기 파일이 아닙니다.")
            if builder is not None:
                builder.event(event, value)
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                if depth == 0:
                    n_messages += 1
                    if n_messages > max_messages:
                        raise ExportFormatError(
                            f"The export has more than {max_messages} messages, over this tool's limit; "
                            "export the chat in parts (by date range). / 메시지가 너무 많습니다. 기간을 나누어 "
                            "내보내세요.", messages_read=n_messages - 1)
                    yield ParseEvent("message", chat=chat, message=parse_message(builder.value, n_messages))
                    builder = None
                continue
            # A chat of an account export begins or ends.
            if prefix in _CHAT_PREFIXES and event == "start_map":
                chat = ChatHeader(index=n_chats, section=_CHAT_PREFIXES[prefix])
                chat_prefix = prefix + "."
                n_chats += 1
                continue
            if prefix in _CHAT_PREFIXES and event == "end_map" and chat is not None:
                yield ParseEvent("chat_end", chat=chat)
                chat = None
                chat_prefix = ""
                continue
            # The single-chat export: the top level is the chat.
            if chat is None and prefix == "messages" and event == "start_array":
                top_level_chat = True
                chat = ChatHeader(index=0, section="chat", **_top_header(account))
                n_chats += 1
                yield ParseEvent("chat_start", chat=chat)
                continue
            if chat is not None and prefix == chat_prefix + "messages.item" and event in ("start_map", "start_array"):
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                depth = 1
                continue
            if chat is not None and prefix == chat_prefix + "messages.item" and event in _SCALARS:
                n_messages += 1
                yield ParseEvent("message", chat=chat, message=parse_message(value, n_messages))
                continue
            if chat is not None and prefix == chat_prefix + "messages" and event == "start_array" and chat_prefix:
                yield ParseEvent("chat_start", chat=chat)
                continue
            if chat is not None and prefix.startswith(chat_prefix) and event in _SCALARS:
                key = prefix[len(chat_prefix):]
                if "." in key:
                    continue
                _set_header(chat, key, value)
                continue
            if prefix in ("name", "type", "id") and event in _SCALARS:
                if top_level_chat and chat is not None:
                    _set_header(chat, prefix, value)
                else:
                    account[prefix] = value
                continue
            if prefix.startswith("personal_information.") and event in _SCALARS and prefix.count(".") == 1:
                account.setdefault("personal_information", {})[prefix.split(".", 1)[1]] = _plain(value)
    except ijson.JSONError as exc:
        if first:
            raise ExportFormatError("result.json is empty or not JSON. / result.json이 비어 있거나 JSON이 아닙니다.") \
                from None
        raise ExportFormatError(
            f"result.json is not valid JSON or is cut short ({_short(exc)}); {n_messages} message(s) were "
            "readable before the damage. / result.json이 손상되었거나 잘렸습니다.",
            messages_read=n_messages) from None
    except UnicodeDecodeError:
        raise ExportFormatError("result.json is not UTF-8 text. / result.json이 UTF-8 텍스트가 아닙니다.",
                                messages_read=n_messages) from None
    if first:
        raise ExportFormatError("result.json is empty. / result.json이 비어 있습니다.")
    if top_level_chat and chat is not None:
        yield ParseEvent("chat_end", chat=chat)
    elif n_chats == 0:
        raise ExportFormatError("result.json holds no chats: is it a Telegram Desktop chat or account export? / "
                                "result.json에 대화가 없습니다.")
    if account:
        yield ParseEvent("account", account=account)


def _top_header(account: dict[str, Any]) -> dict[str, Any]:
    header: dict[str, Any] = {}
    if "name" in account:
        header["name"] = _str(account.pop("name"))
    if "type" in account:
        header["type"] = _str(account.pop("type"))
    if "id" in account:
        header["id"] = _int_or_none(account.pop("id"))
    return header


def _set_header(chat: ChatHeader, key: str, value: Any) -> None:
    if key == "name":
        chat.name = _str(value)
    elif key == "type":
        chat.type = _str(value)
    elif key == "id":
        chat.id = _int_or_none(value)
    else:
        chat.extra[key] = _plain(value)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
