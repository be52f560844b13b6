"""Per-platform facts for requests, loaded from resources/platforms/<id>.json.

The files are data, editable without touching code: where to send each request type, to whom,
which identifiers the platform needs, how long it preserves data and how an extension works,
what it treats as an emergency, which languages and format it takes, and which draft fields
are required per request type. Every fact carries its source URL, an "as of" date and a status
("official" when read on the platform's own page, "secondary" when only a third-party guide
says it, "unverified" when nobody could confirm it). Files are validated on load; an error
names the file and the exact key.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeGuard

from ..errors import InputError
from ..paths import resource
from .types import REQUEST_TYPES

SCHEMA = 1
FACT_STATUSES = ("official", "secondary", "unverified")
CHANNEL_KINDS = ("portal", "email", "post", "fax", "web_form")
FACT_KEYS = ("addressee", "identifiers", "preservation", "emergency", "languages", "format")
KNOWN_PLATFORM_VALUES = ("telegram", "x", "facebook", "instagram", "youtube", "tiktok", "discord")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PlatformDataError(InputError):
    """A platform file is missing, malformed or incomplete."""


@dataclass(frozen=True)
class Fact:
    value: Any                 # text as {"en":…, "ko":…}, a number, a list, or a dict
    source: str
    as_of: str
    status: str

    def text(self, lang: str) -> str:
        v = self.value
        if isinstance(v, dict) and ("en" in v or "ko" in v):
            return str(v.get(lang) or v.get("en") or v.get("ko") or "")
        if isinstance(v, list):
            return ", ".join(str(x) for x in v)
        return str(v)

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "source": self.source, "as_of": self.as_of, "status": self.status}


@dataclass(frozen=True)
class Channel:
    kind: str                  # portal, email, post, fax, web_form
    address: str               # URL, e-mail address or postal address
    types: tuple[str, ...]     # request types this channel takes ("*" = all)
    label: dict[str, str]
    source: str
    as_of: str
    status: str

    def takes(self, request_type: str) -> bool:
        return "*" in self.types or request_type in self.types

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "address": self.address, "types": list(self.types), "label": self.label,
                "source": self.source, "as_of": self.as_of, "status": self.status}


@dataclass(frozen=True)
class Preservation:
    days: int | None           # initial period; None when unknown
    extension_days: int | None
    max_extensions: int | None  # None = no published limit
    fact: Fact


@dataclass(frozen=True)
class PlatformData:
    id: str
    name: dict[str, str]
    covers: tuple[str, ...]    # values of PlatformInfo.platform this file covers; () = any (KCSC)
    request_types: tuple[str, ...]
    required_fields: dict[str, tuple[str, ...]]
    facts: dict[str, Fact]
    channels: tuple[Channel, ...]
    preservation: Preservation
    follow_up_days: int
    path: str
    notes: dict[str, str] = field(default_factory=dict)

    def display_name(self, lang: str) -> str:
        return self.name.get(lang) or self.name.get("en") or self.id

    def required_for(self, request_type: str) -> list[str]:
        out: list[str] = []
        for key in ("*", request_type):
            for f in self.required_fields.get(key, ()):
                if f not in out:
                    out.append(f)
        return out

    def channels_for(self, request_type: str) -> list[Channel]:
        return [c for c in self.channels if c.takes(request_type)]

    def email_for(self, request_type: str) -> str:
        for c in self.channels_for(request_type):
            if c.kind == "email":
                return c.address
        return ""

    def fact_text(self, key: str, lang: str) -> str:
        f = self.facts.get(key)
        return f.text(lang) if f else ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "covers": list(self.covers),
                "request_types": list(self.request_types),
                "required_fields": {k: list(v) for k, v in self.required_fields.items()},
                "facts": {k: f.to_json() for k, f in self.facts.items()},
                "channels": [c.to_json() for c in self.channels],
                "preservation": {"days": self.preservation.days, "extension_days": self.preservation.extension_days,
                                 "max_extensions": self.preservation.max_extensions},
                "follow_up_days": self.follow_up_days, "notes": self.notes}


# -- validation -----------------------------------------------------------------------------
def _fail(where: str, message: str) -> PlatformDataError:
    return PlatformDataError(f"{where}: {message} / 플랫폼 자료 파일 오류: {where}")


def _bilingual(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not isinstance(value.get("en"), str) or not isinstance(value.get("ko"), str) \
            or not value["en"].strip() or not value["ko"].strip():
        raise _fail(where, 'needs {"en": "…", "ko": "…"}, both non-empty')
    return {"en": value["en"], "ko": value["ko"]}


def _provenance(obj: dict[str, Any], where: str) -> tuple[str, str, str]:
    source, as_of, status = obj.get("source"), obj.get("as_of"), obj.get("status")
    if not isinstance(source, str) or not (source.startswith("https://") or source.startswith("http://")):
        raise _fail(f"{where}.source", "needs the URL the fact was read from")
    if not isinstance(as_of, str) or not _DATE.match(as_of):
        raise _fail(f"{where}.as_of", "needs a date YYYY-MM-DD")
    try:
        date.fromisoformat(as_of)
    except ValueError:
        raise _fail(f"{where}.as_of", f"{as_of!r} is not a real date") from None
    if status not in FACT_STATUSES:
        raise _fail(f"{where}.status", f"must be one of {', '.join(FACT_STATUSES)}")
    return source, as_of, status


def _fact(obj: Any, where: str) -> Fact:
    if not isinstance(obj, dict) or "value" not in obj:
        raise _fail(where, 'needs {"value": …, "source": URL, "as_of": "YYYY-MM-DD", "status": …}')
    source, as_of, status = _provenance(obj, where)
    value = obj["value"]
    if isinstance(value, dict) and ("en" in value or "ko" in value):
        value = _bilingual(value, f"{where}.value")
    return Fact(value, source, as_of, status)


def _strings(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _opt_int(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 3650:
        raise _fail(where, "must be a whole number of days (0–3650) or null")
    return value


def parse_platform(data: Any, where: str, expected_id: str | None = None) -> PlatformData:
    """Validate one platform document; raise PlatformDataError naming the first problem."""
    if not isinstance(data, dict):
        raise _fail(where, "the file must hold one JSON object")
    if data.get("schema") != SCHEMA:
        raise _fail(f"{where}: schema", f"must be {SCHEMA}")
    pid = data.get("id")
    if not isinstance(pid, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", pid):
        raise _fail(f"{where}: id", "must be a short lower-case name")
    if expected_id is not None and pid != expected_id:
        raise _fail(f"{where}: id", f"is {pid!r} but the file is named {expected_id}.json")
    name = _bilingual(data.get("name"), f"{where}: name")
    covers = data.get("covers")
    if not _strings(covers) or any(c not in KNOWN_PLATFORM_VALUES for c in covers):
        raise _fail(f"{where}: covers", f"must list platforms among {', '.join(KNOWN_PLATFORM_VALUES)} "
                                         "(empty for any site)")
    types = data.get("request_types")
    if not _strings(types) or not types or any(t not in REQUEST_TYPES for t in types):
        raise _fail(f"{where}: request_types", f"must list types among {', '.join(REQUEST_TYPES)}")
    from .model import FIELDS

    required: dict[str, tuple[str, ...]] = {}
    req = data.get("required_fields")
    if not isinstance(req, dict):
        raise _fail(f"{where}: required_fields", 'must be {"*": [...], "<type>": [...]}')
    for key, names in req.items():
        if key != "*" and key not in types:
            raise _fail(f"{where}: required_fields.{key}", "is not one of this platform's request_types")
        if not _strings(names) or any(n not in FIELDS for n in names):
            unknown = [str(n) for n in (names if isinstance(names, list) else []) if str(n) not in FIELDS]
            raise _fail(f"{where}: required_fields.{key}",
                        f"unknown field(s) {', '.join(map(str, unknown)) or '(not a list)'}; "
                        f"known: {', '.join(FIELDS)}")
        required[key] = tuple(names)
    facts: dict[str, Fact] = {}
    raw_facts = data.get("facts")
    if not isinstance(raw_facts, dict):
        raise _fail(f"{where}: facts", "missing")
    for key in FACT_KEYS:
        if key not in raw_facts:
            raise _fail(f"{where}: facts.{key}", "missing (write it with status \"unverified\" if unknown)")
        facts[key] = _fact(raw_facts[key], f"{where}: facts.{key}")
    for key, obj in raw_facts.items():
        if key not in facts:
            facts[key] = _fact(obj, f"{where}: facts.{key}")
    pres = raw_facts["preservation"]
    preservation = Preservation(_opt_int(pres.get("days"), f"{where}: facts.preservation.days"),
                                _opt_int(pres.get("extension_days"), f"{where}: facts.preservation.extension_days"),
                                _opt_int(pres.get("max_extensions"), f"{where}: facts.preservation.max_extensions"),
                                facts["preservation"])
    channels: list[Channel] = []
    raw_channels = data.get("channels")
    if not isinstance(raw_channels, list) or not raw_channels:
        raise _fail(f"{where}: channels", "must list at least one channel")
    for i, ch in enumerate(raw_channels):
        cw = f"{where}: channels[{i}]"
        if not isinstance(ch, dict):
            raise _fail(cw, "must be an object")
        kind, address, ctypes = ch.get("kind"), ch.get("address"), ch.get("types", ["*"])
        if kind not in CHANNEL_KINDS:
            raise _fail(f"{cw}.kind", f"must be one of {', '.join(CHANNEL_KINDS)}")
        if not isinstance(address, str) or not address.strip():
            raise _fail(f"{cw}.address", "missing")
        if kind == "email" and not _EMAIL.match(address):
            raise _fail(f"{cw}.address", f"{address!r} is not an e-mail address")
        if kind in ("portal", "web_form") and not address.startswith("https://"):
            raise _fail(f"{cw}.address", "a portal needs an https:// URL")
        if not _strings(ctypes) or any(t != "*" and t not in types for t in ctypes):
            raise _fail(f"{cw}.types", "must list this platform's request types (or \"*\")")
        source, as_of, status = _provenance(ch, cw)
        channels.append(Channel(kind, address.strip(), tuple(ctypes), _bilingual(ch.get("label"), f"{cw}.label"),
                                source, as_of, status))
    for t in types:
        if not any(c.takes(t) for c in channels):
            raise _fail(f"{where}: channels", f"no channel takes {t!r}")
    follow = data.get("follow_up_days", 30)
    if isinstance(follow, bool) or not isinstance(follow, int) or not 1 <= follow <= 365:
        raise _fail(f"{where}: follow_up_days", "must be 1–365")
    notes = data.get("notes") or {}
    if notes:
        notes = _bilingual(notes, f"{where}: notes")
    return PlatformData(pid, name, tuple(covers), tuple(types), required, facts, tuple(channels), preservation,
                        follow, where, notes)


# -- loading --------------------------------------------------------------------------------
_cache: dict[str, tuple[tuple[tuple[str, int, int], ...], dict[str, PlatformData]]] = {}
_cache_lock = threading.Lock()


def platforms_dir() -> Path:
    return resource("platforms")


def load_platforms(folder: Path | None = None) -> dict[str, PlatformData]:
    """Every platform file, validated; re-read when a file changes (they are meant to be edited)."""
    folder = folder or platforms_dir()
    if not folder.is_dir():
        raise PlatformDataError(f"{folder}: the platform data folder is missing. / 플랫폼 자료 폴더가 없습니다.")
    files = sorted(folder.glob("*.json"))
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    with _cache_lock:
        hit = _cache.get(str(folder))
        if hit and hit[0] == stamp:
            return hit[1]
    result: dict[str, PlatformData] = {}
    for p in files:
        where = f"{p.parent.name}/{p.name}"
        try:
            data = json.loads(p.read_text("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _fail(where, f"not valid JSON ({exc})") from None
        result[p.stem] = parse_platform(data, where, expected_id=p.stem)
    if not result:
        raise PlatformDataError(f"{folder}: no platform files. / 플랫폼 자료가 없습니다.")
    with _cache_lock:
        _cache[str(folder)] = (stamp, result)
    return result


def get_platform(platform_id: str, folder: Path | None = None) -> PlatformData:
    platforms = load_platforms(folder)
    key = platform_id.strip().lower()
    key = {"twitter": "x", "kocsc": "kcsc", "방심위": "kcsc", "방송통신심의위원회": "kcsc"}.get(key, key)
    if key in platforms:
        return platforms[key]
    for p in platforms.values():  # "instagram" → meta, "youtube" → google
        if key in p.covers:
            return p
    raise InputError(f"Unknown platform {platform_id!r}: use one of {', '.join(sorted(platforms))}. / "
                     "알 수 없는 플랫폼입니다.")


def platform_for_item_platform(value: str, folder: Path | None = None) -> PlatformData | None:
    """The platform file covering an item's platform value (x, instagram, …), if any."""
    if not value:
        return None
    for p in load_platforms(folder).values():
        if value in p.covers:
            return p
    return None
