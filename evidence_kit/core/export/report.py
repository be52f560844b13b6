"""The court report (report/report.pdf) and the auditor's verification report, with reportlab.

Both are rendered in Korean or English with the embedded NanumGothic font (resources/fonts),
every label from one translation table (LABELS), a header with the case number on every page
and a "page X of Y" / "X / Y 쪽" footer. Everything shown comes from suspect-controlled data
(titles, URLs, file names, metadata), so it is escaped, stripped of control characters and cut
to a sane length before it reaches the layout; long unbroken strings (URLs, hashes) wrap
anywhere instead of running off the page.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ... import __version__
from ..case import Artifact, Item
from ..errors import EvidenceKitError, InputError
from ..exif import format_gps
from ..filetypes import is_image, is_video
from ..imaging import thumbnail_image
from ..ledger import Event
from ..paths import resource
from ..progress import CancelToken, ProgressCallback, no_progress
from ..roles import ROLE_LABELS, Role
from .context import ExportContext

FONT = "NanumGothic"
FONT_BOLD = "NanumGothic-Bold"
FONT_MONO = "NanumGothicCoding"
KST = timezone(timedelta(hours=9), "KST")
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
BODY_W = PAGE_W - 2 * MARGIN
#: Only artifacts up to this size are decoded for a preview.
MAX_PREVIEW_BYTES = 64 << 20
#: A value longer than this is cut; the full value is in manifest.json.
MAX_VALUE_CHARS = 1500
MAX_METADATA_ROWS = 80
MAX_LINES = 24
THUMB_PX = 480
THUMB_MAX_W = 70 * mm
THUMB_MAX_H = 85 * mm

# -- translation table ----------------------------------------------------------------------
# key: (English, Korean). Every visible label in both PDFs comes from here.
LABELS: dict[str, tuple[str, str]] = {
    "report_title": ("Digital Evidence Report", "디지털 증거 보고서"),
    "report_subtitle": ("Evidence bundle exported from Evidence Kit", "Evidence Kit 에서 반출한 증거 묶음"),
    "header": ("Court report", "법정 제출용 보고서"),
    "page_of": ("Page {page} of {total}", "{page} / {total} 쪽"),
    "case": ("Case", "사건"),
    "case_number": ("Case number", "사건 번호"),
    "case_title": ("Case title", "사건명"),
    "offence": ("Offence", "죄명"),
    "agency": ("Agency", "수사 기관"),
    "case_id": ("Case ID", "사건 식별자"),
    "case_created": ("Case opened", "사건 생성 일시"),
    "export": ("Export", "반출"),
    "exporting_officer": ("Exporting officer", "반출 담당자"),
    "name": ("Name", "성명"),
    "badge": ("Badge", "신분증 번호"),
    "role": ("Role", "역할"),
    "user": ("User", "사용자"),
    "export_time": ("Export time", "반출 일시"),
    "bundle_file": ("Bundle file", "묶음 파일"),
    "items_count": ("Items", "증거물 수"),
    "evidence_digest": ("Bundle evidence digest (SHA-256 over the evidence lines of SHA256SUMS)",
                        "증거 요약 해시 (SHA256SUMS 의 evidence 행에 대한 SHA-256)"),
    "ledger_head": ("Custody ledger head at export", "반출 시점의 관리 기록(원장) 최종 해시"),
    "event_no": ("event #{seq}", "기록 #{seq}"),
    "tool": ("Tool", "도구"),
    "language": ("Report language", "보고서 언어"),
    "thumbs_blurred": ("Thumbnails in this report are blurred to protect the people depicted. "
                       "The evidence files in the bundle are unaltered.",
                       "이 보고서의 미리보기 이미지는 피해자 보호를 위해 흐림 처리되었습니다. "
                       "묶음 안의 증거 파일은 변경되지 않았습니다."),
    "thumbs_clear": ("Thumbnails in this report are NOT blurred, at the exporting officer's choice.",
                     "이 보고서의 미리보기 이미지는 반출 담당자의 선택에 따라 흐림 처리되지 않았습니다."),
    "exhibit_list": ("List of exhibits", "증거물 목록"),
    "no": ("No.", "순번"),
    "exhibit": ("Exhibit", "증거 번호"),
    "kind": ("Kind", "종류"),
    "title": ("Title", "제목"),
    "captured": ("Captured", "수집 일시"),
    "collector": ("Collector", "수집자"),
    "artifacts_count": ("Files", "파일 수"),
    "exhibit_heading": ("Exhibit {exhibit}", "증거물 {exhibit}"),
    "preview": ("Preview", "미리보기"),
    "preview_blurred": ("Blurred preview", "흐림 처리된 미리보기"),
    "preview_clear": ("Preview (not blurred)", "미리보기 (흐림 처리 안 함)"),
    "preview_top": ("top of the page", "페이지 상단"),
    "no_preview": ("No preview", "미리보기 없음"),
    "no_preview_video": ("Video: no preview", "동영상: 미리보기 없음"),
    "no_preview_audio": ("Audio: no preview", "음성: 미리보기 없음"),
    "no_preview_bad": ("Image could not be decoded", "이미지를 해독할 수 없음"),
    "no_preview_large": ("Too large for a preview", "미리보기 하기에 너무 큼"),
    "no_preview_none": ("Not an image", "이미지가 아님"),
    "source": ("Source", "출처"),
    "platform": ("Platform", "플랫폼"),
    "platform_ids": ("Platform identifiers", "플랫폼 식별 정보"),
    "acquisition": ("Acquisition record", "수집 기록"),
    "workstation": ("Workstation", "작업 컴퓨터"),
    "os": ("Operating system", "운영체제"),
    "os_user": ("OS user", "OS 사용자"),
    "started": ("Started", "수집 시작"),
    "ended": ("Ended", "수집 종료"),
    "local_zone": ("Local time zone", "현지 시간대"),
    "user_agent": ("User agent", "사용자 에이전트"),
    "proxy": ("Proxy / VPN", "프록시 / VPN"),
    "persona": ("Persona", "수사용 계정"),
    "clock_offset": ("Clock offset", "시계 오차"),
    "ntp_server": ("NTP server", "NTP 서버"),
    "python": ("Python", "Python"),
    "method": ("Acquisition method", "수집 방법"),
    "browser_profile": ("Browser profile", "브라우저 프로필"),
    "render_engine": ("Rendering engine", "렌더링 엔진"),
    "clock_not_measured": ("not measured", "측정하지 못함"),
    "final_url": ("Final URL", "최종 URL"),
    "capture_flags": ("Capture warnings", "수집 경고"),
    "tls_verified": ("certificate verified", "인증서 검증됨"),
    "tls_not_verified": ("certificate NOT verified", "인증서 검증 실패"),
    "other": ("Other", "기타"),
    "artifacts": ("Files (artifacts)", "파일 (구성 요소)"),
    "artifact_role": ("Role", "구분"),
    "file_name": ("File name", "파일명"),
    "size": ("Size", "크기"),
    "bytes": ("bytes", "바이트"),
    "mime": ("MIME type", "MIME 형식"),
    "bundle_path": ("Path in bundle", "묶음 내 경로"),
    "metadata": ("Metadata", "메타데이터"),
    "http_status": ("HTTP status", "HTTP 상태"),
    "server_ip": ("Server IP", "서버 IP"),
    "tls": ("TLS", "TLS"),
    "gps": ("GPS", "GPS 위치"),
    "exif": ("EXIF", "EXIF"),
    "more_rows": ("… {n} more entries in manifest.json", "… 나머지 {n}개 항목은 manifest.json 참조"),
    "truncated": ("… (cut; full value in manifest.json)", "… (생략; 전체 값은 manifest.json 참조)"),
    "notes": ("Notes", "메모"),
    "tags": ("Tags", "태그"),
    "none": ("(none)", "(없음)"),
    "custody": ("Chain of custody", "증거 관리 연속성 기록"),
    "seq": ("#", "#"),
    "time": ("Time", "일시"),
    "actor": ("By", "처리자"),
    "action": ("Action", "처리 내용"),
    "event_hash": ("Event hash (SHA-256)", "기록 해시 (SHA-256)"),
    "timestamps": ("Trusted timestamps (RFC 3161)", "신뢰 타임스탬프 (RFC 3161)"),
    "timestamps_ledger": ("Trusted timestamps of the custody ledger (RFC 3161)",
                          "관리 기록에 대한 신뢰 타임스탬프 (RFC 3161)"),
    "ts_subject": ("Stamped", "대상"),
    "ts_time": ("Time (authority's clock)", "시각 (발급 기관 기준)"),
    "ts_ids": ("Serial, stamped digest, token SHA-256", "일련번호, 대상 해시, 토큰 SHA-256"),
    "ts_serial": ("serial", "일련번호"),
    "ts_digest": ("digest", "대상 해시"),
    "ts_token": ("token", "토큰"),
    "ts_file": ("file", "파일"),
    "verification": ("Verification statement", "검증 안내"),
    "verification_text": (
        "Every file in this bundle is listed with its SHA-256 in SHA256SUMS, and each evidence file "
        "is byte-identical to what was captured. The custody ledger (custody/ledger.jsonl) holds the "
        "signed events of every exhibit; each event is hashed (SHA-256) and signed (Ed25519) by its "
        "actor, and linked to the event before it. To verify, in the unzipped folder:",
        "이 묶음의 모든 파일은 SHA256SUMS 에 SHA-256 해시와 함께 기재되어 있으며, 각 증거 파일은 "
        "수집 당시와 바이트 단위로 동일합니다. 관리 기록(custody/ledger.jsonl)에는 각 증거물의 "
        "서명된 기록이 있으며, 각 기록은 SHA-256 으로 해시되고 처리자의 Ed25519 키로 서명되며 "
        "직전 기록과 연결되어 있습니다. 검증 방법 (압축을 푼 폴더에서):"),
    "verify_step_sums": ("check every file against its hash:", "모든 파일의 해시 확인:"),
    "verify_step_py": ("check files, manifest, ledger chain and signatures (Python 3.9+ only):",
                       "파일, 목록, 관리 기록 연결과 서명 확인 (Python 3.9 이상만 필요):"),
    "verify_step_ek": ("the full check with Evidence Kit, including timestamps (no password needed):",
                       "Evidence Kit 으로 타임스탬프까지 전체 검증 (비밀번호 불필요):"),
    "verify_digest": ("The evidence digest and the ledger head printed on the cover must match "
                      "what these tools report.",
                      "표지에 기재된 증거 요약 해시와 관리 기록 최종 해시는 위 도구가 보고하는 값과 "
                      "일치해야 합니다."),
    "signature": ("Signature", "서명"),
    "signature_statement": ("I certify that this report and the accompanying bundle were produced by "
                            "me from the evidence store of the case named above.",
                            "본인은 이 보고서와 첨부된 증거 묶음을 위 사건의 증거 저장소로부터 직접 "
                            "작성하였음을 확인합니다."),
    "date": ("Date", "일자"),
    "sign_here": ("Signature", "서명"),
    "generated_by": ("Generated by {tool}", "{tool} 에서 생성"),
    # verification report
    "vr_title": ("Evidence Bundle Verification Report", "증거 묶음 검증 보고서"),
    "vr_header": ("Verification report", "검증 보고서"),
    "vr_verdict": ("Verdict", "판정"),
    "vr_ok": ("VERIFIED: the bundle is intact", "검증됨: 묶음이 변경되지 않았습니다"),
    "vr_failed": ("FAILED: {n} problem(s) found", "실패: 문제 {n}건 발견"),
    "vr_ok_warn": ("VERIFIED, with {n} warning(s)", "검증됨 (경고 {n}건)"),
    "vr_bundle": ("Bundle", "묶음"),
    "vr_bundle_sha256": ("Bundle SHA-256", "묶음 SHA-256"),
    "vr_checked_at": ("Checked at", "검증 일시"),
    "vr_tool": ("Verified with", "검증 도구"),
    "vr_exported_at": ("Exported at", "반출 일시"),
    "vr_exported_by": ("Exported by", "반출자"),
    "vr_files_checked": ("Files checked", "확인한 파일"),
    "vr_checks": ("Checks", "검사 항목"),
    "vr_check": ("Check", "검사"),
    "vr_status": ("Result", "결과"),
    "vr_detail": ("Detail", "내용"),
    "vr_items": ("Exhibits", "증거물별 결과"),
    "vr_problems": ("Problems", "발견된 문제"),
    "vr_no_problems": ("No problems were found.", "발견된 문제가 없습니다."),
    "vr_where": ("Where", "위치"),
    "vr_problem": ("Problem", "문제"),
    "vr_severity_error": ("error", "오류"),
    "vr_severity_warning": ("warning", "경고"),
    "vr_ledger": ("Custody ledger", "관리 기록"),
    "vr_events": ("Events", "기록 수"),
    "vr_statement": ("This report states the result of checking the bundle named above with the tool "
                     "named above. It does not change the bundle.",
                     "이 보고서는 위 도구로 위 묶음을 검사한 결과를 기재한 것이며, 묶음을 변경하지 "
                     "않습니다."),
    "verifier": ("Verified by", "검증자"),
    "status_ok": ("OK", "정상"),
    "status_failed": ("FAILED", "실패"),
    "status_skipped": ("skipped", "건너뜀"),
    "status_absent": ("not present", "해당 없음"),
    "status_unchecked": ("not checked", "확인 못 함"),
}

KIND_LABELS: dict[str, tuple[str, str]] = {
    "file": ("File", "파일"),
    "web": ("Web capture", "웹 수집"),
    "screen": ("Screen capture", "화면 수집"),
    "telegram": ("Telegram export", "텔레그램 내보내기"),
}

ACTION_LABELS: dict[str, tuple[str, str]] = {
    "case_created": ("Case created", "사건 생성"),
    "user_added": ("User added", "사용자 추가"),
    "captured": ("Captured", "수집"),
    "imported": ("Imported", "가져오기"),
    "viewed": ("Viewed (blurred)", "열람 (흐림)"),
    "revealed": ("Viewed unblurred", "원본 열람"),
    "extracted": ("Extracted a copy", "사본 추출"),
    "annotated": ("Notes changed", "메모 변경"),
    "tagged": ("Tags changed", "태그 변경"),
    "setting_changed": ("Setting changed", "설정 변경"),
    "exported": ("Exported", "반출"),
    "verified": ("Verified", "검증"),
    "timestamped": ("Timestamped", "타임스탬프 발급"),
    "request_drafted": ("Request drafted", "요청서 작성"),
    "request_updated": ("Request updated", "요청서 갱신"),
    "checked": ("Store checked", "저장소 점검"),
    "disposed": ("Disposed", "폐기"),
}

ARTIFACT_ROLE_LABELS: dict[str, tuple[str, str]] = {
    "original": ("Original", "원본"),
    "warc": ("Web archive (WARC)", "웹 아카이브 (WARC)"),
    "screenshot": ("Screenshot", "화면 캡처"),
    "screenshot_banner": ("Screenshot with banner", "표시줄 포함 화면 캡처"),
    "pdf": ("PDF rendering", "PDF 변환본"),
    "mhtml": ("MHTML", "MHTML"),
    "dom": ("DOM snapshot", "DOM 스냅샷"),
    "headers": ("HTTP headers", "HTTP 헤더"),
    "certificate": ("TLS certificate", "TLS 인증서"),
    "media": ("Media", "미디어"),
    "thumbnail": ("Thumbnail", "썸네일"),
    "export_json": ("Export JSON", "내보내기 JSON"),
}

CHECK_LABELS: dict[str, tuple[str, str]] = {
    "zip": ("ZIP structure", "ZIP 구조"),
    "files": ("Files against SHA256SUMS", "SHA256SUMS 대비 파일"),
    "manifest": ("Manifest against the files", "파일 대비 목록(manifest)"),
    "manifest_signature": ("Manifest signature", "목록 서명"),
    "ledger": ("Custody ledger chain", "관리 기록 연결"),
    "signatures": ("Event signatures", "기록 서명"),
    "keys": ("Users' public keys", "사용자 공개 키"),
    "items": ("Exhibits against their capture events", "수집 기록 대비 증거물"),
    "timestamps": ("RFC 3161 timestamp tokens", "RFC 3161 타임스탬프 토큰"),
}

# Acquisition fields shown first, in this order, with a label; the rest follow as "other".
_ACQ_ORDER: tuple[tuple[str, str], ...] = (
    ("method", "method"), ("workstation", "workstation"), ("os", "os"), ("os_user", "os_user"), ("tool", "tool"),
    ("user_agent", "user_agent"), ("proxy", "proxy"), ("persona", "persona"),
    ("browser_profile", "browser_profile"), ("render_engine", "render_engine"), ("server_ip", "server_ip"),
    ("clock", "clock_offset"), ("clock_offset_ms", "clock_offset"), ("clock_offset", "clock_offset"),
    ("ntp_server", "ntp_server"), ("python", "python"),
)
_ACQ_SKIP = {"collector", "role", "started_utc", "ended_utc", "local_zone"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")

_font_lock = threading.Lock()
_fonts_ready = False


class Labels:
    """Label lookup for one language."""

    def __init__(self, lang: str) -> None:
        if lang not in ("ko", "en"):
            raise InputError(f"Unknown report language {lang!r}: use ko or en. / 보고서 언어는 ko 또는 en 입니다.")
        self.lang = lang
        self._i = 1 if lang == "ko" else 0

    def __call__(self, key: str, **fmt: Any) -> str:
        text = LABELS[key][self._i]
        return text.format(**fmt) if fmt else text

    def pick(self, table: Mapping[str, tuple[str, str]], key: str) -> str:
        pair = table.get(key)
        return pair[self._i] if pair else key

    def role(self, role: str) -> str:
        try:
            return ROLE_LABELS[Role(role)][self._i]
        except ValueError:
            return role


def register_fonts() -> None:
    """Register NanumGothic (regular, bold) and NanumGothicCoding with reportlab, once."""
    global _fonts_ready
    with _font_lock:
        if _fonts_ready:
            return
        files = {FONT: "NanumGothic.ttf", FONT_BOLD: "NanumGothicBold.ttf", FONT_MONO: "NanumGothicCoding.ttf"}
        for name, file in files.items():
            path = resource("fonts", file)
            if not path.is_file():
                raise InputError(f"The report font {path} is missing; reinstall Evidence Kit. / "
                                 "보고서 글꼴이 없습니다. 다시 설치하세요.")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
        _fonts_ready = True


# -- text helpers ---------------------------------------------------------------------------
def clean(value: Any, limit: int = MAX_VALUE_CHARS, cut_note: str = "…", max_lines: int = MAX_LINES) -> str:
    """Printable text of a suspect-controlled value, cut to `limit` characters and `max_lines`
    lines (a table cell cannot continue on the next page, so it must stay shorter than one)."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    cut = False
    if len(text) > limit:
        text, cut = text[:limit], True
    if text.count("\n") >= max_lines:
        text, cut = "\n".join(text.split("\n")[:max_lines]), True
    return text + " " + cut_note if cut else text


def para_text(value: Any, limit: int = MAX_VALUE_CHARS, cut_note: str = "…", max_lines: int = MAX_LINES) -> str:
    """Escaped for reportlab's mini-markup, line breaks kept."""
    return escape(clean(value, limit, cut_note, max_lines)).replace("\n", "<br/>")


def parse_utc(text: str) -> datetime | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def _fmt(dt: datetime, zone: str) -> str:
    ms = f".{dt.microsecond // 1000:03d}" if dt.microsecond else ""
    return dt.strftime("%Y-%m-%d %H:%M:%S") + ms + " " + zone


def utc_and_kst(text: str, sep: str = "\n") -> str:
    """"2026-11-22 03:00:00.123 UTC" and the same instant in KST; unparsable text as is."""
    dt = parse_utc(text)
    if dt is None:
        return clean(text, 64)
    return _fmt(dt.astimezone(UTC), "UTC") + sep + _fmt(dt.astimezone(KST), "KST")


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


MAX_FLATTEN_ROWS = 2000
MAX_FLATTEN_DEPTH = 10


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested metadata as ("a.b.c", "text") rows, lists of scalars joined. Bounded in depth and
    rows: suspect-controlled JSON (chat exports) can nest or repeat without end."""
    rows: list[tuple[str, str]] = []
    _flatten(value, prefix, rows, 0)
    return rows


def _flatten(value: Any, prefix: str, rows: list[tuple[str, str]], depth: int) -> None:
    if len(rows) >= MAX_FLATTEN_ROWS:
        return
    if depth > MAX_FLATTEN_DEPTH and isinstance(value, Mapping | list | tuple):
        rows.append((prefix, "…"))  # not str(value): that recurses as deep as the value
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), rows, depth + 1)
    elif isinstance(value, list | tuple):
        if value and all(isinstance(v, list | tuple) and len(v) == 2 and all(isinstance(x, str) for x in v)
                         for v in value):
            # [name, value] pairs (HTTP headers): "prefix.Name: value", in order
            rows.extend((f"{prefix}.{name}", val) for name, val in value[:MAX_FLATTEN_ROWS])
        elif all(not isinstance(v, Mapping | list | tuple) for v in value):
            rows.append((prefix, ", ".join("" if v is None else str(v) for v in value[:MAX_FLATTEN_ROWS])))
        else:
            for i, v in enumerate(value):
                if len(rows) >= MAX_FLATTEN_ROWS:
                    break
                _flatten(v, f"{prefix}[{i}]", rows, depth + 1)
    elif isinstance(value, bool):
        rows.append((prefix, "yes" if value else "no"))
    elif value is not None and value != "":
        rows.append((prefix, str(value)))


# -- styles and building blocks -------------------------------------------------------------
class Styles:
    def __init__(self) -> None:
        base = {"fontName": FONT, "splitLongWords": True}
        self.body = ParagraphStyle("body", fontSize=9, leading=12.5, **base)
        self.small = ParagraphStyle("small", fontSize=7.5, leading=10, **base)
        self.label = ParagraphStyle("label", fontSize=8, leading=10.5, textColor=colors.HexColor("#333333"),
                                    **{**base, "fontName": FONT_BOLD})
        self.mono = ParagraphStyle("mono", fontSize=8, leading=10.4, **{**base, "fontName": FONT_MONO})
        self.mono_small = ParagraphStyle("mono_small", fontSize=6.6, leading=8.4,
                                         **{**base, "fontName": FONT_MONO})
        self.title = ParagraphStyle("title", fontSize=22, leading=28, alignment=TA_CENTER, spaceAfter=4,
                                    **{**base, "fontName": FONT_BOLD})
        self.subtitle = ParagraphStyle("subtitle", fontSize=11, leading=15, alignment=TA_CENTER,
                                       textColor=colors.HexColor("#444444"), spaceAfter=14, **base)
        self.h1 = ParagraphStyle("h1", fontSize=14, leading=19, spaceBefore=2, spaceAfter=6,
                                 **{**base, "fontName": FONT_BOLD})
        self.h2 = ParagraphStyle("h2", fontSize=10.5, leading=14, spaceBefore=8, spaceAfter=3,
                                 textColor=colors.HexColor("#1f3a5f"), **{**base, "fontName": FONT_BOLD})
        self.notice = ParagraphStyle("notice", fontSize=8.5, leading=12, textColor=colors.HexColor("#5a3d00"),
                                     backColor=colors.HexColor("#fff6e0"), borderPadding=5, spaceBefore=8,
                                     spaceAfter=8, **base)
        self.code = ParagraphStyle("code", fontSize=8, leading=11, leftIndent=10, backColor=colors.HexColor("#f2f2f2"),
                                   borderPadding=3, spaceBefore=2, spaceAfter=6, **{**base, "fontName": FONT_MONO})
        self.verdict = ParagraphStyle("verdict", fontSize=15, leading=21, textColor=colors.white,
                                      alignment=TA_CENTER, **{**base, "fontName": FONT_BOLD})


GRID = colors.HexColor("#b8c2cc")
LABEL_BG = colors.HexColor("#eef2f6")
HEAD_BG = colors.HexColor("#1f3a5f")


def kv_table(rows: Iterable[tuple[str, Any]], st: Styles, label_w: float = 42 * mm,
             width: float = BODY_W) -> Table:
    """Two-column label/value table; values are Paragraphs or flowables."""
    data = []
    for label, value in rows:
        cell = value if isinstance(value, Flowable | list) else Paragraph(str(value), st.body)
        data.append([Paragraph(escape(label), st.label), cell])
    t = Table(data, colWidths=[label_w, width - label_w], hAlign="LEFT")
    t.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    return t


def grid_table(header: list[str], rows: list[list[Any]], widths: list[float], st: Styles,
               zebra: bool = True) -> Table:
    data: list[list[Any]] = [[Paragraph(escape(h), ParagraphStyle("th", parent=st.label,
                                                                  textColor=colors.white)) for h in header]]
    for r in rows:
        data.append([c if isinstance(c, Flowable) else Paragraph(str(c), st.small) for c in r])
    t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if zebra:
        style += [("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f7f9fb")) for i in range(2, len(data), 2)]
    t.setStyle(TableStyle(style))
    return t


class Placeholder(Flowable):
    """A grey box with a line of text, where a preview cannot be shown."""

    def __init__(self, text: str, width: float = 50 * mm, height: float = 32 * mm) -> None:
        super().__init__()
        self.text = text
        self.width = width
        self.height = height

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setFillColor(colors.HexColor("#e4e7eb"))
        c.setStrokeColor(colors.HexColor("#9aa5b1"))
        c.roundRect(0, 0, self.width, self.height, 4, stroke=1, fill=1)
        c.setFillColor(colors.HexColor("#3e4c59"))
        c.setFont(FONT, 9)
        c.drawCentredString(self.width / 2, self.height / 2 - 3, self.text)


class PreviewImage(Flowable):
    """A Pillow image drawn as is (no PNG round trip: it is embedded once, Flate-compressed)."""

    def __init__(self, image: PILImage.Image, width: float, height: float) -> None:
        super().__init__()
        self.image = image
        self.width = width
        self.height = height

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(ImageReader(self.image), 0, 0, self.width, self.height)


class _NumberedCanvas(Canvas):
    """Draws header and "page X of Y" once the total is known (pages are kept until save)."""

    def __init__(self, *args: Any, decorate: Callable[[Canvas, int, int], None], **kwargs: Any) -> None:
        # Start every page in the embedded font, so no un-embedded base-14 font is referenced.
        kwargs.update(initialFontName=FONT, initialFontSize=9)
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._decorate = decorate

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(self, self._pageNumber, total)
            super().showPage()
        super().save()


def _page_decorator(header_left: str, header_right: str, footer_left: str,
                    lb: Labels) -> Callable[[Canvas, int, int], None]:
    def decorate(c: Canvas, page: int, total: int) -> None:
        c.saveState()
        c.setStrokeColor(GRID)
        c.setLineWidth(0.5)
        y_head = PAGE_H - MARGIN + 5 * mm
        c.setFont(FONT_BOLD, 8.5)
        c.setFillColor(colors.HexColor("#1f3a5f"))
        c.drawString(MARGIN, y_head, header_left)
        c.setFont(FONT, 8)
        c.setFillColor(colors.HexColor("#555555"))
        c.drawRightString(PAGE_W - MARGIN, y_head, header_right)
        c.line(MARGIN, y_head - 2 * mm, PAGE_W - MARGIN, y_head - 2 * mm)
        y_foot = MARGIN - 8 * mm
        c.line(MARGIN, y_foot + 4 * mm, PAGE_W - MARGIN, y_foot + 4 * mm)
        c.setFont(FONT, 7.5)
        c.drawString(MARGIN, y_foot, footer_left)
        c.setFont(FONT, 8.5)
        c.setFillColor(colors.black)
        c.drawRightString(PAGE_W - MARGIN, y_foot, lb("page_of", page=page, total=total))
        c.restoreState()

    return decorate


class _Doc(SimpleDocTemplate):
    """Reports layout progress (one step per item heading laid out) and honours cancel."""

    def __init__(self, *args: Any, on_flowable: Callable[[Flowable], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_flowable = on_flowable

    def afterFlowable(self, flowable: Flowable) -> None:  # reportlab hook
        self._on_flowable(flowable)


def _build(out: BinaryIO, story: list[Flowable], *, title: str, subject: str, author: str,
           decorate: Callable[[Canvas, int, int], None], lang: str,
           on_flowable: Callable[[Flowable], None] = lambda f: None) -> None:
    doc = _Doc(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 4 * mm,
               bottomMargin=MARGIN, title=title, subject=subject, author=author,
               creator=f"Evidence Kit {__version__}", lang=lang, on_flowable=on_flowable)

    def make_canvas(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        return _NumberedCanvas(*args, decorate=decorate, **kwargs)

    doc.build(story, canvasmaker=make_canvas)


# -- the court report -----------------------------------------------------------------------
def write_court_report(ctx: ExportContext, out: BinaryIO, *, progress: ProgressCallback | None = None,
                       cancel: CancelToken | None = None) -> None:
    """Write the court report PDF for an export into `out`.

    progress(done, total, message) counts each item twice: once when its page is prepared
    (preview decoded), once when it is laid out. cancel is checked at each step; a cancelled
    report raises CancelledError and `out` holds an incomplete PDF the caller discards.
    """
    register_fonts()
    lb = Labels(ctx.lang)
    st = Styles()
    info = ctx.case_info
    total = 2 * len(ctx.items)
    report = progress or no_progress
    story: list[Flowable] = []
    story += _cover(ctx, lb, st)
    story.append(PageBreak())
    story += _exhibit_list(ctx, lb, st)
    for n, item in enumerate(ctx.items, 1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        story.append(PageBreak())
        pages = _item_pages(ctx, item, lb, st)
        pages[0]._ek_item = item.exhibit  # marks the heading, for layout progress
        story += pages
        report(n, total, item.exhibit)
    story.append(PageBreak())
    story += _verification_and_signature(ctx, lb, st)
    laid_out = [len(ctx.items)]

    def on_flowable(flowable: Flowable) -> None:
        exhibit = getattr(flowable, "_ek_item", None)
        if exhibit is None:
            return
        if cancel is not None:
            cancel.raise_if_cancelled()
        laid_out[0] += 1
        report(laid_out[0], total, exhibit)

    decorate = _page_decorator(f"{lb('case')} {clean(info.number, 64)}",
                               f"{lb('header')} · {clean(ctx.bundle_name, 80)}",
                               lb("generated_by", tool=ctx.tool), lb)
    _build(out, story, title=f"{lb('report_title')} {clean(info.number, 64)}", subject=clean(info.title, 200),
           author=clean(ctx.exporter.full_name or ctx.exporter.name, 100), decorate=decorate, lang=ctx.lang,
           on_flowable=on_flowable)


def _officer_line(ctx: ExportContext, lb: Labels) -> str:
    u = ctx.exporter
    parts = [clean(u.full_name or u.name, 100)]
    if u.badge:
        parts.append(f"{lb('badge')} {clean(u.badge, 40)}")
    parts.append(lb.role(str(u.role)))
    parts.append(f"{lb('user')}: {clean(u.name, 64)}")
    return " · ".join(parts)


def _cover(ctx: ExportContext, lb: Labels, st: Styles) -> list[Flowable]:
    info = ctx.case_info
    story: list[Flowable] = [Spacer(1, 18 * mm), Paragraph(escape(lb("report_title")), st.title),
                             Paragraph(escape(lb("report_subtitle")), st.subtitle)]
    seq, head = ctx.ledger_head
    rows: list[tuple[str, Any]] = [
        (lb("case_number"), Paragraph(f"<b>{para_text(info.number, 64)}</b>", st.body)),
        (lb("case_title"), para_text(info.title, 400)),
        (lb("offence"), para_text(info.offence, 400) or lb("none")),
        (lb("agency"), para_text(info.agency, 200) or lb("none")),
        (lb("case_id"), Paragraph(para_text(info.case_id, 80), st.mono)),
        (lb("case_created"), para_text(utc_and_kst(info.created_at))),
    ]
    story += [Paragraph(escape(lb("case")), st.h2), kv_table(rows, st)]
    export_rows: list[tuple[str, Any]] = [
        (lb("exporting_officer"), para_text(_officer_line(ctx, lb), 300)),
        (lb("export_time"), para_text(utc_and_kst(ctx.exported_at))),
        (lb("bundle_file"), Paragraph(para_text(ctx.bundle_name, 200), st.mono)),
        (lb("items_count"), str(len(ctx.items))),
        (lb("evidence_digest"), Paragraph(para_text(ctx.evidence_digest, 80), st.mono)),
        (lb("ledger_head"), [Paragraph(escape(lb("event_no", seq=seq)), st.body),
                             Paragraph(para_text(head, 80), st.mono)]),
        (lb("tool"), para_text(ctx.tool, 100)),
    ]
    story += [Paragraph(escape(lb("export")), st.h2), kv_table(export_rows, st, label_w=52 * mm)]
    story.append(Paragraph(escape(lb("thumbs_blurred" if ctx.blur else "thumbs_clear")), st.notice))
    return story


def _exhibit_list(ctx: ExportContext, lb: Labels, st: Styles) -> list[Flowable]:
    rows: list[list[Any]] = []
    for n, item in enumerate(ctx.items, 1):
        title = para_text(item.title, 200)
        source = para_text(item.source, 300)
        rows.append([
            str(n),
            Paragraph(f"<b>{para_text(item.exhibit, 80)}</b>", st.small),
            escape(lb.pick(KIND_LABELS, item.kind)),
            Paragraph(f"{title}<br/><font color='#555555' size='6.6'>{source}</font>", st.small),
            Paragraph(para_text(utc_and_kst(item.captured_at)), st.mono_small),
            para_text(item.collector, 64),
            str(len(item.artifacts)),
        ])
    widths = [10 * mm, 37 * mm, 16 * mm, 0.0, 37 * mm, 15 * mm, 11 * mm]
    widths[3] = BODY_W - sum(widths)
    header = [lb("no"), lb("exhibit"), lb("kind"), f"{lb('title')} / {lb('source')}", lb("captured"),
              lb("collector"), lb("artifacts_count")]
    return [Paragraph(escape(lb("exhibit_list")), st.h1), grid_table(header, rows, widths, st)]


def _preview_artifact(item: Item) -> Artifact | None:
    """The image that best shows an item: a screenshot, else an image original, else a thumbnail."""
    by_role: dict[str, Artifact] = {}
    for a in item.artifacts:
        if is_image(a.mime) or a.mime == "image/tiff":
            by_role.setdefault(a.role, a)
    for role in ("screenshot", "screenshot_banner", "original", "media", "thumbnail"):
        if role in by_role:
            return by_role[role]
    return next(iter(by_role.values()), None)


def _preview(ctx: ExportContext, item: Item, lb: Labels, st: Styles) -> list[Flowable]:
    art = _preview_artifact(item)
    caption = lb("preview_blurred" if ctx.blur else "preview_clear")
    if art is None:
        main = item.original
        mime = main.mime if main else ""
        if is_video(mime):
            text = lb("no_preview_video")
        elif mime.startswith("audio/"):
            text = lb("no_preview_audio")
        else:
            text = lb("no_preview_none")
        return [Placeholder(text)]
    if art.size > MAX_PREVIEW_BYTES or ctx.read_artifact is None:
        return [Placeholder(lb("no_preview_large") if art.size > MAX_PREVIEW_BYTES else lb("no_preview"))]
    try:
        preview = thumbnail_image(ctx.read_artifact(art), THUMB_PX, blur=ctx.blur, max_aspect=1.6)
    except (EvidenceKitError, OSError, MemoryError):
        # Undecodable, too large, or the stored bytes failed their check: the report still
        # describes the item (verification names the damaged object).
        return [Placeholder(lb("no_preview_bad"))]
    w, h = preview.size
    scale = min(THUMB_MAX_W / w, THUMB_MAX_H / h)
    img = PreviewImage(preview, w * scale, h * scale)
    if art.role.startswith("screenshot"):
        caption += f" ({lb('preview_top')})" if _is_tall(art) else ""
    name = f"{lb.pick(ARTIFACT_ROLE_LABELS, art.role)}: {clean(art.name, 80)}"
    return [img, Paragraph(f"{escape(caption)}<br/>{para_text(name, 120)}", st.small)]


def _is_tall(art: Artifact) -> bool:
    w, h = art.metadata.get("width"), art.metadata.get("height")
    return isinstance(w, int) and isinstance(h, int) and w > 0 and h > 1.6 * w


def _item_pages(ctx: ExportContext, item: Item, lb: Labels, st: Styles) -> list[Flowable]:
    cut = lb("truncated")
    story: list[Flowable] = [Paragraph(escape(lb("exhibit_heading", exhibit=clean(item.exhibit, 80))), st.h1)]
    summary: list[tuple[str, Any]] = [
        (lb("title"), para_text(item.title, 500, cut)),
        (lb("kind"), escape(lb.pick(KIND_LABELS, item.kind))),
        (lb("source"), Paragraph(para_text(item.source, 2000, cut), st.mono)),
    ]
    if item.platform:
        summary.append((lb("platform"), para_text(item.platform, 100)))
    summary.append((lb("captured"), para_text(utc_and_kst(item.captured_at))))
    summary.append((lb("collector"), para_text(_collector_line(item, lb), 300)))
    right_w = BODY_W - THUMB_MAX_W - 6 * mm
    preview = _preview(ctx, item, lb, st)
    top = Table([[preview, kv_table(summary, st, label_w=24 * mm, width=right_w)]],
                colWidths=[THUMB_MAX_W + 6 * mm, right_w], hAlign="LEFT")
    top.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (0, 0), 6 * mm)]))
    story.append(top)

    ids = _platform_rows(item)
    if ids:
        story += [Paragraph(escape(lb("platform_ids")), st.h2), _rows_table(ids, st, cut)]

    story += [Paragraph(escape(lb("acquisition")), st.h2), kv_table(_acquisition_rows(item, lb, st, cut), st)]

    story.append(Paragraph(escape(lb("artifacts")), st.h2))
    for art in item.artifacts:
        story.append(KeepTogether(_artifact_table(ctx, art, lb, st, cut)))
        story.append(Spacer(1, 3 * mm))

    meta_rows = _metadata_rows(item, lb)
    if meta_rows:
        story += [CondPageBreak(30 * mm), Paragraph(escape(lb("metadata")), st.h2),
                  _rows_table(meta_rows, st, cut, lb)]

    story.append(KeepTogether([
        Paragraph(escape(lb("notes")), st.h2),
        Paragraph(para_text(item.notes, 6000, cut, max_lines=400) or escape(lb("none")), st.body),
        Paragraph(escape(lb("tags")), st.h2),
        Paragraph(para_text(", ".join(item.tags), 1000, cut) or escape(lb("none")), st.body)]))

    story += [CondPageBreak(35 * mm), Paragraph(escape(lb("custody")), st.h2),
              _custody_table(ctx.events_of(item.exhibit), lb, st)]
    stamps = _stamps_of(ctx, "item", item.exhibit)
    if stamps:
        story += [Paragraph(escape(lb("timestamps")), st.h2), _timestamps_table(stamps, lb, st)]
    return story


def _collector_line(item: Item, lb: Labels) -> str:
    col = item.acquisition.get("collector")
    if isinstance(col, Mapping):
        parts = [str(col.get("name") or col.get("user") or item.collector)]
        if col.get("badge"):
            parts.append(f"{lb('badge')} {col['badge']}")
        if col.get("user") and col.get("name"):
            parts.append(f"{lb('user')}: {col['user']}")
    else:
        parts = [item.collector]
    role = item.acquisition.get("role")
    if isinstance(role, str) and role:
        parts.append(lb.role(role))
    return " · ".join(parts)


def _acquisition_rows(item: Item, lb: Labels, st: Styles, cut: str) -> list[tuple[str, Any]]:
    acq = item.acquisition
    rows: list[tuple[str, Any]] = [(lb("collector"), para_text(_collector_line(item, lb), 300))]
    if acq.get("role"):
        rows.append((lb("role"), escape(lb.role(str(acq["role"])))))
    rows.append((lb("started"), para_text(utc_and_kst(str(acq.get("started_utc") or item.captured_at)))))
    if acq.get("ended_utc"):
        rows.append((lb("ended"), para_text(utc_and_kst(str(acq["ended_utc"])))))
    zone = acq.get("local_zone")
    if isinstance(zone, Mapping):
        minutes = zone.get("utc_offset_minutes")
        offset = ""
        if isinstance(minutes, int):
            sign = "+" if minutes >= 0 else "-"
            offset = f" (UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d})"
        rows.append((lb("local_zone"), para_text(f"{zone.get('name', '')}{offset}", 80)))
    shown = set(_ACQ_SKIP)
    for key, label in _ACQ_ORDER:
        if key in acq and acq[key] not in (None, "", {}):
            value = acq[key]
            if key == "clock":
                text = _clock_text(value, lb)
            elif key == "clock_offset_ms":
                text = _clock_offset(value)
            else:
                text = _value_text(value)
            cell = Paragraph(para_text(text, 600, cut), st.mono if key == "user_agent" else st.body)
            rows.append((lb(label), cell))
            shown.add(key)
    for key, text in flatten({k: v for k, v in acq.items() if k not in shown}):
        rows.append((key, Paragraph(para_text(text, 600, cut), st.small)))
    return rows


def _clock_text(clock: Any, lb: Labels) -> str:
    """The NTP reading (core.clock.ClockReading.to_json) in one line."""
    if not isinstance(clock, Mapping):
        return _value_text(clock)
    server = clock.get("server", "")
    if clock.get("ok") in (1, True, "1"):
        offset = clock.get("offset_s")
        try:
            shown = f"{float(str(offset)) * 1000:+.0f} ms"
        except (TypeError, ValueError):
            shown = str(offset)
        bits = [shown, f"{lb('ntp_server')}: {server}"]
        if clock.get("stratum") not in (None, ""):
            bits.append(f"stratum {clock['stratum']}")
        if clock.get("measured_at"):
            bits.append(utc_and_kst(str(clock["measured_at"]), " / "))
        return " · ".join(bits)
    return f"{lb('clock_not_measured')} ({server}): {clock.get('error', '')}"


def _clock_offset(value: Any) -> str:
    if isinstance(value, int | float) or (isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value)):
        return f"{float(value):+.0f} ms"
    return _value_text(value)


def _value_text(value: Any) -> str:
    if isinstance(value, Mapping | list | tuple):
        return "; ".join(f"{k}: {v}" if k else v for k, v in flatten(value))
    return str(value)


def _platform_rows(item: Item) -> list[tuple[str, str]]:
    """Platform identifiers: whatever the platform module recorded (ids, account, canonical URL)."""
    rows: list[tuple[str, str]] = []
    for key in ("platform", "identifiers", "platform_ids"):
        value = item.metadata.get(key)
        if isinstance(value, Mapping):
            rows += flatten(value)
    return rows


def _metadata_rows(item: Item, lb: Labels) -> list[tuple[str, str]]:
    """Labelled rows for what a reader looks for first (final URL, HTTP status, server IP, TLS,
    capture warnings, GPS), then every other field under its manifest.json key. Web captures
    keep these at the top level of the item metadata; older or imported items under "http"."""
    meta: dict[str, Any] = {k: v for k, v in item.metadata.items()
                            if k not in ("platform", "identifiers", "platform_ids")}
    http = dict(meta["http"]) if isinstance(meta.get("http"), Mapping) else {}
    rows: list[tuple[str, str]] = []

    def take(key: str) -> Any:
        for src in (meta, http):
            if src.get(key) not in (None, "", [], {}):
                return src.pop(key)
        return None

    final_url = take("final_url")
    if final_url:
        rows.append((lb("final_url"), str(final_url)))
    status = take("status")
    if status is not None:
        reason = take("reason")
        rows.append((lb("http_status"), f"{status} {reason}" if reason else str(status)))
    server_ip = take("server_ip")
    if server_ip:
        port = take("server_port")
        rows.append((lb("server_ip"), f"{server_ip}:{port}" if port else str(server_ip)))
    tls = take("tls")
    if tls is not None:
        rows.append((lb("tls"), _tls_text(tls, lb)))
    flags = take("flags")
    if flags:
        rows.append((lb("capture_flags"), _value_text(flags)))
    if http:
        meta["http"] = http
    else:
        meta.pop("http", None)
    exif = meta.get("exif")
    if isinstance(exif, Mapping) and isinstance(exif.get("gps"), Mapping):
        gps = dict(exif["gps"])
        rows.append((lb("gps"), format_gps(gps)))
        extra = {k: v for k, v in gps.items() if k not in ("latitude", "longitude", "altitude_m")}
        meta["exif"] = {**{k: v for k, v in exif.items() if k != "gps"}, **({"gps": extra} if extra else {})}
    rows += flatten(meta)
    return rows


def _tls_text(tls: Any, lb: Labels) -> str:
    if not isinstance(tls, Mapping):
        return _value_text(tls)
    parts = [str(v) for v in (tls.get("version"), tls.get("cipher")) if v]
    if "verified" in tls:
        verified = tls.get("verified") in (True, 1, "1", "true")
        parts.append(lb("tls_verified") if verified else f"{lb('tls_not_verified')} {tls.get('error') or ''}".strip())
    cert = tls.get("certificate")
    if isinstance(cert, Mapping):
        for key in ("subject", "issuer", "not_before", "not_after", "sha256"):
            if cert.get(key):
                parts.append(f"{key}: {cert[key]}")
    return " · ".join(parts) if parts else _value_text({k: v for k, v in tls.items() if k != "chain"})


def _rows_table(rows: list[tuple[str, str]], st: Styles, cut: str, lb: Labels | None = None) -> Table:
    shown = rows[:MAX_METADATA_ROWS]
    data = [(k, Paragraph(para_text(v, 600, cut), st.small)) for k, v in shown]
    if len(rows) > len(shown) and lb is not None:
        data.append(("…", Paragraph(escape(lb("more_rows", n=len(rows) - len(shown))), st.small)))
    return kv_table([(clean(k, 120), v) for k, v in data], st, label_w=48 * mm)


def _artifact_table(ctx: ExportContext, art: Artifact, lb: Labels, st: Styles, cut: str) -> Table:
    mono = st.mono
    rows: list[tuple[str, Any]] = [
        (lb("artifact_role"), Paragraph(f"<b>{escape(lb.pick(ARTIFACT_ROLE_LABELS, art.role))}</b> "
                                        f"<font color='#666666'>({para_text(art.role, 40)})</font>", st.body)),
        (lb("file_name"), Paragraph(para_text(art.name, 300, cut), st.body)),
    ]
    path = ctx.artifact_paths.get(art.id)
    if path:
        rows.append((lb("bundle_path"), Paragraph(para_text(path, 400, cut), mono)))
    rows += [
        (lb("size"), f"{art.size:,} {escape(lb('bytes'))} ({human_size(art.size)})"),
        (lb("mime"), para_text(art.mime, 100)),
        ("SHA-256", Paragraph(escape(art.sha256), mono)),
    ]
    if art.md5:
        rows.append(("MD5", Paragraph(escape(art.md5), mono)))
    if art.sha1:
        rows.append(("SHA-1", Paragraph(escape(art.sha1), mono)))
    meta = flatten(art.metadata)
    for key, value in meta[:24]:
        rows.append((clean(key, 60), Paragraph(para_text(value, 400, cut), st.small)))
    if len(meta) > 24:
        rows.append(("…", Paragraph(escape(lb("more_rows", n=len(meta) - 24)), st.small)))
    return kv_table(rows, st, label_w=30 * mm)


def _event_summary(ev: Event, lb: Labels) -> str:
    d = ev.details
    bits: list[str] = []
    if ev.action in ("captured", "imported"):
        arts = d.get("artifacts")
        if isinstance(arts, list):
            bits.append(f"{lb('artifacts_count')}: {len(arts)}")
    for key in ("artifact", "destination", "bundle", "tags", "notes", "request", "status", "tsa"):
        value = d.get(key)
        if value not in (None, "", []):
            bits.append(f"{key}: {_value_text(value)}")
    return "; ".join(bits)


def _custody_table(events: list[Event], lb: Labels, st: Styles) -> Flowable:
    if not events:
        return Paragraph(escape(lb("none")), st.body)
    rows: list[list[Any]] = []
    for ev in events:
        action = escape(lb.pick(ACTION_LABELS, ev.action))
        summary = _event_summary(ev, lb)
        if summary:
            action += f"<br/><font size='6.6' color='#555555'>{para_text(summary, 300)}</font>"
        rows.append([
            str(ev.seq),
            Paragraph(para_text(utc_and_kst(ev.at)), st.mono_small),
            para_text(f"{ev.actor}\n{lb.role(ev.role)}", 100),
            Paragraph(action, st.small),
            Paragraph(escape(ev.hash), st.mono_small),
        ])
    # 36 mm holds "2026-11-22 03:08:31.265 UTC" on one line; 42 mm a hash in two halves.
    widths = [9 * mm, 36 * mm, 24 * mm, 0.0, 42 * mm]
    widths[3] = BODY_W - sum(widths)
    return grid_table([lb("seq"), lb("time"), lb("actor"), lb("action"), lb("event_hash")], rows, widths, st)


def _timestamps_table(stamps: list[Mapping[str, Any]], lb: Labels, st: Styles) -> Flowable:
    """RFC 3161 tokens (records as core.timestamps.token_json writes them): what was stamped,
    when by the authority's clock, by which authority, and the token's own hash."""
    rows: list[list[Any]] = []
    for ts in stamps:
        kind = str(ts.get("subject_kind", ""))
        subject = str(ts.get("subject", ""))
        what = lb("event_no", seq=subject) if kind == "ledger" else subject
        tsa = " ".join(str(v) for v in (ts.get("tsa_name"), ts.get("tsa_url")) if v)
        ids = [f"{lb('ts_digest')}: {ts.get('digest', '')}", f"{lb('ts_token')}: {ts.get('token_sha256', '')}"]
        if ts.get("serial"):
            ids.insert(0, f"{lb('ts_serial')}: {ts['serial']}")
        if isinstance(ts.get("token"), str):  # the token's path in the bundle
            ids.append(f"{lb('ts_file')}: {ts['token']}")
        rows.append([para_text(what, 100),
                     Paragraph(para_text(utc_and_kst(str(ts.get("gen_time", "")))), st.mono_small),
                     para_text(tsa, 300),
                     Paragraph(para_text("\n".join(ids), 400), st.mono_small)])
    widths = [28 * mm, 36 * mm, 40 * mm, 0.0]
    widths[3] = BODY_W - sum(widths)
    return grid_table([lb("ts_subject"), lb("ts_time"), "TSA", lb("ts_ids")], rows, widths, st)


def _stamps_of(ctx: ExportContext, kind: str, subject: str | None = None) -> list[Mapping[str, Any]]:
    return [ts for ts in ctx.timestamps if isinstance(ts, Mapping) and ts.get("subject_kind") == kind
            and (subject is None or str(ts.get("subject")) == subject)]


def _verification_and_signature(ctx: ExportContext, lb: Labels, st: Styles) -> list[Flowable]:
    story: list[Flowable] = []
    ledger_stamps = _stamps_of(ctx, "ledger")
    if ledger_stamps:
        story += [Paragraph(escape(lb("timestamps_ledger")), st.h2), _timestamps_table(ledger_stamps, lb, st)]
    bundle = clean(ctx.bundle_name, 200) or "bundle.zip"
    folder = bundle[:-4] if bundle.lower().endswith(".zip") else bundle
    story += [
        Paragraph(escape(lb("verification")), st.h1),
        Paragraph(escape(lb("verification_text")), st.body),
        Spacer(1, 2 * mm),
        Paragraph(f"1. {escape(lb('verify_step_sums'))}", st.body),
        Paragraph(escape(f"unzip {bundle} -d {folder} && cd {folder}"), st.code),
        Paragraph("sha256sum -c SHA256SUMS", st.code),
        Paragraph(f"2. {escape(lb('verify_step_py'))}", st.body),
        Paragraph("python3 verify.py", st.code),
        Paragraph(f"3. {escape(lb('verify_step_ek'))}", st.body),
        Paragraph(escape(f"evidence-kit verify {bundle}"), st.code),
        Paragraph(escape(lb("verify_digest")), st.body),
        Spacer(1, 2 * mm),
        kv_table([(lb("evidence_digest"), Paragraph(escape(ctx.evidence_digest), st.mono)),
                  (lb("ledger_head"), Paragraph(f"{escape(lb('event_no', seq=ctx.ledger_head[0]))} "
                                                f"{escape(ctx.ledger_head[1])}", st.mono))], st, label_w=52 * mm),
    ]
    story += _signature_block(lb, st, ctx.exporter.full_name or ctx.exporter.name, ctx.exporter.badge,
                              lb.role(str(ctx.exporter.role)), ctx.exported_at, "signature_statement")
    return story


def _signature_block(lb: Labels, st: Styles, name: str, badge: str, role: str, when: str,
                     statement_key: str, heading_key: str = "signature") -> list[Flowable]:
    dt = parse_utc(when)
    date = dt.astimezone(KST).strftime("%Y-%m-%d") if dt else ""
    line = Table([[""]], colWidths=[80 * mm], rowHeights=[12 * mm])
    line.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                              ("LINEBELOW", (0, 0), (-1, -1), 0.8, colors.black)]))
    rows: list[tuple[str, Any]] = [
        (lb("name"), para_text(name, 100)),
        (lb("badge"), para_text(badge, 40) or "&nbsp;"),
        (lb("role"), escape(role)),
        (lb("date"), escape(date)),
        (lb("sign_here"), line),
    ]
    return [Spacer(1, 6 * mm), KeepTogether([Paragraph(escape(lb(heading_key)), st.h1),
                          Paragraph(escape(lb(statement_key)), st.body), Spacer(1, 3 * mm),
                          kv_table(rows, st, label_w=35 * mm, width=125 * mm)])]


# -- the auditor's verification report ------------------------------------------------------
def _problem_text(p: Mapping[str, Any], lb: Labels) -> str:
    msg = p.get("message_ko") if lb.lang == "ko" and p.get("message_ko") else p.get("message") or p.get("text")
    return clean(msg or p.get("code") or "?", 800)


def _problem_where(p: Mapping[str, Any], lb: Labels) -> str:
    parts = []
    if p.get("exhibit"):
        parts.append(str(p["exhibit"]))
    if p.get("seq") is not None:
        parts.append(lb("event_no", seq=p["seq"]))
    if p.get("path"):
        parts.append(str(p["path"]))
    if p.get("artifact"):
        parts.append(str(p["artifact"]))
    return clean(" · ".join(parts), 300)


def _status_label(status: Any, lb: Labels) -> str:
    if status is True or status == "ok":
        return lb("status_ok")
    if status is False or status == "failed":
        return lb("status_failed")
    if status == "skipped":
        return lb("status_skipped")
    if status == "absent":
        return lb("status_absent")
    if status is None:
        return lb("status_unchecked")
    return clean(status, 40)


def _problems_of(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    probs = result.get("problems")
    return [p if isinstance(p, Mapping) else {"message": str(p)} for p in probs] if isinstance(probs, list) else []


def write_verification_report(result: Mapping[str, Any], out: BinaryIO, lang: str) -> None:
    """Write an auditor's verification report PDF from a bundle verification result (see
    verify_bundle.BundleVerification.to_json for the shape; unknown fields are ignored and
    missing ones left out, so a partial result still gives a readable report)."""
    register_fonts()
    lb = Labels(lang)
    st = Styles()
    case = result.get("case") if isinstance(result.get("case"), Mapping) else {}
    assert isinstance(case, Mapping)
    export = result.get("export") if isinstance(result.get("export"), Mapping) else {}
    assert isinstance(export, Mapping)
    problems = _problems_of(result)
    errors = [p for p in problems if p.get("severity", "error") != "warning"]
    warnings = [p for p in problems if p.get("severity") == "warning"]
    ok = result.get("ok") is True and not errors  # anything but a real true is not a pass

    story: list[Flowable] = [Spacer(1, 6 * mm), Paragraph(escape(lb("vr_title")), st.title)]
    if ok:
        verdict = lb("vr_ok_warn", n=len(warnings)) if warnings else lb("vr_ok")
    else:
        verdict = lb("vr_failed", n=len(errors) or len(problems) or 1)
    box = Table([[Paragraph(escape(verdict), st.verdict)]], colWidths=[BODY_W])
    box.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                             ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#1e7b34" if ok else "#b3261e")),
                             ("TOPPADDING", (0, 0), (-1, -1), 9), ("BOTTOMPADDING", (0, 0), (-1, -1), 11)]))
    story += [Spacer(1, 4 * mm), box, Spacer(1, 5 * mm)]

    bundle = result.get("bundle_name") or result.get("bundle") or ""
    rows: list[tuple[str, Any]] = [(lb("vr_bundle"), Paragraph(para_text(bundle, 300), st.mono))]
    if result.get("bundle_sha256"):
        rows.append((lb("vr_bundle_sha256"), Paragraph(para_text(result["bundle_sha256"], 80), st.mono)))
    rows.append((lb("vr_checked_at"), para_text(utc_and_kst(str(result.get("checked_at", ""))))))
    rows.append((lb("vr_tool"), para_text(result.get("tool") or f"Evidence Kit {__version__}", 100)))
    if case:
        rows += [(lb("case_number"), para_text(case.get("number", ""), 64)),
                 (lb("case_title"), para_text(case.get("title", ""), 300))]
        if case.get("agency"):
            rows.append((lb("agency"), para_text(case["agency"], 200)))
    if export.get("exported_at"):
        rows.append((lb("vr_exported_at"), para_text(utc_and_kst(str(export["exported_at"])))))
    exporter = export.get("exporter")
    if isinstance(exporter, Mapping):
        who = [str(exporter.get("full_name") or exporter.get("name") or "")]
        if exporter.get("badge"):
            who.append(f"{lb('badge')} {exporter['badge']}")
        if exporter.get("role"):
            who.append(lb.role(str(exporter["role"])))
        rows.append((lb("vr_exported_by"), para_text(" · ".join(who), 300)))
    if result.get("evidence_digest"):
        rows.append((lb("evidence_digest"), Paragraph(para_text(result["evidence_digest"], 80), st.mono)))
    ledger = result.get("ledger")
    if isinstance(ledger, Mapping):
        head = ledger.get("head")
        if isinstance(head, Mapping):
            rows.append((lb("ledger_head"), Paragraph(
                f"{escape(lb('event_no', seq=head.get('seq', '?')))} {para_text(head.get('hash', ''), 80)}",
                st.mono)))
        if ledger.get("events") is not None:
            rows.append((lb("vr_events"), para_text(ledger["events"], 20)))
    if result.get("files_checked") is not None:
        files = f"{result['files_checked']}"
        if isinstance(result.get("bytes_checked"), int):
            files += f" ({result['bytes_checked']:,} {lb('bytes')})"
        rows.append((lb("vr_files_checked"), para_text(files, 80)))
    story.append(kv_table(rows, st, label_w=52 * mm))

    checks = result.get("checks")
    if isinstance(checks, list) and checks:
        crow: list[list[Any]] = []
        for c in checks:
            if not isinstance(c, Mapping):
                continue
            status = c.get("status")
            colour = "#1e7b34" if status == "ok" else "#b3261e" if status == "failed" else "#555555"
            detail = c.get("detail_ko") if lb.lang == "ko" and c.get("detail_ko") else c.get("detail", "")
            crow.append([para_text(lb.pick(CHECK_LABELS, str(c.get("name", ""))), 80),
                         Paragraph(f"<font color='{colour}'><b>{escape(_status_label(status, lb))}</b></font>",
                                   st.small),
                         para_text(detail, 600)])
        story += [Paragraph(escape(lb("vr_checks")), st.h2),
                  grid_table([lb("vr_check"), lb("vr_status"), lb("vr_detail")], crow,
                             [52 * mm, 20 * mm, BODY_W - 72 * mm], st)]

    items = result.get("items")
    if isinstance(items, list) and items:
        irows: list[list[Any]] = []
        for it in items:
            if not isinstance(it, Mapping):
                continue
            iprobs = _problems_of(it)
            good = bool(it.get("ok")) and not [p for p in iprobs if p.get("severity", "error") != "warning"]
            colour = "#1e7b34" if good else "#b3261e"
            text = "<br/>".join(f"• {escape(_problem_text(p, lb))}" for p in iprobs[:30]) or escape(lb("none"))
            if len(iprobs) > 30:
                text += "<br/>" + escape(lb("more_rows", n=len(iprobs) - 30))
            title = para_text(it.get("title", ""), 200)
            irows.append([Paragraph(f"<b>{para_text(it.get('exhibit', ''), 80)}</b><br/>{title}", st.small),
                          Paragraph(f"<font color='{colour}'><b>{escape(_status_label(good, lb))}</b></font>",
                                    st.small),
                          Paragraph(text, st.small)])
        story += [Paragraph(escape(lb("vr_items")), st.h2),
                  grid_table([lb("exhibit"), lb("vr_status"), lb("vr_problems")], irows,
                             [50 * mm, 20 * mm, BODY_W - 70 * mm], st)]

    story.append(Paragraph(escape(lb("vr_problems")), st.h2))
    if problems:
        prow = []
        for p in problems:
            sev = lb("vr_severity_warning") if p.get("severity") == "warning" else lb("vr_severity_error")
            code = clean(p.get("code", ""), 60)
            prow.append([escape(sev) + (f"<br/><font size='6.5' color='#555555'>{escape(code)}</font>" if code else ""),
                         Paragraph(para_text(_problem_where(p, lb), 300), st.mono_small),
                         para_text(_problem_text(p, lb), 800)])
        story.append(grid_table(["", lb("vr_where"), lb("vr_problem")], prow,
                                [20 * mm, 55 * mm, BODY_W - 75 * mm], st))
    else:
        story.append(Paragraph(escape(lb("vr_no_problems")), st.body))

    timestamps = result.get("timestamps")
    if isinstance(timestamps, list) and timestamps:
        trows = []
        for ts in timestamps:
            if not isinstance(ts, Mapping):
                continue
            subject = str(ts.get("subject", ""))
            what = lb("event_no", seq=subject) if ts.get("subject_kind") == "ledger" else subject
            trows.append([para_text(what, 120),
                          Paragraph(para_text(utc_and_kst(str(ts.get("gen_time", "")))), st.mono_small),
                          para_text(ts.get("tsa", ""), 200),
                          Paragraph(f"<b>{escape(_status_label(ts.get('ok'), lb))}</b> "
                                    f"{para_text(ts.get('message', ''), 300)}", st.small)])
        story += [Paragraph(escape(lb("timestamps")), st.h2),
                  grid_table([lb("ts_subject"), lb("ts_time"), "TSA", lb("vr_status")], trows,
                             [34 * mm, 36 * mm, 45 * mm, BODY_W - 115 * mm], st)]

    story.append(Spacer(1, 4 * mm))
    story += _signature_block(lb, st, "", "", "", str(result.get("checked_at", "")), "vr_statement",
                              "verifier")
    decorate = _page_decorator(f"{lb('vr_header')} · {clean(bundle, 80)}",
                               f"{lb('case')} {clean(case.get('number', ''), 64)}" if case else "",
                               lb("generated_by", tool=clean(result.get("tool") or f"Evidence Kit {__version__}", 60)),
                               lb)
    _build(out, story, title=lb("vr_title"), subject=clean(bundle, 200), author="", decorate=decorate, lang=lang)
