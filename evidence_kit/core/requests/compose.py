"""Turn a checked draft into a letter: a small block structure that the PDF, DOCX, text and e-mail
renderers all read, so the four outputs say exactly the same thing. Wording comes from the
editable templates in resources/templates/requests/<lang>.json."""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import InputError
from ..paths import resource
from .model import DraftCheck, ItemIdentifiers, default_categories, is_yes
from .platform_data import Channel
from .types import (
    EMERGENCY,
    KCSC_TYPES,
    PRESERVATION_TYPES,
    REMOVAL,
    type_label,
)

TEMPLATE_KEYS = ("subject", "salutation", "intro", "request", "summary_heading", "items_heading", "non_disclosure",
                 "child_safety", "emergency_banner", "closing", "signature_heading", "signature_line", "labels")


@dataclass
class Block:
    kind: str                                   # banner, heading, para, item
    text: str = ""
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # item: (label, lines)


@dataclass
class Letter:
    lang: str
    reference: str
    date: str
    subject: str
    agency: str
    agency_address: str
    agency_logo: str
    addressee: list[str]
    via: list[str]                              # "label: address" of where to send it
    salutation: str
    blocks: list[Block]
    signature_heading: str
    signature: list[tuple[str, str]]
    signature_line: str
    labels: dict[str, str]
    send_to: list[Channel]
    facts_note: list[str]
    email_to: str
    from_email: str


def load_template(lang: str) -> dict[str, Any]:
    path = resource("templates", "requests", f"{lang}.json")
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: the request template is missing. / 요청서 서식 파일이 없습니다.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc}). / 요청서 서식 파일 오류.") from None
    missing = [k for k in TEMPLATE_KEYS if k not in data]
    if missing:
        raise InputError(f"{path}: missing {', '.join(missing)}. / 요청서 서식 파일에 항목이 없습니다.")
    return data


MAX_VALUE_CHARS = 2000
_CONTROL = {c: None for c in range(32) if c not in (9, 10)} | {0x7F: None}


def clean(text: str, limit: int = 0) -> str:
    """Text safe for PDF and DOCX (XML forbids most control characters), optionally capped."""
    out = str(text).replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)
    out = "".join(ch for ch in out if not 0xD800 <= ord(ch) <= 0xDFFF and ch not in "\ufffe\uffff")
    if limit and len(out) > limit:
        out = out[:limit] + "…"
    return out


def _clean_letter(letter: Letter) -> Letter:
    for b in letter.blocks:
        b.text = clean(b.text)
        b.rows = [(clean(label), [clean(line, MAX_VALUE_CHARS) for line in lines]) for label, lines in b.rows]
    letter.signature = [(clean(k), clean(v, 200)) for k, v in letter.signature]
    letter.subject = " ".join(clean(letter.subject, 400).split())  # also an e-mail header: one line
    letter.salutation = clean(letter.salutation)
    letter.agency, letter.agency_address = clean(letter.agency, 200), clean(letter.agency_address, 300)
    letter.addressee = [clean(a) for a in letter.addressee]
    return letter


def _sub(text: str, values: dict[str, str]) -> str:
    # safe_substitute: a $word the template author mistyped stays visible instead of crashing
    return string.Template(text).safe_substitute(values)


def _days(n: int | None, lang: str) -> str:
    if n is None:
        return "귀사 정책상 가능한 기간" if lang == "ko" else "the period your policy allows"
    return f"{n}일" if lang == "ko" else f"{n} days"


def compose(check: DraftCheck, *, reference: str, on: date) -> Letter:
    lang, f, p = check.lang, check.fields, check.platform
    tpl = load_template(lang)
    labels: dict[str, str] = {str(k): str(v) for k, v in tpl["labels"].items()}
    addressee = [line for line in p.fact_text("addressee", lang).splitlines() if line.strip()]
    title_name = " ".join(x for x in (f.get("officer_title", ""), f.get("officer_name", "")) if x)
    values = {
        "type_label": type_label(check.type, lang), "platform_name": p.display_name(lang),
        "case_number": f.get("case_number", ""), "reference": reference, "agency": f.get("agency", ""),
        "addressee_short": addressee[0] if addressee else p.display_name(lang),
        "officer_title_name": title_name, "officer_name": f.get("officer_name", ""),
        "offence": f.get("offence", ""),
        "legal_articles": f.get("legal_articles", ""),
        "legal_articles_paren": f"; {f['legal_articles']}" if f.get("legal_articles") else "",
        "n_items": str(len(check.items)),
        "preservation_days": _days(p.preservation.days, lang),
        "extension_days": _days(p.preservation.extension_days, lang),
        "date_from": f.get("date_from", ""), "date_to": f.get("date_to", ""),
        "data_categories": f.get("data_categories") or default_categories(check.type, lang),
        "legal_process": f.get("legal_process", ""), "emergency_facts": f.get("emergency_facts", ""),
        "preservation_reference": f.get("preservation_reference", "-"), "parent": f.get("parent", "-"),
    }
    blocks: list[Block] = []
    if check.type == EMERGENCY:
        blocks.append(Block("banner", _sub(tpl["emergency_banner"], values)))
    blocks.append(Block("para", _sub(tpl["intro"], values)))
    if f.get("summary"):
        blocks.append(Block("heading", _sub(tpl["summary_heading"], values)))
        blocks.append(Block("para", f["summary"]))
    blocks.append(Block("heading", type_label(check.type, lang)))
    for para in tpl["request"].get(check.type, []):
        blocks.append(Block("para", _sub(para, values)))
    if is_yes(f.get("child_safety", "")):
        blocks.append(Block("para", _sub(tpl["child_safety"], values)))
    if is_yes(f.get("non_disclosure", "")) and check.type not in KCSC_TYPES and check.type != REMOVAL:
        blocks.append(Block("para", _sub(tpl["non_disclosure"], values)))
    blocks.append(Block("heading", _sub(tpl["items_heading"], values)))
    hashes_only = check.type in KCSC_TYPES or check.type == REMOVAL
    for ident in check.items:
        blocks.append(Block("item", ident.exhibit, _item_rows(ident, labels, lang, pdq_first=hashes_only)))
    for para in tpl["closing"]:
        blocks.append(Block("para", _sub(para, values)))
    signature = [(labels["name"], f.get("officer_name", "")), (labels["title"], f.get("officer_title", "")),
                 (labels["badge"], f.get("badge", "")), (labels["agency"], f.get("agency", "")),
                 (labels["email"], f.get("officer_email", "")), (labels["phone"], f.get("officer_phone", ""))]
    channels = p.channels_for(check.type)
    via = [f"{c.label.get(lang) or c.label['en']}: {c.address}" for c in channels]
    notes = []
    for key in ("addressee", "preservation", "format"):
        fact = p.facts[key]
        notes.append(_sub(labels["facts_note"], {"as_of": fact.as_of, "status": fact.status, "source": fact.source}))
    return _clean_letter(Letter(
        lang=lang, reference=reference, date=on.isoformat(), subject=_sub(tpl["subject"], values),
        agency=f.get("agency", ""), agency_address=f.get("agency_address", ""), agency_logo=f.get("agency_logo", ""),
        addressee=addressee or [p.display_name(lang)], via=via, salutation=_sub(tpl["salutation"], values),
        blocks=blocks, signature_heading=_sub(tpl["signature_heading"], values),
        signature=[(k, v) for k, v in signature if v], signature_line=_sub(tpl["signature_line"], values),
        labels=labels, send_to=channels, facts_note=notes, email_to=p.email_for(check.type),
        from_email=f.get("officer_email", "")))


def _item_rows(ident: ItemIdentifiers, labels: dict[str, str], lang: str, *,
               pdq_first: bool) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = []
    rows.append((labels["exhibit"], [f"{ident.exhibit}" + (f" — {ident.title}" if ident.title else "")]))
    if ident.platform_kind or ident.platform:
        rows.append((labels["kind"], [" / ".join(x for x in (ident.platform, ident.platform_kind) if x)]))
    rows.append((labels["url"], [ident.canonical_url or labels["none"]]))
    rows.append((labels["ids"], [f"{k}: {v}" for k, v in sorted(ident.ids.items())] or [labels["none"]]))
    if ident.handle:
        observed = f"({ident.handle_observed} UTC)" if ident.handle_observed else ""
        rows.append((labels["handle"], [f"{ident.handle} {observed}".strip()]))
    rows.append((labels["captured"], [x for x in (ident.captured_utc, ident.captured_kst) if x]))
    for i, m in enumerate(ident.messages):
        sender = f"{m.get('sender', '')} ({m['sender_id']})" if m.get("sender_id") else m.get("sender", "")
        when = m.get("date_utc", "").replace("T", " ").replace("Z", " UTC")
        lines = [f"#{m.get('id', '')} · {when} · {sender}".strip(" ·"), m.get("link") or m.get("link_note", "")]
        rows.append((labels.get("messages", "Messages") if i == 0 else "", [x for x in lines if x]))
    # one row per artifact: a table row cannot split across pages, so no row may grow unbounded
    for i, h in enumerate(ident.hashes):
        lines = [f"{h.name} ({h.mime}, {h.size} B)"]
        if pdq_first and h.pdq:
            lines.append(f"PDQ: {h.pdq}")
        lines.append(f"SHA-256: {h.sha256}")
        if h.md5:
            lines.append(f"MD5: {h.md5}")
        if h.pdq and not pdq_first:
            lines.append(f"PDQ: {h.pdq}")
        rows.append((labels["hashes"] if i == 0 else "", lines))
    if ident.hashes_omitted:
        rows.append(("", [_sub(labels["omitted"], {"count": str(ident.hashes_omitted)})]))
    if not ident.hashes:
        rows.append((labels["hashes"], [labels["none"]]))
    return rows


def is_preservation(request_type: str) -> bool:
    return request_type in PRESERVATION_TYPES
