"""What a request draft is made of: its fields (from the case and the officer), the selected items
with their identifiers, and the check that refuses a draft with missing or invalid fields."""

from __future__ import annotations

import contextlib
import importlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import InputError, NotFoundError
from .platform_data import PlatformData, get_platform, platform_for_item_platform
from .types import (
    DISCLOSURE_CONTENT,
    DISCLOSURE_NONCONTENT,
    DISCLOSURE_SUBSCRIBER,
    EMERGENCY,
    KCSC_TYPES,
    PRESERVATION,
    PRESERVATION_EXTENSION,
    REMOVAL,
    parse_type,
    type_label,
)

if TYPE_CHECKING:
    from ..case import Artifact, Case, Item

KST = timezone(timedelta(hours=9), "KST")

# key: (English label, Korean label, kind). Kinds: line, text, date, email, flag, path.
FIELDS: dict[str, tuple[str, str, str]] = {
    "agency": ("Agency", "기관명", "line"),
    "agency_address": ("Agency address", "기관 주소", "line"),
    "agency_logo": ("Agency logo (image file)", "기관 로고(이미지 파일)", "path"),
    "officer_name": ("Officer name", "담당자 성명", "line"),
    "officer_title": ("Rank / title", "계급·직위", "line"),
    "badge": ("Badge number", "경찰공무원 번호", "line"),
    "officer_email": ("Official e-mail", "공식 이메일", "email"),
    "officer_phone": ("Official phone", "공식 전화번호", "line"),
    "case_number": ("Case number", "사건 번호", "line"),
    "offence": ("Offence", "죄명", "line"),
    "legal_articles": ("Legal articles", "적용 법조", "line"),
    "summary": ("Summary of the facts", "사건 개요", "text"),
    "date_from": ("Records from (date)", "요청 기간 시작일", "date"),
    "date_to": ("Records to (date)", "요청 기간 종료일", "date"),
    "data_categories": ("Data categories", "요청 자료 범위", "text"),
    "legal_process": ("Legal process (warrant / order)", "영장·법적 근거", "line"),
    "emergency_facts": ("Emergency: facts showing imminent danger", "긴급 사유(생명·신체 위험 사실)", "text"),
    "preservation_reference": ("Platform's reference of the preservation", "플랫폼의 보전 접수 번호", "line"),
    "parent": ("Request being extended (our reference)", "연장 대상 요청(당 기관 문서번호)", "line"),
    "non_disclosure": ("Ask the platform not to notify the user", "이용자 통지 유예 요청", "flag"),
    "child_safety": ("Child-safety matter", "아동·청소년 관련 사안", "flag"),
}
# Fields remembered from the officer's previous request (contact details rarely change).
REMEMBERED = ("agency", "agency_address", "agency_logo", "officer_name", "officer_title", "badge",
              "officer_email", "officer_phone")
MAX_FIELD_CHARS = 8000
MAX_HASHES_PER_ITEM = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
AT_HANDLES = frozenset({"x", "instagram", "tiktok", "telegram", "youtube"})
_HOSTS = {  # used only when the platforms module is not available
    "t.me": "telegram", "telegram.me": "telegram", "telegram.dog": "telegram",
    "x.com": "x", "twitter.com": "x", "mobile.twitter.com": "x",
    "facebook.com": "facebook", "fb.watch": "facebook", "instagram.com": "instagram",
    "youtube.com": "youtube", "youtu.be": "youtube", "tiktok.com": "tiktok",
    "discord.com": "discord", "discordapp.com": "discord", "discord.gg": "discord",
}


def field_label(key: str, lang: str) -> str:
    en, ko, _ = FIELDS.get(key, (key, key, "line"))
    return ko if lang == "ko" else en


def is_yes(value: str) -> bool:
    return value.strip().lower() in ("1", "y", "yes", "true", "on", "예", "네")


# -- items ----------------------------------------------------------------------------------
@dataclass
class HashEntry:
    role: str
    name: str
    mime: str
    size: int
    sha256: str
    md5: str
    pdq: str = ""

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ItemIdentifiers:
    exhibit: str
    title: str
    kind: str
    platform: str                # item's platform value (x, instagram, …) or ""
    platform_kind: str           # post, account, message, …
    canonical_url: str
    ids: dict[str, str]
    handle: str
    handle_observed: str         # UTC date the handle was observed (the capture)
    captured_utc: str
    captured_kst: str
    hashes: list[HashEntry] = field(default_factory=list)
    hashes_omitted: int = 0
    # cited messages of a Telegram chat item: id, date_utc, sender, sender_id, link (never the text)
    messages: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["hashes"] = [h.to_json() for h in self.hashes]
        return d


def utc_and_kst(iso: str) -> tuple[str, str]:
    """'2026-03-01T12:00:00.000Z' → ('2026-03-01 12:00:00 UTC', '2026-03-01 21:00:00 KST')."""
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso, ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            dt.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S KST"))


def platform_info(item: Item) -> dict[str, Any]:
    """Platform identifiers of an item: what web capture stored, else derived from its source URL
    (with evidence_kit.core.platforms when present, else from the host name alone)."""
    stored = item.metadata.get("platform")
    if isinstance(stored, dict) and (stored.get("platform") or stored.get("canonical_url")):
        return stored
    tg = item.metadata.get("telegram")
    if item.kind == "telegram" and isinstance(tg, dict):  # a Telegram Desktop export of one chat
        public = str(tg.get("public_name") or "").lstrip("@")
        ids = {"chat_id": str(tg["chat_id"])} if tg.get("chat_id") not in (None, "") else {}
        return {"platform": "telegram", "kind": str(tg.get("chat_type") or "chat"),
                "canonical_url": f"https://t.me/{public}" if public else "", "ids": ids,
                "handle": f"@{public}" if public else None}
    source = item.source or ""
    if not source.startswith(("http://", "https://")):
        return {"platform": item.platform or None, "kind": "", "canonical_url": "", "ids": {}, "handle": None}
    chain = [str(u) for u in item.metadata.get("redirect_chain", []) if isinstance(u, str)] \
        if isinstance(item.metadata.get("redirect_chain"), list) else []
    with contextlib.suppress(Exception):  # the platforms module may be absent or reject the URL
        identify = importlib.import_module("evidence_kit.core.platforms").identify
        info = identify(source, chain)
        data: dict[str, Any] = info.to_json()
        return data
    host = (urlsplit(source).hostname or "").lower().removeprefix("www.").removeprefix("m.")
    return {"platform": item.platform or _HOSTS.get(host), "kind": "", "canonical_url": source, "ids": {},
            "handle": None}


def _pdq_lookup(case: Case) -> Any:
    """A function artifact_id → PDQ hex of the whole image (or the first sampled video frame),
    from the perceptual-hash feature's table; "" when an artifact has none."""
    conn = case.conn
    sql = ("SELECT pdq FROM perceptual_hashes WHERE artifact_id = ? AND variant = '' "
           "ORDER BY frame LIMIT 1")

    def lookup(artifact_id: int) -> str:
        try:
            row = conn.execute(sql, (artifact_id,)).fetchone()
        except Exception:  # a case from before the perceptual-hash migration
            return ""
        return str(row[0]) if row and row[0] else ""

    return lookup


def _hashed(a: Artifact) -> bool:
    return a.role in ("original", "media") or a.mime.startswith(("image/", "video/"))


def identifiers(case: Case, item: Item, pdq: Any = None) -> ItemIdentifiers:
    info = platform_info(item)
    utc, kst = utc_and_kst(item.captured_at)
    pdq = pdq or _pdq_lookup(case)
    arts = [a for a in item.artifacts if _hashed(a)] or ([item.original] if item.original else [])
    hashes = [HashEntry(a.role, a.name, a.mime, a.size, a.sha256, a.md5, pdq(a.id)) for a in arts if a]
    ids = {str(k): str(v) for k, v in (info.get("ids") or {}).items()} if isinstance(info.get("ids"), dict) else {}
    handle = str(info.get("handle") or "")
    platform = str(info.get("platform") or item.platform or "")
    if handle and not handle.startswith("@") and platform in AT_HANDLES:
        handle = "@" + handle  # how these platforms show names; the platforms module stores them bare
    return ItemIdentifiers(
        exhibit=item.exhibit, title=item.title, kind=item.kind,
        platform=platform, platform_kind=str(info.get("kind") or ""),
        canonical_url=str(info.get("canonical_url") or item.source or ""), ids=ids, handle=handle,
        handle_observed=utc[:10] if handle else "", captured_utc=utc, captured_kst=kst,
        hashes=hashes[:MAX_HASHES_PER_ITEM], hashes_omitted=max(0, len(hashes) - MAX_HASHES_PER_ITEM))


# -- the draft specification ----------------------------------------------------------------
@dataclass
class RequestSpec:
    platform: str
    type: str
    items: list[str]
    lang: str = "ko"
    fields: dict[str, str] = field(default_factory=dict)
    messages: dict[str, list[int]] = field(default_factory=dict)  # Telegram chat item -> message ids


@dataclass
class Problem:
    key: str
    message_en: str
    message_ko: str

    def text(self, lang: str = "en") -> str:
        return self.message_ko if lang == "ko" else self.message_en


@dataclass
class DraftCheck:
    """Everything needed to render, plus what is missing or wrong (empty lists: ready)."""

    platform: PlatformData
    type: str
    lang: str
    fields: dict[str, str]
    items: list[ItemIdentifiers]
    missing: list[str] = field(default_factory=list)       # field keys (and "items")
    invalid: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.invalid


class MissingFieldsError(InputError):
    """The draft lacks required fields (or has invalid ones); `missing` names them."""

    def __init__(self, check: DraftCheck) -> None:
        self.missing = list(check.missing)
        self.invalid = list(check.invalid)
        parts_en = [field_label(k, "en") if k in FIELDS else k for k in self.missing]
        parts_ko = [field_label(k, "ko") if k in FIELDS else k for k in self.missing]
        msg_en, msg_ko = [], []
        if self.missing:
            msg_en.append(f"missing: {', '.join(parts_en)}")
            msg_ko.append(f"누락: {', '.join(parts_ko)}")
        if self.invalid:
            msg_en.append("invalid: " + "; ".join(p.message_en for p in self.invalid))
            msg_ko.append("오류: " + "; ".join(p.message_ko for p in self.invalid))
        super().__init__(f"The {check.platform.display_name('en')} {type_label(check.type, 'en').lower()} "
                         f"cannot be drafted ({'; '.join(msg_en)}). / 요청서를 작성할 수 없습니다 "
                         f"({'; '.join(msg_ko)}).")


def default_fields(case: Case) -> dict[str, str]:
    """Fields filled from the case, the user, and the user's previous request."""
    out = {"agency": case.info.agency, "case_number": case.info.number, "offence": case.info.offence,
           "officer_name": case.user.full_name or case.user.name, "badge": case.user.badge,
           "non_disclosure": "yes", "child_safety": "no"}
    with contextlib.suppress(Exception):  # before the requests migration: no history
        import json

        row = case.conn.execute("SELECT fields FROM requests WHERE created_by = ? ORDER BY id DESC LIMIT 1",
                                (case.user.name,)).fetchone()
        if row:
            previous = json.loads(row[0])
            for k in REMEMBERED:
                if previous.get(k):
                    out[k] = str(previous[k])
    return {k: v for k, v in out.items() if v}


def check_draft(case: Case, spec: RequestSpec) -> DraftCheck:
    """Resolve the platform, items and fields and list what is missing; raises only for a wrong
    platform, type, language or unknown item (mistakes the form cannot show as a missing field)."""
    platform = get_platform(spec.platform)
    rtype = parse_type(spec.type)
    lang = spec.lang.strip().lower()
    if lang not in ("ko", "en"):
        raise InputError(f"Unknown language {spec.lang!r}: use ko or en. / 언어는 ko 또는 en입니다.")
    if rtype not in platform.request_types:
        raise InputError(f"{platform.display_name('en')} does not take a {type_label(rtype, 'en').lower()} "
                         f"(it takes: {', '.join(platform.request_types)}). / "
                         f"{platform.display_name('ko')}에는 이 유형의 요청을 보낼 수 없습니다.")
    unknown = [k for k in spec.fields if k not in FIELDS]
    if unknown:
        raise InputError(f"Unknown field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}. / "
                         "알 수 없는 항목입니다.")
    fields = default_fields(case)
    for k, v in spec.fields.items():
        fields[k] = str(v).strip()
    fields = {k: v for k, v in fields.items() if v}
    check = DraftCheck(platform, rtype, lang, fields, [])
    _resolve_items(case, spec, check)
    for key in platform.required_for(rtype):
        if not fields.get(key):
            check.missing.append(key)
    _validate_values(check)
    return check


def _resolve_items(case: Case, spec: RequestSpec, check: DraftCheck) -> None:
    seen: set[str] = set()
    pdq = _pdq_lookup(case)
    refs = [r for r in spec.items if str(r).strip()]
    cited: dict[str, list[int]] = {}
    for ref, ids in spec.messages.items():
        try:
            cited[case.item(ref).exhibit] = [int(i) for i in ids]
        except (TypeError, ValueError):
            raise InputError(f"Message ids of {ref} must be numbers. / 메시지 번호는 숫자여야 합니다.") from None
        except NotFoundError:
            raise NotFoundError(f"No item {ref!r} in this case. / 해당 증거물이 없습니다: {ref}") from None
    if not refs:
        check.missing.append("items")
        return
    for ref in refs:
        try:
            item = case.item(ref)
        except NotFoundError:
            raise NotFoundError(f"No item {ref!r} in this case. / 해당 증거물이 없습니다: {ref}") from None
        if item.exhibit in seen:
            continue
        seen.add(item.exhibit)
        ident = identifiers(case, item, pdq)
        if check.type not in KCSC_TYPES:
            covering = platform_for_item_platform(ident.platform)
            if covering is None or covering.id != check.platform.id:
                found = covering.display_name("en") if covering else (ident.platform or "no known platform")
                found_ko = covering.display_name("ko") if covering else (ident.platform or "플랫폼 미확인")
                raise InputError(
                    f"{item.exhibit} is a {found} item; one request covers items of one platform "
                    f"({check.platform.display_name('en')}). Draft a separate request for it. / "
                    f"{item.exhibit}은(는) {found_ko} 자료입니다. 한 요청서에는 한 플랫폼의 자료만 넣을 수 있습니다.")
        check.items.append(ident)
        wanted = cited.pop(item.exhibit, None)
        if wanted:
            ident.messages = _cite(case, item, wanted)
        if not ident.ids and not ident.handle:
            check.warnings.append(Problem(
                "items", f"{item.exhibit}: no numeric id or handle is known; the platform may need one "
                         f"({check.platform.fact_text('identifiers', 'en')})",
                f"{item.exhibit}: 숫자 ID나 계정명이 확인되지 않았습니다"))
    if cited:
        raise InputError(f"Messages are cited from {', '.join(sorted(cited))}, which the request does not cover; "
                         "add the item. / 메시지를 인용한 증거물이 요청 대상에 없습니다.")


def _cite(case: Case, item: Item, ids: list[int]) -> list[dict[str, str]]:
    """Identifiers of cited messages (id, time, sender, link) through the Telegram feature; the
    message text stays out of the letter: the platform needs to find the message, not read it."""
    if item.kind != "telegram":
        raise InputError(f"{item.exhibit} is not a Telegram chat; only its messages can be cited. / "
                         "텔레그램 대화 증거물의 메시지만 인용할 수 있습니다.")
    try:
        telegram = importlib.import_module("evidence_kit.core.telegram")
    except ImportError:
        raise InputError("Citing messages needs the Telegram feature. / 텔레그램 기능이 필요합니다.") from None
    out: list[dict[str, str]] = []
    for c in telegram.cite(case, item, ids):
        out.append({"id": str(c.message_id), "date_utc": str(c.date_utc or c.date_local), "sender": str(c.sender),
                    "sender_id": str(c.sender_id), "link": str(c.link), "link_note": str(c.link_note)})
    return out


def _valid_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _validate_values(check: DraftCheck) -> None:
    f = check.fields
    for key, value in f.items():
        kind = FIELDS[key][2]
        if len(value) > MAX_FIELD_CHARS:
            check.invalid.append(Problem(key, f"{field_label(key, 'en')} is longer than {MAX_FIELD_CHARS} characters",
                                         f"{field_label(key, 'ko')}: {MAX_FIELD_CHARS}자를 넘습니다"))
        elif kind == "email" and not _EMAIL.match(value):
            check.invalid.append(Problem(key, f"{field_label(key, 'en')} {value!r} is not an e-mail address",
                                         f"{field_label(key, 'ko')} 형식이 올바르지 않습니다"))
        elif kind == "date" and _valid_date(value) is None:
            check.invalid.append(Problem(key, f"{field_label(key, 'en')} {value!r} is not a date (YYYY-MM-DD)",
                                         f"{field_label(key, 'ko')}: 날짜 형식(YYYY-MM-DD)이 아닙니다"))
        elif kind == "flag" and value.strip().lower() not in ("yes", "no", "y", "n", "1", "0", "true", "false",
                                                               "on", "off", "예", "네", "아니오"):
            check.invalid.append(Problem(key, f"{field_label(key, 'en')} must be yes or no",
                                         f"{field_label(key, 'ko')}: 예/아니오로 입력하세요"))
        elif kind == "path" and value:
            from pathlib import Path

            if not Path(value).is_file():
                check.invalid.append(Problem(key, f"{field_label(key, 'en')}: no file {value}",
                                             f"{field_label(key, 'ko')}: 파일이 없습니다"))
    start, end = _valid_date(f.get("date_from", "")), _valid_date(f.get("date_to", ""))
    if start and end and start > end:
        check.invalid.append(Problem("date_to", "the date range ends before it starts",
                                     "요청 기간의 종료일이 시작일보다 빠릅니다"))


def default_categories(request_type: str, lang: str) -> str:
    en_ko = {
        PRESERVATION: ("All records of the identified accounts and content, including basic subscriber "
                       "information, IP/login records and stored content",
                       "특정된 계정 및 게시물에 관한 모든 기록(가입자 기본 정보, IP·접속 기록, 저장된 내용 포함)"),
        PRESERVATION_EXTENSION: ("The records preserved under the earlier request",
                                 "기존 보전 요청으로 보전된 기록 일체"),
        DISCLOSURE_SUBSCRIBER: ("Basic subscriber information: name, e-mail addresses, phone numbers, account "
                                "creation date and IP address, recent login IP addresses with timestamps",
                                "가입자 기본 정보: 이름, 이메일, 전화번호, 계정 생성일 및 생성 IP, "
                                "최근 로그인 IP와 일시"),
        DISCLOSURE_NONCONTENT: ("Non-content records: login/logout IP addresses with timestamps, device and "
                                "session information, account change history",
                                "비내용 기록: 로그인·로그아웃 IP와 일시, 기기·세션 정보, 계정 변경 이력"),
        DISCLOSURE_CONTENT: ("Stored content of the identified accounts: posts, media, messages",
                             "특정된 계정의 저장된 내용: 게시물, 미디어, 메시지"),
        EMERGENCY: ("Basic subscriber information and recent login IP addresses with timestamps",
                    "가입자 기본 정보 및 최근 로그인 IP와 일시"),
        REMOVAL: ("Removal or withholding of the identified content", "특정된 게시물의 삭제 또는 차단"),
    }
    pair = en_ko.get(request_type)
    if pair is None:
        return ""
    return pair[1] if lang == "ko" else pair[0]


DISCLOSURE_TYPES = frozenset({DISCLOSURE_SUBSCRIBER, DISCLOSURE_NONCONTENT, DISCLOSURE_CONTENT, EMERGENCY})
