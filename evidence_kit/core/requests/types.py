"""Request types, statuses and their labels (English / Korean). Strings are stored: never rename one."""

from __future__ import annotations

from ..errors import InputError

PRESERVATION = "preservation"
PRESERVATION_EXTENSION = "preservation_extension"
DISCLOSURE_SUBSCRIBER = "disclosure_subscriber"
DISCLOSURE_NONCONTENT = "disclosure_noncontent"
DISCLOSURE_CONTENT = "disclosure_content"
EMERGENCY = "emergency"
REMOVAL = "removal"
KCSC_DELETION = "kcsc_deletion"
KCSC_BLOCKING = "kcsc_blocking"

REQUEST_TYPES: dict[str, tuple[str, str]] = {
    PRESERVATION: ("Preservation request", "자료 보전 요청"),
    PRESERVATION_EXTENSION: ("Preservation extension request", "자료 보전 기간 연장 요청"),
    DISCLOSURE_SUBSCRIBER: ("Disclosure request: basic subscriber information", "자료 제공 요청: 가입자 기본 정보"),
    DISCLOSURE_NONCONTENT: ("Disclosure request: non-content records", "자료 제공 요청: 비내용 기록(접속 기록 등)"),
    DISCLOSURE_CONTENT: ("Disclosure request: content", "자료 제공 요청: 통신 내용"),
    EMERGENCY: ("Emergency disclosure request", "긴급 자료 제공 요청"),
    REMOVAL: ("Removal / withholding request", "게시물 삭제·차단 요청"),
    KCSC_DELETION: ("Correction request: deletion", "시정요구 요청: 삭제"),
    KCSC_BLOCKING: ("Correction request: access blocking", "시정요구 요청: 접속차단"),
}
PRESERVATION_TYPES = frozenset({PRESERVATION, PRESERVATION_EXTENSION})
KCSC_TYPES = frozenset({KCSC_DELETION, KCSC_BLOCKING})

# Statuses of a request's life; each change is a `request_updated` ledger event.
DRAFTED = "drafted"
SENT = "sent"
ACKNOWLEDGED = "acknowledged"
ANSWERED = "answered"
REFUSED = "refused"
NO_ANSWER = "no_answer"
EXPIRED = "expired"
EXTENDED = "extended"

STATUSES: dict[str, tuple[str, str]] = {
    DRAFTED: ("Drafted", "작성됨"),
    SENT: ("Sent", "발송됨"),
    ACKNOWLEDGED: ("Acknowledged", "접수 확인"),
    ANSWERED: ("Answered", "회신 받음"),
    REFUSED: ("Refused", "거부됨"),
    NO_ANSWER: ("No answer", "무응답"),
    EXPIRED: ("Expired", "보전 만료"),
    EXTENDED: ("Extended", "보전 연장"),
}

# Which status may follow which. A refused or expired request is closed: draft a new one.
TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFTED: frozenset({SENT}),
    SENT: frozenset({ACKNOWLEDGED, ANSWERED, REFUSED, NO_ANSWER, EXPIRED, EXTENDED}),
    ACKNOWLEDGED: frozenset({ANSWERED, REFUSED, NO_ANSWER, EXPIRED, EXTENDED}),
    ANSWERED: frozenset({EXPIRED, EXTENDED}),
    NO_ANSWER: frozenset({ACKNOWLEDGED, ANSWERED, REFUSED, EXPIRED}),
    EXTENDED: frozenset({ANSWERED, EXPIRED, EXTENDED}),
    REFUSED: frozenset(),
    EXPIRED: frozenset(),
}
# Statuses after which the platform holds preserved data (an expiry date applies).
PRESERVING = frozenset({SENT, ACKNOWLEDGED, ANSWERED, EXTENDED, NO_ANSWER})
# Statuses that still wait for the platform to answer.
AWAITING = frozenset({SENT, ACKNOWLEDGED, NO_ANSWER})


def parse_type(text: str) -> str:
    norm = text.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {"extension": PRESERVATION_EXTENSION, "preserve": PRESERVATION,
               "subscriber": DISCLOSURE_SUBSCRIBER, "bsi": DISCLOSURE_SUBSCRIBER,
               "non_content": DISCLOSURE_NONCONTENT, "noncontent": DISCLOSURE_NONCONTENT,
               "content": DISCLOSURE_CONTENT, "emergency_disclosure": EMERGENCY, "edr": EMERGENCY,
               "withholding": REMOVAL, "takedown": REMOVAL, "deletion": KCSC_DELETION,
               "blocking": KCSC_BLOCKING}
    norm = aliases.get(norm, norm)
    if norm not in REQUEST_TYPES:
        raise InputError(f"Unknown request type {text!r}: use one of {', '.join(REQUEST_TYPES)}. / "
                         "알 수 없는 요청 유형입니다.")
    return norm


def parse_status(text: str) -> str:
    norm = text.strip().lower().replace("-", "_").replace(" ", "_")
    norm = {"noanswer": NO_ANSWER, "unanswered": NO_ANSWER, "acked": ACKNOWLEDGED}.get(norm, norm)
    if norm not in STATUSES:
        raise InputError(f"Unknown status {text!r}: use one of {', '.join(STATUSES)}. / 알 수 없는 상태입니다.")
    return norm


def type_label(request_type: str, lang: str) -> str:
    en, ko = REQUEST_TYPES.get(request_type, (request_type, request_type))
    return ko if lang == "ko" else en


def status_label(status: str, lang: str) -> str:
    en, ko = STATUSES.get(status, (status, status))
    return ko if lang == "ko" else en
