"""The court report and the auditor's verification report: text (pdftotext), pages, fonts,
previews (pdfimages), layout bounds (pdftotext -bbox) and hostile input."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.errors import CancelledError, InputError, IntegrityError
from evidence_kit.core.export import report
from evidence_kit.core.export.context import ExportContext
from evidence_kit.core.export.report import LABELS, write_court_report, write_verification_report
from evidence_kit.core.imaging import thumbnail
from evidence_kit.core.progress import CancelToken
from tests.conftest import CASE_NUMBER, OFFICER, OFFICER_PW
from tests.core.report_fixtures import PHOTOS, build_context


def pdf_text(pdf: Path, *extra: str) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *extra, str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def write(ctx: ExportContext, path: Path) -> Path:
    with open(path, "wb") as f:
        write_court_report(ctx, f)
    return path


@pytest.fixture(scope="module")
def shared_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Case, Path]]:
    """One case for the read-only tests of this module (building it is the slow part)."""
    tmp = tmp_path_factory.mktemp("report-case")
    c = Case.create(tmp / "case.ekcase", number=CASE_NUMBER, title="딥페이크 유포 채널 / Deepfake channel",
                    user=OFFICER, password=OFFICER_PW, full_name="김경찰 Kim", badge="12345",
                    offence="성폭력처벌법 제14조의2 / Sexual Violence Punishment Act Art. 14-2",
                    agency="서울경찰청 사이버수사과 / SMPA Cyber Bureau")
    try:
        yield c, tmp
    finally:
        c.close()


@pytest.fixture(scope="module")
def ctx(shared_case: tuple[Case, Path]) -> ExportContext:
    case, tmp = shared_case
    return build_context(case, tmp, lang="ko", blur=True)


@pytest.fixture(scope="module")
def reports(ctx: ExportContext, shared_case: tuple[Case, Path]) -> dict[str, Path]:
    tmp = shared_case[1]
    return {lang: write(dataclasses.replace(ctx, lang=lang), tmp / f"report-{lang}.pdf") for lang in ("ko", "en")}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_report_text_holds_exhibits_hashes_and_case_fields(reports: dict[str, Path], ctx: ExportContext,
                                                           lang: str) -> None:
    text = pdf_text(reports[lang])
    flat = squash(text)
    info = ctx.case_info
    for value in (info.number, info.title, info.offence, info.agency, ctx.exporter.full_name, ctx.exporter.badge,
                  ctx.evidence_digest, ctx.ledger_head[1], ctx.bundle_name, ctx.tool):
        assert squash(value) in flat, value
    assert len(ctx.items) == 5
    for item in ctx.items:
        assert item.exhibit in text
        for art in item.artifacts:
            for digest in (art.sha256, art.md5, art.sha1):
                assert digest in text, (item.exhibit, art.name)  # on one line, never broken
            assert squash(ctx.artifact_paths[art.id]) in flat
    # Every custody event of every item, by its full hash.
    for ev in ctx.events:
        if ev.item:
            assert ev.hash in flat
    # Export time in UTC and KST.
    exported = report.parse_utc(ctx.exported_at)
    assert exported is not None
    assert exported.strftime("%Y-%m-%d %H:%M:%S") in text
    assert (exported + report.timedelta(hours=9)).strftime("%Y-%m-%d %H:%M:%S") + "." in text


def test_korean_report_uses_korean_labels_and_english_report_english(reports: dict[str, Path]) -> None:
    ko, en = pdf_text(reports["ko"]), pdf_text(reports["en"])
    for key in ("report_title", "exhibit_list", "acquisition", "artifacts", "custody", "verification",
                "signature", "metadata", "notes", "evidence_digest"):
        en_label, ko_label = LABELS[key]
        assert squash(ko_label) in squash(ko), key
        assert squash(en_label) in squash(en), key
        assert squash(en_label) not in squash(ko), key
    assert "사건 담당관" in ko and "Case officer" in en
    assert "웹 수집" in ko and "Web capture" in en
    assert "흐림 처리" in ko and "blurred" in en


@pytest.mark.parametrize("lang,pattern", [("ko", "{page} / {total} 쪽"), ("en", "Page {page} of {total}")])
def test_every_page_has_case_header_and_page_x_of_y(reports: dict[str, Path], ctx: ExportContext, lang: str,
                                                   pattern: str) -> None:
    pdf = reports[lang]
    total = page_count(pdf)
    assert total >= 2 + len(ctx.items)  # cover, list, one page or more per item, verification
    pages = pdf_text(pdf).split("\f")[:total]
    assert len(pages) == total
    for n, page in enumerate(pages, 1):
        assert squash(pattern.format(page=n, total=total)) in squash(page)
        assert ctx.case_info.number in page.splitlines()[0] or ctx.case_info.number in page[:200]


def test_fonts_are_all_embedded(reports: dict[str, Path]) -> None:
    out = subprocess.run(["pdffonts", str(reports["ko"])], check=True, capture_output=True, text=True).stdout
    rows = out.splitlines()[2:]
    assert rows and any("NanumGothic" in r for r in rows)
    for row in rows:
        assert re.search(r"\s+yes\s+yes\s+yes\s+", row), row  # embedded, subset, unicode map


def test_nothing_runs_off_the_page(reports: dict[str, Path]) -> None:
    """Long hashes, paths and the 1,900-character URL wrap inside the page margins."""
    html = subprocess.run(["pdftotext", "-bbox", str(reports["en"]), "-"], check=True, capture_output=True,
                          text=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))  # type: ignore[union-attr]
    boxes = [(float(a), float(b), w) for a, b, w in
             re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html)]
    assert len(boxes) > 500
    for x_min, x_max, word in boxes:
        assert x_min >= 20 and x_max <= width - 20, word


def test_long_url_is_shown_wrapped(reports: dict[str, Path], ctx: ExportContext) -> None:
    web = next(i for i in ctx.items if i.kind == "web")
    flat = squash(pdf_text(reports["en"]))
    assert squash(web.source[:1400]) in flat
    assert "cut;fullvalueinmanifest.json" in flat  # the tail beyond the limit is named, not dropped silently


def _images(pdf: Path, tmp: Path, page: int) -> list[Image.Image]:
    prefix = tmp / f"img-{pdf.stem}-{page}"
    subprocess.run(["pdfimages", "-png", "-f", str(page), "-l", str(page), str(pdf), str(prefix)], check=True)
    return [Image.open(p).convert("RGB") for p in sorted(tmp.glob(f"{prefix.name}-*.png"))]


def _edges(im: Image.Image) -> float:
    e = im.convert("L").filter(ImageFilter.FIND_EDGES)
    return float(ImageStat.Stat(e.crop((2, 2, im.width - 2, im.height - 2))).mean[0])


def _item_page(pdf: Path, exhibit: str) -> int:
    for n, page in enumerate(pdf_text(pdf).split("\f"), 1):
        if report.LABELS["exhibit_heading"][0].format(exhibit=exhibit) in page:
            return n
    raise AssertionError(exhibit)


def test_thumbnail_blurred_by_default_and_clear_when_chosen(ctx: ExportContext, tmp_path: Path) -> None:
    ctx = dataclasses.replace(ctx, lang="en")
    blurred_pdf = write(ctx, tmp_path / "blurred.pdf")
    clear_pdf = write(dataclasses.replace(ctx, blur=False), tmp_path / "clear.pdf")
    first = ctx.items[0]
    assert first.original is not None and first.original.name == PHOTOS[0].name
    page = _item_page(blurred_pdf, first.exhibit)
    [blurred] = _images(blurred_pdf, tmp_path, page)
    [clear] = _images(clear_pdf, tmp_path, _item_page(clear_pdf, first.exhibit))
    expected = Image.open(io.BytesIO(thumbnail(PHOTOS[0].read_bytes(), report.THUMB_PX, blur=False))).convert("RGB")
    assert clear.size == expected.size == blurred.size
    # Unblurred: the photo itself. Blurred: nearly no detail left, far from the photo.
    assert max(ImageStat.Stat(ImageChops.difference(clear, expected)).mean) < 2
    assert _edges(blurred) < 0.1 * _edges(clear)
    assert sum(ImageStat.Stat(ImageChops.difference(clear, blurred)).mean) / 3 > 15
    assert "Blurred preview" in pdf_text(blurred_pdf)
    assert "Preview (not blurred)" in pdf_text(clear_pdf)
    assert "NOT blurred" in pdf_text(clear_pdf)


def test_video_and_broken_image_get_placeholders(reports: dict[str, Path], ctx: ExportContext) -> None:
    ko = pdf_text(reports["ko"])
    en = pdf_text(reports["en"])
    assert "동영상: 미리보기 없음" in ko and "Video: no preview" in en
    assert "이미지를 해독할 수 없음" in ko and "Image could not be decoded" in en


def test_web_item_details_are_shown(reports: dict[str, Path]) -> None:
    text = pdf_text(reports["en"])
    for expected in ("149.154.167.99:443", "TLSv1.3", "HTTP status", "200 OK", "certificate verified", "CN=t.me",
                     "socks5://127.0.0.1:9050", "-42 ms", "time.kriss.re.kr", "stratum 1", "AppleWebKit/537.36",
                     "deepfake_channel_example", "Platform identifiers", "Final URL", "Capture warnings",
                     "screenshot_capped", "http.response_headers.Server", "nginx/1.18.0", "Acquisition method",
                     "Screenshot", "Web archive (WARC)", "Collected after the victim's report.", "긴급",
                     "top of the page", "off-the-record"):
        assert expected in text, expected
    assert "BEGIN CERTIFICATE" not in text  # the chain is an artifact, not report text


def test_gps_line_from_exif(ctx: ExportContext, tmp_path: Path) -> None:
    ctx = dataclasses.replace(ctx, lang="en")
    gps_items = [i for i in ctx.items if isinstance(i.metadata.get("exif"), dict) and "gps" in i.metadata["exif"]]
    assert gps_items, "the goexif fixture carries GPS"
    line = report.format_gps(gps_items[0].metadata["exif"]["gps"])
    assert line and line in pdf_text(write(ctx, tmp_path / "gps.pdf"))


def test_hostile_text_is_escaped_and_cut(case: Case, tmp_path: Path) -> None:
    draft = case.new_item("web", source="https://evil.example/" + "%41" * 30000,
                          title="<b>bold</b> & <font size=90>big</font> \x00\x07\u202eevil", action=ledger.CAPTURED)
    draft.add_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, role="screenshot", name="<script>.png", mime="image/png")
    draft.metadata = {"http": {"headers": {f"X-H{i}": "v" * 5000 for i in range(300)}},
                      "deep": {"a": {"b": {"c": [{"d": list(range(50))}]}}}}
    draft.metadata["lines"] = "line\n" * 5000  # one table cell must never outgrow a page
    draft.notes = "x" * 100000 + "\n" * 3000
    item = draft.commit()
    for n in range(80):  # a custody table over several pages
        case.record_view(item.exhibit, revealed=False, artifact=f"view {n}")
    ctx = ExportContext(case_info=case.info, exporter=case.user, exported_at=ledger.utc_now_ms(), lang="en",
                        blur=True, items=[item], events=case.events(item=item.exhibit),
                        ledger_head=case.ledger_head(), evidence_digest="0" * 64, bundle_name="b.zip", tool="t",
                        read_artifact=case.read_artifact)
    pdf = write(ctx, tmp_path / "hostile.pdf")
    text = pdf_text(pdf)
    assert "<b>bold</b> & <font size=90>big</font>" in text
    assert "more entries in manifest.json" in text
    assert "_script_.png" in text  # the store already made the name safe
    assert page_count(pdf) < 40
    assert "view 79" in text


def test_no_reader_and_oversized_preview(ctx: ExportContext, tmp_path: Path) -> None:
    ctx = dataclasses.replace(ctx, lang="en")
    text = pdf_text(write(dataclasses.replace(ctx, read_artifact=None), tmp_path / "noreader.pdf"))
    assert text.count("No preview") >= 3
    def damaged(_art: object) -> bytes:
        raise IntegrityError("stored bytes do not match")

    text = pdf_text(write(dataclasses.replace(ctx, read_artifact=damaged), tmp_path / "damaged.pdf"))
    assert text.count("Image could not be decoded") >= 3
    big = dataclasses.replace(ctx.items[0], artifacts=[dataclasses.replace(a, size=report.MAX_PREVIEW_BYTES + 1)
                                                       for a in ctx.items[0].artifacts])
    text = pdf_text(write(dataclasses.replace(ctx, items=[big]), tmp_path / "big.pdf"))
    assert "Too large for a preview" in text


def test_timestamps_are_listed(ctx: ExportContext, tmp_path: Path) -> None:
    item = ctx.items[0]
    base = {"id": 1, "at": "2026-11-22T03:00:01.000Z", "digest_alg": "sha256", "tsa_url": "http://127.0.0.1:9999/tsa",
            "gen_time": "2026-11-22T03:00:00Z", "tsa_name": "CN=Test TSA", "event_seq": 9,
            "token_base64": "MIIB" * 400, "tsa_certs_pem": "-----BEGIN CERTIFICATE-----\nMIIC"}
    stamps = [{**base, "subject_kind": "item", "subject": item.exhibit, "digest": "1" * 64, "serial": "4242",
               "token_sha256": "2" * 64},
              {**base, "subject_kind": "ledger", "subject": "7", "digest": "3" * 64, "serial": "4343",
               "token_sha256": "4" * 64}]
    pdf = write(dataclasses.replace(ctx, lang="en", timestamps=stamps), tmp_path / "ts.pdf")
    pages = pdf_text(pdf).split("\f")
    flat = squash("".join(pages))
    for value in ("1" * 64, "2" * 64, "3" * 64, "4" * 64, "4242", "4343", "CN=Test TSA", "http://127.0.0.1:9999/tsa",
                  "2026-11-22 03:00:00 UTC", "2026-11-22 12:00:00 KST", "event #7",
                  "Trusted timestamps of the custody ledger"):
        assert squash(value) in flat, value
    # The item's token is shown with the item (before the next exhibit), the ledger's at the end.
    first = _item_page(pdf, item.exhibit)
    second = _item_page(pdf, ctx.items[1].exhibit)
    assert "1" * 64 in squash("".join(pages[first - 1:second - 1]))
    assert "3" * 64 not in squash("".join(pages[first - 1:second - 1]))
    assert "MIIBMIIB" not in flat and "BEGINCERTIFICATE" not in flat  # tokens are files in the bundle


def test_unknown_language_is_refused(ctx: ExportContext) -> None:
    with pytest.raises(InputError):
        write_court_report(dataclasses.replace(ctx, lang="fr"), io.BytesIO())
    with pytest.raises(InputError):
        write_verification_report({}, io.BytesIO(), "de")


def test_every_label_has_both_languages() -> None:
    technical = {"seq", "tls", "exif", "gps", "python", "mime"}
    for key, (en, ko) in LABELS.items():
        assert en.strip() and ko.strip(), key
        if key not in technical:
            assert re.search(r"[\uac00-\ud7a3]", ko), f"{key}: Korean label has no Hangul"
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", ko)), key
    for table in (report.KIND_LABELS, report.ACTION_LABELS, report.ARTIFACT_ROLE_LABELS):
        for key, (en, ko) in table.items():
            assert en and ko, key
    assert set(report.ACTION_LABELS) >= {v for k, v in vars(ledger).items() if k.isupper() and isinstance(v, str)
                                         and k != "GENESIS"}


# -- the auditor's verification report ------------------------------------------------------
def verification_result(ok: bool) -> dict[str, Any]:
    problem = {"code": "file_changed", "severity": "error",
               "message": "evidence/E0001/original/photo.jpg was changed after export",
               "message_ko": "evidence/E0001/original/photo.jpg 파일이 반출 후 변경되었습니다",
               "path": "evidence/E0001/original/photo.jpg", "exhibit": "2026-SEOUL-0042-E0001", "seq": None}
    ledger_problem = {"code": "ledger_edited", "severity": "error", "message": "event #4 was edited",
                      "message_ko": "기록 #4 가 수정되었습니다", "path": "custody/ledger.jsonl", "exhibit": None,
                      "seq": 4}
    warning = {"code": "signatures_unchecked", "severity": "warning", "message": "signatures not checked",
               "message_ko": "서명을 확인하지 못했습니다", "path": None, "exhibit": None, "seq": None}
    problems = [warning] if ok else [problem, ledger_problem, warning]
    return {
        "ok": ok, "bundle": "/x/case-bundle.zip", "bundle_name": "case-bundle.zip", "bundle_sha256": "c" * 64,
        "bundle_size": 10, "format": "evidence-kit-bundle", "format_version": 1,
        "checked_at": "2026-11-22T03:10:00.123Z", "tool": "Evidence Kit 9.9.9",
        "case": {"case_id": "id", "number": "2026-SEOUL-0042", "title": "딥페이크 채널", "offence": "",
                 "agency": "SMPA", "created_at": ""},
        "export": {"exported_at": "2026-11-22T02:00:00.000Z", "items": ["2026-SEOUL-0042-E0001"],
                   "exporter": {"name": "kim", "full_name": "Kim Officer", "badge": "12345", "role": "case_officer"}},
        "ledger": {"events": 9, "head": {"seq": 9, "hash": "a" * 64}},
        "evidence_digest": "e" * 64, "files_checked": 12, "bytes_checked": 4567,
        "checks": [{"name": "files", "status": "ok" if ok else "failed", "detail": "12 files",
                    "detail_ko": "파일 12개"},
                   {"name": "timestamps", "status": "absent", "detail": "", "detail_ko": ""}],
        "items": [{"exhibit": "2026-SEOUL-0042-E0001", "title": "photo.jpg", "ok": ok,
                   "problems": [] if ok else [problem]},
                  {"exhibit": "2026-SEOUL-0042-E0002", "title": "post", "ok": True, "problems": []}],
        "timestamps": [{"path": "custody/timestamps/1.tsr", "subject_kind": "ledger", "subject": "9",
                        "gen_time": "2026-11-22T02:00:01Z", "tsa": "http://127.0.0.1:1/tsa", "ok": None,
                        "message": "TSA certificate missing"}],
        "problems": problems,
    }


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_verification_report_names_every_problem(tmp_path: Path, lang: str) -> None:
    pdf = tmp_path / f"vr-{lang}.pdf"
    with open(pdf, "wb") as f:
        write_verification_report(verification_result(False), f, lang)
    text = pdf_text(pdf)
    flat = squash(text)
    if lang == "ko":
        assert "실패: 문제 2건 발견" in text
        assert "파일이 반출 후 변경되었습니다" in text and "기록 #4 가 수정되었습니다" in text
        assert "증거물별 결과" in text and "검증 일시" in text
    else:
        assert "FAILED: 2 problem(s) found" in text
        assert "was changed after export" in text and "event #4 was edited" in text
        assert "Exhibits" in text and "Checked at" in text and "not checked" in text
        assert "FilesagainstSHA256SUMS" in flat and "event#9" in flat
    for value in ("2026-SEOUL-0042-E0001", "2026-SEOUL-0042-E0002", "c" * 64, "e" * 64, "a" * 64,
                  "Evidence Kit 9.9.9", "2026-11-22 03:10:00.123 UTC", "2026-11-22 12:10:00.123 KST",
                  "file_changed", "ledger_edited"):
        assert squash(value) in flat, value
    total = page_count(pdf)
    assert squash(f"1 / {total} 쪽" if lang == "ko" else f"Page 1 of {total}") in flat


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_verification_report_passing(tmp_path: Path, lang: str) -> None:
    out = io.BytesIO()
    write_verification_report(verification_result(True), out, lang)
    pdf = tmp_path / "ok.pdf"
    pdf.write_bytes(out.getvalue())
    text = pdf_text(pdf)
    assert ("검증됨 (경고 1건)" if lang == "ko" else "VERIFIED, with 1 warning(s)") in text
    assert ("서명을 확인하지 못했습니다" if lang == "ko" else "signatures not checked") in text


@pytest.mark.parametrize("result", [{}, {"ok": True}, {"problems": ["plain string problem"], "items": [None, 3]},
                                    {"ok": "yes", "case": "not a dict", "checks": "nope", "ledger": [1]}])
def test_verification_report_survives_partial_results(tmp_path: Path, result: dict[str, Any]) -> None:
    pdf = tmp_path / "partial.pdf"
    with open(pdf, "wb") as f:
        write_verification_report(result, f, "en")
    text = pdf_text(pdf)
    assert "Evidence Bundle Verification Report" in text
    if not result.get("problems") and result.get("ok") is True:
        assert "VERIFIED" in text
    else:
        assert "FAILED" in text


def test_progress_counts_each_item_twice_and_cancel_stops(ctx: ExportContext) -> None:
    seen: list[tuple[int, int, str]] = []
    write_court_report(ctx, io.BytesIO(), progress=lambda d, t, m: seen.append((d, t, m)))
    n = len(ctx.items)
    assert [d for d, _t, _m in seen] == list(range(1, 2 * n + 1))
    assert all(t == 2 * n for _d, t, _m in seen)
    assert [m for _d, _t, m in seen] == [i.exhibit for i in ctx.items] * 2

    for stop_at in (2, n + 2):  # while preparing pages, and while laying them out
        token = CancelToken()

        def progress(done: int, _total: int, _msg: str, token: CancelToken = token, stop_at: int = stop_at) -> None:
            if done == stop_at:
                token.cancel()

        with pytest.raises(CancelledError):
            write_court_report(ctx, io.BytesIO(), progress=progress, cancel=token)


def test_flatten_is_bounded() -> None:
    deep: Any = "bottom"
    for _ in range(5000):
        deep = {"d": deep}
    rows = report.flatten(deep)
    assert len(rows) == 1 and rows[0][0].count(".") == report.MAX_FLATTEN_DEPTH
    wide = {"list": [{"k": i} for i in range(100000)], "pairs": [["a", "b"]] * 50000}
    assert len(report.flatten(wide)) == report.MAX_FLATTEN_ROWS
    assert report.flatten({"h": [["Server", "nginx"]], "flag": True, "n": None}) == [("h.Server", "nginx"),
                                                                                    ("flag", "yes")]
