"""Requests in the case store: drafting (outputs stored encrypted, hashed and logged), status
changes as ledger events, preservation deadlines, and response statistics."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import ledger
from ..errors import InputError, IntegrityError, NotFoundError
from ..roles import Permission
from .compose import compose
from .model import KST, DraftCheck, MissingFieldsError, RequestSpec, check_draft
from .platform_data import PlatformData, get_platform, load_platforms
from .render import render_docx, render_eml, render_pdf, render_text
from .types import (
    ACKNOWLEDGED,
    ANSWERED,
    DRAFTED,
    EMERGENCY,
    EXPIRED,
    EXTENDED,
    NO_ANSWER,
    PRESERVATION,
    PRESERVATION_EXTENSION,
    PRESERVATION_TYPES,
    PRESERVING,
    REFUSED,
    SENT,
    TRANSITIONS,
    parse_status,
    status_label,
    type_label,
)

if TYPE_CHECKING:
    from ..case import Case

FORMATS = ("pdf", "docx", "txt", "eml")
MIMES = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "txt": "text/plain; charset=utf-8", "eml": "message/rfc822"}
EXTENSION_LEAD_DAYS = 7   # an extension is due this many days before preservation expires
DUE_HORIZON_DAYS = 14


def today_kst() -> date:
    return datetime.now(KST).date()


# -- records --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Output:
    id: int
    format: str
    name: str
    mime: str
    size: int
    sha256: str
    object: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "format": self.format, "name": self.name, "mime": self.mime, "size": self.size,
                "sha256": self.sha256}


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    status: str
    previous: str
    date: str
    channel: str
    reference: str
    note: str
    expires: str
    actor: str
    at: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Request:
    id: int
    reference: str
    platform: str
    type: str
    lang: str
    status: str
    created_at: str
    created_by: str
    draft_date: str
    fields: dict[str, str]
    items: list[dict[str, Any]]
    sent_date: str
    channel: str
    platform_reference: str
    answered_date: str
    expires_date: str
    extensions: int
    parent_id: int | None
    updated_at: str
    outputs: list[Output] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def exhibits(self) -> list[str]:
        return [str(i.get("exhibit", "")) for i in self.items]

    @property
    def extension_due(self) -> str:
        if not self.expires_date:
            return ""
        return (date.fromisoformat(self.expires_date) - timedelta(days=EXTENSION_LEAD_DAYS)).isoformat()

    def output(self, fmt: str) -> Output | None:
        return next((o for o in self.outputs if o.format == fmt), None)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "reference": self.reference, "platform": self.platform, "type": self.type,
                "type_label": type_label(self.type, "en"), "lang": self.lang, "status": self.status,
                "created_at": self.created_at, "created_by": self.created_by, "draft_date": self.draft_date,
                "fields": self.fields, "items": self.items, "sent_date": self.sent_date, "channel": self.channel,
                "platform_reference": self.platform_reference, "answered_date": self.answered_date,
                "expires_date": self.expires_date, "extension_due": self.extension_due,
                "extensions": self.extensions, "parent_id": self.parent_id, "updated_at": self.updated_at,
                "outputs": [o.to_json() for o in self.outputs], "history": [h.to_json() for h in self.history]}


def _request_from_row(r: Any) -> Request:
    return Request(int(r["id"]), r["reference"], r["platform"], r["type"], r["lang"], r["status"], r["created_at"],
                   r["created_by"], r["draft_date"], json.loads(r["fields"]), json.loads(r["items"]), r["sent_date"],
                   r["channel"], r["platform_reference"], r["answered_date"], r["expires_date"], int(r["extensions"]),
                   int(r["parent_id"]) if r["parent_id"] is not None else None, r["updated_at"])


# -- reading --------------------------------------------------------------------------------
def list_requests(case: Case, *, with_details: bool = False) -> list[Request]:
    case.require(Permission.READ)
    reqs = [_request_from_row(r) for r in case.conn.execute("SELECT * FROM requests ORDER BY id")]
    if with_details:
        for r in reqs:
            _attach(case, r)
    return reqs


def _attach(case: Case, req: Request) -> Request:
    req.outputs = [Output(int(o["id"]), o["format"], o["name"], o["mime"], int(o["size"]), o["sha256"], o["object"])
                   for o in case.conn.execute("SELECT * FROM request_outputs WHERE request_id = ? ORDER BY id",
                                              (req.id,))]
    req.history = [HistoryEntry(int(h["seq"]), h["status"], h["previous"], h["date"], h["channel"], h["reference"],
                                h["note"], h["expires"], h["actor"], h["at"])
                   for h in case.conn.execute("SELECT * FROM request_history WHERE request_id = ? ORDER BY id",
                                              (req.id,))]
    return req


def get_request(case: Case, ref: str | int) -> Request:
    """By id, by our reference (2026-SEOUL-0042-R001) or its short form (R001, r1)."""
    case.require(Permission.READ)
    text = str(ref).strip()
    row = None
    if isinstance(ref, int) or text.isdigit():
        row = case.conn.execute("SELECT * FROM requests WHERE id = ?", (int(text),)).fetchone()
    if row is None:
        row = case.conn.execute("SELECT * FROM requests WHERE reference = ?", (text,)).fetchone()
    if row is None and text[:1].upper() == "R" and text[1:].isdigit():
        row = case.conn.execute("SELECT * FROM requests WHERE id = ?", (int(text[1:]),)).fetchone()
    if row is None:
        raise NotFoundError(f"No request {text!r} in this case. / 해당 요청이 없습니다.")
    return _attach(case, _request_from_row(row))


def read_output(case: Case, out: Output) -> bytes:
    """The stored bytes of a rendered output, checked against the hash recorded when drafted."""
    case.require(Permission.READ)
    data = case.objects.read_all(out.object)
    if hashlib.sha256(data).hexdigest() != out.sha256:
        raise IntegrityError(f"{out.name}: the stored draft does not match its recorded SHA-256. / "
                             "저장된 요청서가 기록된 해시값과 다릅니다.")
    return data


def export_outputs(case: Case, req: Request, dest: Path | str, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the stored outputs into a folder (temp name, then rename; never overwrites)."""
    dest = Path(dest).absolute()
    if dest.exists() and not dest.is_dir():
        raise InputError(f"{dest} exists and is not a folder. / 대상이 폴더가 아닙니다.")
    dest.mkdir(parents=True, exist_ok=True)
    chosen = [o for o in req.outputs if o.format in formats]
    for o in chosen:
        if (dest / o.name).exists():
            raise InputError(f"{dest / o.name} already exists; choose another folder. / 이미 파일이 있습니다.")
    written: list[Path] = []
    try:
        for o in chosen:
            data = read_output(case, o)
            target = dest / o.name
            part = target.with_name(f".{target.name}.part")
            with open(part, "xb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(part, target)
            written.append(target)
    except BaseException:
        for p in written:
            with contextlib.suppress(OSError):
                p.unlink()
        with contextlib.suppress(OSError, UnboundLocalError):
            part.unlink()
        raise
    return written


# -- drafting -------------------------------------------------------------------------------
@dataclass
class RenderedDraft:
    check: DraftCheck
    reference: str
    outputs: dict[str, bytes]       # format -> bytes
    names: dict[str, str]


def render_draft(check: DraftCheck, *, reference: str, on: date, formats: tuple[str, ...] = FORMATS) -> RenderedDraft:
    """Render a checked draft without storing it (the GUI preview uses this)."""
    if not check.ok:
        raise MissingFieldsError(check)
    letter = compose(check, reference=reference, on=on)
    stem = f"{reference}_{check.platform.id}_{check.type}_{check.lang}"
    names = {fmt: f"{stem}.{fmt}" for fmt in FORMATS}
    outputs: dict[str, bytes] = {}
    pdf = render_pdf(letter)
    text = render_text(letter)
    if "pdf" in formats:
        outputs["pdf"] = pdf
    if "docx" in formats:
        outputs["docx"] = render_docx(letter)
    if "txt" in formats:
        outputs["txt"] = text.encode("utf-8")
    # e-mail only where the platform takes this request type by e-mail
    if "eml" in formats and letter.email_to:
        outputs["eml"] = render_eml(letter, text=text, pdf=pdf, pdf_name=names["pdf"])
    return RenderedDraft(check, reference, outputs, {k: names[k] for k in outputs})


def next_reference(case: Case) -> str:
    n = int(case.conn.execute("SELECT coalesce(max(id), 0) FROM requests").fetchone()[0]) + 1
    return f"{case.info.number}-R{n:03d}"


def draft_request(case: Case, spec: RequestSpec, *, on: date | None = None) -> Request:
    """Check, render, store (encrypted, hashed) and log a new request. A missing field refuses the
    draft with the list of what is missing; nothing is stored then."""
    case.require(Permission.REQUEST)
    check = check_draft(case, spec)
    if not check.ok:
        raise MissingFieldsError(check)
    on = on or today_kst()
    parent_id = _resolve_parent(case, check)
    reference = next_reference(case)
    rendered = render_draft(check, reference=reference, on=on)
    stored: list[tuple[str, Any]] = []
    try:
        with case._lock.shared():  # objects not yet referenced must not look like orphans to `check --clear`
            for fmt, data in rendered.outputs.items():
                stored.append((fmt, case.objects.put_bytes(data)))
            with case.transaction(Permission.REQUEST) as event:
                if next_reference(case) != reference:  # another process drafted meanwhile
                    raise InputError("Another request was drafted at the same time; try again. / "
                                     "다른 요청이 동시에 작성되었습니다. 다시 시도하세요.")
                now = ledger.utc_now_ms()
                items_json = [i.to_json() for i in check.items]
                cur = case.conn.execute(
                    "INSERT INTO requests(reference, platform, type, lang, status, created_at, created_by, draft_date, "
                    "fields, items, parent_id, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (reference, check.platform.id, check.type, check.lang, DRAFTED, now, case.user.name,
                     on.isoformat(), json.dumps(check.fields, ensure_ascii=False, sort_keys=True),
                     json.dumps(items_json, ensure_ascii=False), parent_id, now))
                rid = int(cur.lastrowid)
                case.conn.executemany("INSERT INTO request_items(request_id, exhibit) VALUES (?, ?)",
                                      [(rid, i.exhibit) for i in check.items])
                outputs_log = []
                for fmt, obj in stored:
                    case.conn.execute(
                        "INSERT INTO request_outputs(request_id, format, name, mime, size, sha256, object) "
                        "VALUES (?,?,?,?,?,?,?)", (rid, fmt, rendered.names[fmt], MIMES[fmt], obj.size, obj.sha256,
                                                   obj.name))
                    outputs_log.append({"format": fmt, "name": rendered.names[fmt], "size": obj.size,
                                        "sha256": obj.sha256})
                ev = event(ledger.REQUEST_DRAFTED, "", {
                    "request": reference, "id": rid, "platform": check.platform.id, "type": check.type,
                    "lang": check.lang, "draft_date": on.isoformat(), "items": [i.exhibit for i in check.items],
                    "fields": check.fields, "outputs": outputs_log,
                    "messages": {i.exhibit: [int(m["id"]) for m in i.messages] for i in check.items if i.messages},
                    "parent": parent_id if parent_id is not None else None})
                case.conn.execute(
                    "INSERT INTO request_history(request_id, seq, status, previous, date, actor, at) "
                    "VALUES (?,?,?,?,?,?,?)", (rid, ev.seq, DRAFTED, "", on.isoformat(), case.user.name, ev.at))
    except BaseException:
        for _fmt, obj in stored:
            if obj.created:
                case.objects.delete(obj.name)
        raise
    return get_request(case, rid)


def _resolve_parent(case: Case, check: DraftCheck) -> int | None:
    ref = check.fields.get("parent", "")
    if not ref:
        return None
    try:
        parent = get_request(case, ref)
    except NotFoundError:
        raise InputError(f"The request to extend, {ref!r}, is not in this case. / 연장할 요청이 없습니다.") from None
    if check.type != PRESERVATION_EXTENSION or parent.type not in PRESERVATION_TYPES \
            or parent.platform != check.platform.id:
        raise InputError(f"{parent.reference} is a {parent.platform} {parent.type} request; only a "
                         "preservation extension may name a preservation request of the same platform as its "
                         "parent. / 연장 대상은 같은 플랫폼의 보전 요청이어야 합니다.")
    return parent.id


# -- status changes -------------------------------------------------------------------------
def _parse_date(value: date | str | None, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{what} {value!r} is not a date (YYYY-MM-DD). / 날짜 형식이 아닙니다.") from None


def update_request(case: Case, ref: str | int, status: str, *, on: date | str | None = None, channel: str = "",
                   reference: str = "", note: str = "", expires: date | str | None = None,
                   today: date | None = None) -> Request:
    """Record a status change (one `request_updated` ledger event). Sending a preservation sets its
    expiry from the platform's published period; `extended` moves it by the extension period."""
    case.require(Permission.REQUEST)
    req = get_request(case, ref)
    new = parse_status(status)
    today = today or today_kst()
    when = _parse_date(on, "The date") or today
    exp = _parse_date(expires, "The expiry date")
    with case.transaction(Permission.REQUEST) as event:
        _apply(case, event, req, new, when, channel.strip(), reference.strip(), note.strip(), exp, today)
        if new == SENT and req.parent_id is not None and req.type == PRESERVATION_EXTENSION:
            parent = get_request(case, req.parent_id)
            if EXTENDED in TRANSITIONS.get(parent.status, frozenset()):
                _apply(case, event, parent, EXTENDED, when, channel.strip(), reference.strip(),
                       f"extension {req.reference} sent", None, today)
    return get_request(case, req.id)


def _apply(case: Case, event: Any, req: Request, new: str, when: date, channel: str, reference: str, note: str,
           expires: date | None, today: date) -> None:
    allowed = TRANSITIONS.get(req.status, frozenset())
    if new not in allowed:
        nxt = ", ".join(sorted(allowed)) or "none: the request is closed"
        raise InputError(f"{req.reference} is {status_label(req.status, 'en').lower()}; it cannot become "
                         f"{status_label(new, 'en').lower()} (next: {nxt}). / 상태를 "
                         f"'{status_label(req.status, 'ko')}'에서 '{status_label(new, 'ko')}'(으)로 바꿀 수 없습니다.")
    if when > today:
        raise InputError(f"The date {when} is in the future. / 미래 날짜는 입력할 수 없습니다.")
    floor = date.fromisoformat(req.sent_date) if req.sent_date else date.fromisoformat(req.draft_date)
    if when < floor:
        what = "sent" if req.sent_date else "drafted"
        raise InputError(f"The date {when} is before the request was {what} ({floor}). / "
                         f"날짜가 {'발송일' if req.sent_date else '작성일'}({floor})보다 빠릅니다.")
    platform = _platform_or_none(req.platform)
    preserving = req.type in PRESERVATION_TYPES
    sent_date, answered_date = req.sent_date, req.answered_date
    expires_date, extensions = req.expires_date, req.extensions
    if new == SENT:
        sent_date = when.isoformat()
        if preserving and platform and platform.preservation.days is not None and not expires:
            expires_date = (when + timedelta(days=platform.preservation.days)).isoformat()
    if new == ANSWERED and not answered_date:
        answered_date = when.isoformat()
    if new == EXTENDED:
        if not preserving:
            raise InputError(f"{req.reference} is not a preservation request; only preservations are extended. / "
                             "보전 요청만 연장할 수 있습니다.")
        limit = platform.preservation.max_extensions if platform else None
        if limit is not None and extensions >= limit:
            raise InputError(f"{platform.display_name('en') if platform else req.platform} allows {limit} "
                             f"extension(s) and {extensions} were recorded; obtain legal process instead. / "
                             f"연장 가능 횟수({limit}회)를 초과했습니다.")
        extensions += 1
        if not expires:
            days = platform.preservation.extension_days if platform else None
            if days is None:
                raise InputError("This platform publishes no extension period: give the new expiry date "
                                 "(--expires). / 연장 기간이 알려져 있지 않으므로 만료일을 입력하세요.")
            base = max(date.fromisoformat(expires_date), when) if expires_date else when
            expires_date = (base + timedelta(days=days)).isoformat()
    if expires:
        if not preserving:
            raise InputError("Only preservation requests have an expiry date. / 보전 요청에만 만료일이 있습니다.")
        expires_date = expires.isoformat()
    ev = event(ledger.REQUEST_UPDATED, "", {
        "request": req.reference, "id": req.id, "status": new, "previous": req.status, "date": when.isoformat(),
        "channel": channel, "reference": reference, "note": note, "expires": expires_date,
        "extensions": extensions})
    case.conn.execute(
        "UPDATE requests SET status = ?, sent_date = ?, channel = CASE WHEN ? != '' THEN ? ELSE channel END, "
        "platform_reference = CASE WHEN ? != '' THEN ? ELSE platform_reference END, answered_date = ?, "
        "expires_date = ?, extensions = ?, updated_at = ? WHERE id = ?",
        (new, sent_date, channel, channel, reference, reference, answered_date, expires_date, extensions, ev.at,
         req.id))
    case.conn.execute(
        "INSERT INTO request_history(request_id, seq, status, previous, date, channel, reference, note, expires, "
        "actor, at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (req.id, ev.seq, new, req.status, when.isoformat(), channel, reference, note, expires_date, case.user.name,
         ev.at))
    req.status, req.sent_date, req.answered_date = new, sent_date, answered_date
    req.expires_date, req.extensions = expires_date, extensions


def _platform_or_none(pid: str) -> PlatformData | None:
    try:
        return get_platform(pid)
    except InputError:
        return None


# -- deadlines ------------------------------------------------------------------------------
@dataclass
class DueEntry:
    request: Request
    kind: str          # not_sent, extension_due, extension_impossible, lapsed, answer_overdue
    due_date: str
    days_left: int     # negative: overdue
    message_en: str
    message_ko: str

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def message(self, lang: str) -> str:
        return self.message_ko if lang == "ko" else self.message_en

    def to_json(self) -> dict[str, Any]:
        return {"request": self.request.reference, "id": self.request.id, "platform": self.request.platform,
                "type": self.request.type, "status": self.request.status, "kind": self.kind,
                "due_date": self.due_date, "days_left": self.days_left, "overdue": self.overdue,
                "expires_date": self.request.expires_date, "message": self.message_en, "message_ko": self.message_ko}


def due(case: Case, *, today: date | None = None, horizon_days: int = DUE_HORIZON_DAYS) -> list[DueEntry]:
    """What needs doing now or within `horizon_days`: unsent drafts, preservation extensions (due
    7 days before expiry), lapsed preservations, and disclosures left unanswered too long."""
    today = today or today_kst()
    platforms = load_platforms()
    entries: list[DueEntry] = []
    for req in list_requests(case):
        p = platforms.get(req.platform)
        entry = _due_entry(req, p, today)
        if entry and entry.days_left <= horizon_days:
            entries.append(entry)
    entries.sort(key=lambda e: (e.due_date, e.request.id))
    return entries


def _due_entry(req: Request, p: PlatformData | None, today: date) -> DueEntry | None:
    def make(kind: str, due_on: date, en: str, ko: str) -> DueEntry:
        return DueEntry(req, kind, due_on.isoformat(), (due_on - today).days, en, ko)

    if req.status == DRAFTED:
        urgent = req.type in (PRESERVATION, PRESERVATION_EXTENSION, EMERGENCY)
        due_on = date.fromisoformat(req.draft_date) + timedelta(days=0 if urgent else 3)
        return make("not_sent", due_on, "Drafted but not sent yet", "작성했으나 아직 발송하지 않았습니다")
    if req.type in PRESERVATION_TYPES and req.status in PRESERVING and req.expires_date:
        expires_on = date.fromisoformat(req.expires_date)
        if today > expires_on:
            return make("lapsed", expires_on, f"Preservation expired on {expires_on}: mark it expired or record "
                                              "the extension", f"보전 기간이 {expires_on}에 만료되었습니다")
        limit = p.preservation.max_extensions if p else None
        if limit is not None and req.extensions >= limit:
            return make("extension_impossible", expires_on - timedelta(days=EXTENSION_LEAD_DAYS),
                        f"Preservation expires on {expires_on} and cannot be extended again: serve legal process",
                        f"{expires_on}에 보전이 만료되며 더 연장할 수 없습니다. 법적 절차를 진행하세요")
        return make("extension_due", expires_on - timedelta(days=EXTENSION_LEAD_DAYS),
                    f"Send a preservation extension (preservation expires on {expires_on})",
                    f"보전 연장 요청을 보내세요(만료일 {expires_on})")
    if req.type not in PRESERVATION_TYPES and req.status in (SENT, ACKNOWLEDGED) and req.sent_date:
        follow = p.follow_up_days if p else 30
        due_on = date.fromisoformat(req.sent_date) + timedelta(days=follow)
        return make("answer_overdue", due_on, f"No answer {follow} days after sending: follow up or mark no answer",
                    f"발송 후 {follow}일 동안 회신이 없습니다. 독촉하거나 무응답으로 표시하세요")
    return None


# -- statistics -----------------------------------------------------------------------------
@dataclass
class StatRow:
    platform: str
    type: str
    drafted: int = 0
    sent: int = 0
    answered: int = 0
    refused: int = 0
    unanswered: int = 0
    median_days: float | None = None
    days: list[int] = field(default_factory=list)

    def median_text(self) -> str:
        if self.median_days is None:
            return ""
        return str(int(self.median_days)) if float(self.median_days).is_integer() else f"{self.median_days:.1f}"

    def to_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "type": self.type, "drafted": self.drafted, "sent": self.sent,
                "answered": self.answered, "refused": self.refused, "unanswered": self.unanswered,
                "median_days_to_answer": self.median_days}


def stats(case: Case) -> list[StatRow]:
    """Per platform and request type: drafted, sent, answered, refused, unanswered (sent, neither
    answered nor refused), and the median days from sending to the answer; a final row "*" totals."""
    rows: dict[tuple[str, str], StatRow] = {}
    total = StatRow("*", "*")
    refused_ids = {int(r[0]) for r in case.conn.execute(
        "SELECT DISTINCT request_id FROM request_history WHERE status = ?", (REFUSED,))}
    for req in list_requests(case):
        row = rows.setdefault((req.platform, req.type), StatRow(req.platform, req.type))
        for r in (row, total):
            r.drafted += 1
        if not req.sent_date:
            continue
        for r in (row, total):
            r.sent += 1
        if req.answered_date:
            d = (date.fromisoformat(req.answered_date) - date.fromisoformat(req.sent_date)).days
            for r in (row, total):
                r.answered += 1
                r.days.append(d)
        elif req.id in refused_ids:
            for r in (row, total):
                r.refused += 1
        else:
            for r in (row, total):
                r.unanswered += 1
    out = [rows[k] for k in sorted(rows)]
    if out:
        out.append(total)
    for r in out:
        r.median_days = float(statistics.median(r.days)) if r.days else None
    return out


STATS_COLUMNS = ("platform", "type", "drafted", "sent", "answered", "refused", "unanswered",
                 "median_days_to_answer")


def stats_csv(rows: list[StatRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(STATS_COLUMNS)
    for r in rows:
        w.writerow([r.platform, r.type, r.drafted, r.sent, r.answered, r.refused, r.unanswered, r.median_text()])
    return buf.getvalue()


def write_stats_csv(rows: list[StatRow], path: Path | str) -> Path:
    path = Path(path).absolute()
    if not path.parent.is_dir():
        raise InputError(f"The folder {path.parent} does not exist. / 폴더가 없습니다.")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        # UTF-8 with BOM so that Excel on Korean Windows reads it correctly
        tmp.write_text(stats_csv(rows), encoding="utf-8-sig", newline="")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def statuses_in_use() -> tuple[str, ...]:
    return (DRAFTED, SENT, ACKNOWLEDGED, ANSWERED, REFUSED, NO_ANSWER, EXPIRED, EXTENDED)


def utc_now() -> datetime:
    return datetime.now(UTC)
