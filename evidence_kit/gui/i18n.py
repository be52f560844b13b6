"""Korean and English for every visible string of the desktop application.

    from evidence_kit.gui.i18n import tr, language_changed
    label.setText(tr("main.title"))
    tr("status.items", count=12)           # str.format fields

Feature widgets (requests, Telegram, near-duplicates) add their own keys once at import:

    i18n.register({"requests.title": ("Requests", "요청")})

and retranslate when the user switches language at run time:

    i18n.notifier().changed.connect(self.retranslate)

The language defaults to the system locale, is saved in Settings.language, and is switched
by set_language(). A test checks that every key has both languages.
"""

from __future__ import annotations

import locale
import os
from collections.abc import Mapping

from PySide6.QtCore import QLocale, QObject, Signal

LANGUAGES = ("ko", "en")

# key: (English, Korean)
_STRINGS: dict[str, tuple[str, str]] = {
    # application
    "app.name": ("Evidence Kit", "Evidence Kit"),
    "app.tagline": ("Preserve online evidence with a chain of custody",
                    "온라인 증거를 보관 연속성(Chain of Custody)과 함께 보존합니다"),
    "common.ok": ("OK", "확인"),
    "common.cancel": ("Cancel", "취소"),
    "common.close": ("Close", "닫기"),
    "common.save": ("Save", "저장"),
    "common.browse": ("Browse…", "찾아보기…"),
    "common.yes": ("Yes", "예"),
    "common.no": ("No", "아니요"),
    "common.error": ("Error", "오류"),
    "common.working": ("Working…", "처리 중…"),
    "common.copy": ("Copy", "복사"),
    "common.copied": ("Copied to the clipboard.", "클립보드에 복사했습니다."),
    "common.all": ("All", "전체"),
    "common.none": ("(none)", "(없음)"),
    "common.unexpected": ("Something went wrong: {error}", "예상하지 못한 오류가 발생했습니다: {error}"),
    # start dialog
    "start.title": ("Evidence Kit: open or create a case", "Evidence Kit: 사건 열기 또는 만들기"),
    "start.open_tab": ("Open a case", "사건 열기"),
    "start.create_tab": ("New case", "새 사건"),
    "start.recent": ("Recent cases", "최근 사건"),
    "start.no_recent": ("No recent cases. Choose a case folder with Browse…",
                        "최근 사건이 없습니다. '찾아보기…'로 사건 폴더를 선택하세요."),
    "start.case_folder": ("Case folder", "사건 폴더"),
    "start.user": ("User name", "사용자 이름"),
    "start.password": ("Password", "비밀번호"),
    "start.password2": ("Password (again)", "비밀번호 확인"),
    "start.unlock": ("Unlock", "잠금 해제"),
    "start.unlocking": ("Unlocking the case…", "사건 잠금을 해제하는 중…"),
    "start.create": ("Create case", "사건 만들기"),
    "start.creating": ("Creating the case…", "사건을 만드는 중…"),
    "start.number": ("Case number", "사건 번호"),
    "start.case_title": ("Case title", "사건 제목"),
    "start.offence": ("Offence", "죄명"),
    "start.agency": ("Agency", "소속 기관"),
    "start.full_name": ("Full name", "성명"),
    "start.badge": ("Badge number", "공무원 번호"),
    "start.location": ("Save in folder", "저장 위치"),
    "start.first_user": ("First user (you; case officer)", "첫 사용자 (본인, 사건 담당관)"),
    "start.pick_case": ("Choose a case folder (.ekcase)", "사건 폴더(.ekcase) 선택"),
    "start.pick_location": ("Choose where to save the case", "사건을 저장할 폴더 선택"),
    "start.need_folder": ("Choose a case folder first.", "먼저 사건 폴더를 선택하세요."),
    "start.need_user": ("Enter your user name and password.", "사용자 이름과 비밀번호를 입력하세요."),
    "start.mismatch": ("The two passwords differ.", "두 비밀번호가 서로 다릅니다."),
    "start.required": ("Fill in the case number, title, user name and password.",
                       "사건 번호, 제목, 사용자 이름, 비밀번호를 입력하세요."),
    "start.password_hint": ("At least 8 characters. There is no way to recover a lost password.",
                            "8자 이상. 잃어버린 비밀번호는 복구할 수 없습니다."),
    "start.language": ("Language", "언어"),
    # main window
    "main.title": ("{number} · {title} — Evidence Kit", "{number} · {title} — Evidence Kit"),
    "main.tab_evidence": ("Evidence", "증거물"),
    "main.tab_browser": ("Evidence browser", "증거 브라우저"),
    "main.tab_custody": ("Custody log", "보관 기록"),
    "menu.case": ("&Case", "사건(&C)"),
    "menu.capture": ("C&apture", "수집(&A)"),
    "menu.view": ("&View", "보기(&V)"),
    "menu.language": ("&Language", "언어(&L)"),
    "menu.help": ("&Help", "도움말(&H)"),
    "action.open_case": ("Open another case…", "다른 사건 열기…"),
    "action.close_case": ("Close case", "사건 닫기"),
    "action.quit": ("Quit", "종료"),
    "action.capture_url": ("Capture web page…", "웹 페이지 수집…"),
    "action.screen_capture": ("Screen capture…", "화면 캡처…"),
    "action.import": ("Import files…", "파일 가져오기…"),
    "action.import_folder": ("Import folder…", "폴더 가져오기…"),
    "action.verify": ("Verify now", "지금 검증"),
    "action.review_unblurred": ("Review unblurred (case-wide)…", "흐림 없이 검토 (사건 전체)…"),
    "action.export": ("Export evidence bundle…", "증거 묶음 내보내기…"),
    "action.verify_bundle": ("Check a bundle…", "증거 묶음 검증…"),
    "action.about": ("About Evidence Kit", "Evidence Kit 정보"),
    "about.text": ("Evidence Kit {version}\nPreserves online evidence in an encrypted store with a signed "
                   "chain of custody.", "Evidence Kit {version}\n온라인 증거를 암호화된 저장소에 서명된 보관 "
                   "기록과 함께 보존합니다."),
    "lang.ko": ("한국어", "한국어"),
    "lang.en": ("English", "English"),
    # status bar
    "status.case": ("Case {number}", "사건 {number}"),
    "status.user": ("{user} ({role})", "{user} ({role})"),
    "status.items": ("{count} items", "증거물 {count}건"),
    "status.not_verified": ("Not verified in this session", "이번 세션에서 검증하지 않음"),
    "status.verified_ok": ("Verified {at}: intact", "{at} 검증: 이상 없음"),
    "status.verified_bad": ("Verified {at}: {count} problems", "{at} 검증: 문제 {count}건"),
    "status.unblurred": ("Unblurred review is ON", "흐림 없이 검토 중"),
    # roles
    "role.investigator": ("Investigator", "수사관"),
    "role.case_officer": ("Case officer", "사건 담당관"),
    "role.auditor": ("Auditor", "감사관"),
    # evidence table
    "col.exhibit": ("Exhibit", "증거 번호"),
    "col.kind": ("Kind", "종류"),
    "col.title": ("Title / URL", "제목 / URL"),
    "col.platform": ("Platform", "플랫폼"),
    "col.captured": ("Captured (local time)", "수집 시각 (현지)"),
    "col.collector": ("Collector", "수집자"),
    "col.sha256": ("SHA-256", "SHA-256"),
    "col.flags": ("Flags", "표시"),
    "kind.file": ("File", "파일"),
    "kind.web": ("Web page", "웹 페이지"),
    "kind.screen": ("Screen capture", "화면 캡처"),
    "kind.telegram": ("Telegram", "텔레그램"),
    "flag.sensitive": ("sensitive", "민감"),
    "flag.notes": ("notes", "메모"),
    "flag.tags": ("tags", "태그"),
    "filter.search": ("Search exhibit, title, URL, notes…", "증거 번호, 제목, URL, 메모 검색…"),
    "filter.kind": ("Kind", "종류"),
    "filter.tag": ("Tag", "태그"),
    "filter.any_kind": ("All kinds", "모든 종류"),
    "filter.any_tag": ("All tags", "모든 태그"),
    "evidence.empty": ("No evidence yet. Capture a web page, take a screen capture, or drop files here.",
                       "아직 증거물이 없습니다. 웹 페이지를 수집하거나 화면을 캡처하거나 파일을 여기로 끌어오세요."),
    # detail pane
    "detail.none": ("Select an item to see its details.", "증거물을 선택하면 상세 정보가 보입니다."),
    "detail.preview": ("Preview", "미리보기"),
    "detail.artifacts": ("Files and hashes", "파일과 해시값"),
    "detail.metadata": ("Details", "상세 정보"),
    "detail.notes": ("Notes", "메모"),
    "detail.tags": ("Tags (comma separated)", "태그 (쉼표로 구분)"),
    "detail.save_notes": ("Save notes and tags", "메모와 태그 저장"),
    "detail.saved": ("Saved; the change is recorded in the custody log.",
                     "저장했습니다. 변경 내용이 보관 기록에 남았습니다."),
    "detail.custody": ("Custody events", "보관 기록"),
    "detail.reveal": ("Reveal", "흐림 해제"),
    "detail.blurred": ("Blurred for your protection. Revealing is recorded.",
                       "보호를 위해 흐리게 표시합니다. 흐림 해제는 기록됩니다."),
    "detail.no_preview": ("No preview for this kind of file.", "이 형식은 미리보기가 없습니다."),
    "detail.preview_failed": ("The preview could not be shown: {error}", "미리보기를 표시할 수 없습니다: {error}"),
    "detail.copy_hash": ("Copy SHA-256", "SHA-256 복사"),
    "detail.source": ("Source", "출처"),
    "detail.captured": ("Captured", "수집 시각"),
    "detail.collector": ("Collector", "수집자"),
    "detail.workstation": ("Workstation", "작업 컴퓨터"),
    "detail.http": ("HTTP", "HTTP"),
    "detail.tls": ("TLS certificate", "TLS 인증서"),
    "detail.exif": ("EXIF", "EXIF"),
    "detail.gps": ("GPS", "GPS"),
    "detail.platform_ids": ("Platform identifiers", "플랫폼 식별자"),
    "detail.acquisition": ("Acquisition", "수집 기록"),
    "detail.browser_profile": ("Browser profile", "브라우저 프로필"),
    "art.role": ("Role", "역할"),
    "art.name": ("File name", "파일 이름"),
    "art.size": ("Size", "크기"),
    "art.mime": ("Type", "형식"),
    "reveal.title": ("Reveal sensitive media?", "민감한 미디어를 표시할까요?"),
    "reveal.text": ("This may show sexual or violent content. Revealing it is recorded in the custody log "
                    "under your name. Show it unblurred?",
                    "성적이거나 폭력적인 내용일 수 있습니다. 흐림 해제는 본인 이름으로 보관 기록에 남습니다. "
                    "흐림 없이 표시할까요?"),
    "review.title": ("Review unblurred", "흐림 없이 검토"),
    "review.on_text": ("Show all media in this case unblurred, for every user, until turned off? "
                       "This is recorded in the custody log.",
                       "이 사건의 모든 미디어를 모든 사용자에게 흐림 없이 표시할까요? (해제할 때까지) "
                       "이 설정은 보관 기록에 남습니다."),
    "review.off_text": ("Blur media again for everyone in this case? This is recorded in the custody log.",
                        "이 사건의 미디어를 다시 흐리게 표시할까요? 이 설정은 보관 기록에 남습니다."),
    # import
    "import.title": ("Import files", "파일 가져오기"),
    "import.pick_files": ("Choose files to import", "가져올 파일 선택"),
    "import.pick_folder": ("Choose a folder to import", "가져올 폴더 선택"),
    "import.progress": ("Importing {name}…", "{name} 가져오는 중…"),
    "import.done": ("Imported {count} items.", "증거물 {count}건을 가져왔습니다."),
    "import.failures": ("{count} could not be imported:", "{count}건을 가져오지 못했습니다:"),
    "import.cancelled": ("Import cancelled; the files imported before stopping are kept.",
                         "가져오기를 취소했습니다. 중단 전에 가져온 파일은 보관됩니다."),
    "import.drop_hint": ("Drop files or folders to import them as evidence.",
                         "파일이나 폴더를 끌어다 놓으면 증거물로 가져옵니다."),
    # verify / custody
    "custody.filter_item": ("Exhibit", "증거 번호"),
    "custody.filter_actor": ("User", "사용자"),
    "custody.filter_action": ("Action", "행위"),
    "custody.any": ("(any)", "(전체)"),
    "custody.events": ("{count} events", "기록 {count}건"),
    "col.seq": ("#", "#"),
    "col.at": ("Time (local)", "시각 (현지)"),
    "col.actor": ("User", "사용자"),
    "col.role": ("Role", "역할"),
    "col.action": ("Action", "행위"),
    "col.item": ("Exhibit", "증거 번호"),
    "col.details": ("Details", "내용"),
    "col.hash": ("Event hash", "기록 해시"),
    "verify.running": ("Verifying the ledger and every stored file…", "보관 기록과 저장된 모든 파일을 검증하는 중…"),
    "verify.ok": ("Everything checks out: {events} events, {items} items, {objects} files verified.",
                  "이상 없음: 기록 {events}건, 증거물 {items}건, 파일 {objects}개를 검증했습니다."),
    "verify.bad": ("Verification FAILED: {count} problems found.", "검증 실패: 문제 {count}건이 발견되었습니다."),
    "verify.cancelled": ("Verification cancelled.", "검증을 취소했습니다."),
    "action.case_created": ("Case created", "사건 생성"),
    "action.user_added": ("User added", "사용자 추가"),
    "action.captured": ("Captured", "수집"),
    "action.imported": ("Imported", "가져오기"),
    "action.viewed": ("Viewed (blurred)", "열람 (흐림)"),
    "action.revealed": ("Revealed (unblurred)", "흐림 해제 열람"),
    "action.extracted": ("Extracted", "추출"),
    "action.annotated": ("Notes changed", "메모 변경"),
    "action.tagged": ("Tags changed", "태그 변경"),
    "action.setting_changed": ("Setting changed", "설정 변경"),
    "action.exported": ("Exported", "내보내기"),
    "action.verified": ("Verified", "검증"),
    "action.timestamped": ("Timestamped", "시점 확인"),
    "action.request_drafted": ("Request drafted", "요청서 작성"),
    "action.request_updated": ("Request updated", "요청 상태 변경"),
    "action.checked": ("Store checked", "저장소 점검"),
    "action.disposed": ("Disposed", "폐기"),
    # capture URL
    "capture.title": ("Capture a web page", "웹 페이지 수집"),
    "capture.url": ("Web address (URL)", "웹 주소 (URL)"),
    "capture.notes": ("Notes", "메모"),
    "capture.tags": ("Tags", "태그"),
    "capture.start": ("Capture", "수집 시작"),
    "capture.running": ("Capturing…", "수집 중…"),
    "capture.done": ("Saved as exhibit {exhibit}.", "증거물 {exhibit}(으)로 저장했습니다."),
    "capture.failed": ("The capture failed: {error}", "수집에 실패했습니다: {error}"),
    "capture.cancelled": ("Capture cancelled; nothing was saved.", "수집을 취소했습니다. 저장된 것이 없습니다."),
    "capture.bad_url": ("Enter a web address starting with http:// or https://.",
                        "http:// 또는 https://로 시작하는 웹 주소를 입력하세요."),
    "capture.unavailable": ("Web capture is not available in this build.",
                            "이 버전에서는 웹 수집을 사용할 수 없습니다."),
    "capture.show_item": ("Show item", "증거물 보기"),
    # screen capture
    "screen.title": ("Screen capture", "화면 캡처"),
    "screen.mode": ("What to capture", "캡처 범위"),
    "screen.full": ("The whole screen", "전체 화면"),
    "screen.region": ("A region I draw with the mouse", "마우스로 지정한 영역"),
    "screen.window": ("A window", "창 하나"),
    "screen.screen": ("Screen", "화면"),
    "screen.delay": ("Delay before capture", "캡처 전 대기"),
    "screen.seconds": (" s", " 초"),
    "screen.hide": ("Hide Evidence Kit while capturing", "캡처하는 동안 Evidence Kit 숨기기"),
    "screen.title_field": ("Title", "제목"),
    "screen.start": ("Capture", "캡처"),
    "screen.region_hint": ("Drag to select the region. Esc cancels.", "드래그하여 영역을 선택하세요. Esc는 취소."),
    "screen.window_hint": ("Choose a window", "창 선택"),
    "screen.no_windows": ("No windows could be listed on this system; capture the whole screen or a region.",
                          "이 시스템에서는 창 목록을 가져올 수 없습니다. 전체 화면이나 영역을 캡처하세요."),
    "screen.done": ("Screen capture saved as exhibit {exhibit}.", "화면 캡처를 증거물 {exhibit}(으)로 저장했습니다."),
    "screen.failed": ("The screen could not be captured: {error}", "화면을 캡처할 수 없습니다: {error}"),
    "screen.default_title": ("Screen capture {time}", "화면 캡처 {time}"),
    # browser
    "browser.back": ("Back", "뒤로"),
    "browser.forward": ("Forward", "앞으로"),
    "browser.reload": ("Reload", "새로 고침"),
    "browser.go": ("Go", "이동"),
    "browser.address": ("Type a web address and press Enter", "웹 주소를 입력하고 Enter를 누르세요"),
    "browser.capture": ("Capture page", "페이지 수집"),
    "browser.record": ("Record every page", "모든 페이지 기록"),
    "browser.profile": ("Profile", "프로필"),
    "browser.off_record": ("Off the record (nothing kept)", "기록 남기지 않음 (저장 안 함)"),
    "browser.persona": ("Persona: {name}", "가상 인물: {name}"),
    "browser.new_persona": ("New persona…", "새 가상 인물…"),
    "browser.persona_name": ("Name of the persona profile (cookies and logins are kept for it):",
                             "가상 인물 프로필 이름 (쿠키와 로그인이 유지됩니다):"),
    "browser.recording": ("Recording: every page loaded is captured.", "기록 중: 불러온 모든 페이지를 수집합니다."),
    "browser.captured": ("Page captured as exhibit {exhibit}.", "페이지를 증거물 {exhibit}(으)로 수집했습니다."),
    "browser.nothing": ("Open a page first.", "먼저 페이지를 여세요."),
    "browser.busy": ("A capture is already running.", "이미 수집 중입니다."),
    # closing
    "close.busy_title": ("Work in progress", "작업 진행 중"),
    "close.busy_text": ("Work is still running ({what}). Stop it and close? Anything not finished is discarded; "
                        "the case stays consistent.",
                        "작업이 아직 진행 중입니다 ({what}). 중단하고 닫을까요? 끝나지 않은 작업은 버려지며 "
                        "사건은 일관된 상태로 유지됩니다."),
    # worker names
    "work.import": ("importing files", "파일 가져오기"),
    "work.verify": ("verification", "검증"),
    "work.capture": ("web capture", "웹 수집"),
    "work.unlock": ("unlocking", "잠금 해제"),
    "work.export": ("export", "내보내기"),
}

_language = "en"


class _Notifier(QObject):
    changed = Signal(str)


_notifier: _Notifier | None = None


def notifier() -> _Notifier:
    """Emits changed(lang) after set_language(); connect widgets' retranslate() to it."""
    global _notifier
    if _notifier is None:
        _notifier = _Notifier()
    return _notifier


def register(table: Mapping[str, tuple[str, str]]) -> None:
    """Add a feature's strings: {key: (English, Korean)}. Re-registering the same text is harmless."""
    for key, value in table.items():
        if len(value) != 2 or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f"translation {key!r} needs a non-empty English and Korean text")
        _STRINGS[key] = (value[0], value[1])


def all_keys() -> list[str]:
    return sorted(_STRINGS)


def entry(key: str) -> tuple[str, str]:
    return _STRINGS[key]


def system_language() -> str:
    """Korean when the system locale is Korean, else English."""
    name = QLocale.system().name()
    if not name or name == "C":
        name = os.environ.get("LANG", "") or (locale.getlocale()[0] or "")
    return "ko" if name.lower().startswith("ko") else "en"


def language() -> str:
    return _language


def set_language(lang: str) -> None:
    global _language
    lang = lang if lang in LANGUAGES else system_language()
    if lang != _language:
        _language = lang
        notifier().changed.emit(lang)


def tr(key: str, **fields: object) -> str:
    """The text of `key` in the current language; an unknown key shows as itself (and a test
    fails), never as an empty label."""
    pair = _STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if _language == "ko" else pair[0]
    if fields:
        try:
            return text.format(**fields)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def pick(pair: tuple[str, str]) -> str:
    """Choose from an (English, Korean) pair such as core's ROLE_LABELS."""
    return pair[1] if _language == "ko" else pair[0]


def error_text(message: str) -> str:
    """Core errors read "English. / 한국어."; show the half in the current language."""
    if " / " in message:
        en, _, ko = message.partition(" / ")
        en, ko = en.strip(), ko.strip()
        # The Korean half is often shorter (no path); keep the English below it for the details.
        return f"{ko}\n{en}" if _language == "ko" and ko else en
    return message
