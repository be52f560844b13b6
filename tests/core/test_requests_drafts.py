"""Request drafts: every platform × type × language renders (PDF, DOCX, text, e-mail) and carries the
identifiers and case fields; missing fields are refused with the right list; nothing half-stored."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.errors import InputError, NotFoundError, PermissionDeniedError
from evidence_kit.core.requests import (
    MissingFieldsError,
    PlatformDataError,
    RequestSpec,
    check_draft,
    draft_request,
    get_platform,
    list_requests,
    load_platforms,
    read_output,
    render_draft,
)
from evidence_kit.core.requests.platform_data import parse_platform
from evidence_kit.core.requests.store import next_reference
from tests.core.requests_helpers import FIELDS, SAMPLES, add_sample, add_web_item, docx_text, pdf_text

PLATFORMS = load_platforms()
MATRIX = [(p, t, lang) for p, data in sorted(PLATFORMS.items()) for t in data.request_types for lang in ("ko", "en")]


def test_every_platform_file_is_there_with_sources() -> None:
    assert set(PLATFORMS) == {"telegram", "x", "meta", "google", "tiktok", "discord", "kcsc"}
    for p in PLATFORMS.values():
        for key, fact in p.facts.items():
            assert fact.source.startswith("http"), (p.id, key)
            assert fact.status in ("official", "secondary", "unverified")
            assert len(fact.as_of) == 10
        assert p.channels and all(c.source.startswith("http") for c in p.channels)
    assert get_platform("instagram").id == "meta" and get_platform("youtube").id == "google"


@pytest.mark.parametrize(("platform", "rtype", "lang"), MATRIX, ids=[f"{p}-{t}-{lang}" for p, t, lang in MATRIX])
def test_draft_renders_with_identifiers_and_case_fields(case: Case, tmp_path: Path, platform: str, rtype: str,
                                                        lang: str) -> None:
    items = [add_sample(case, platform, seed=1)]
    if platform == "kcsc":  # KCSC takes any site, including ones no platform module knows
        items.append(add_web_item(case, "", "https://illegal-mirror.example/v/991", {}, "", seed=2))
    check = check_draft(case, RequestSpec(platform, rtype, [i.exhibit for i in items], lang=lang, fields=FIELDS))
    assert check.ok, (check.missing, check.invalid)
    rendered = render_draft(check, reference="2026-SEOUL-0042-R009", on=__import__("datetime").date(2026, 3, 2))
    pdf, docx, txt = rendered.outputs["pdf"], rendered.outputs["docx"], rendered.outputs["txt"].decode()
    assert pdf.startswith(b"%PDF") and docx.startswith(b"PK")
    texts = {"pdf": pdf_text(pdf, tmp_path), "docx": docx_text(docx), "txt": txt}
    _, url, ids, handle = SAMPLES[platform]
    screenshot = items[0].artifacts[0]
    for fmt, text in texts.items():
        flat = " ".join(text.split())
        for needle in (url, *ids.values(), screenshot.sha256, screenshot.md5, "2026-SEOUL-0042",
                       "Seoul Metropolitan Police Agency", "Kim Officer", "12345", FIELDS["officer_email"],
                       FIELDS["officer_phone"], "2026-SEOUL-0042-R009", "UTC", "KST"):
            assert needle in flat, (fmt, needle)
        if handle:
            assert handle in flat, fmt
        assert "Sexual Violence Punishment Act Art. 14-2" in flat  # the case's offence
        assert ("자료" in flat or "요청" in flat) if lang == "ko" else ("request" in flat.lower())
    # where to send it is on the letter
    channel = check.platform.channels_for(rtype)[0]
    assert channel.address in " ".join(texts["txt"].split())
    # only e-mail channels get an .eml, with the PDF attached and never the evidence images
    if check.platform.email_for(rtype):
        msg = email.message_from_bytes(rendered.outputs["eml"], policy=email.policy.default)
        assert msg["To"] == check.platform.email_for(rtype) and msg["From"] == FIELDS["officer_email"]
        names = [part.get_filename() for part in msg.iter_attachments()]
        assert names == [rendered.names["pdf"]]
    else:
        assert "eml" not in rendered.outputs


def test_removal_and_kcsc_carry_hashes_and_pdq_never_images(case: Case, tmp_path: Path) -> None:
    item = add_sample(case, "x", seed=3)
    art = item.artifacts[0]
    # PDQ comes from the perceptual-hash feature, computed when the image was ingested
    from evidence_kit.core.perceptual import artifact_hashes

    pdq_hex = artifact_hashes(case, [art.id])[art.id][0].pdq.hex
    for platform, rtype in (("x", "removal"), ("kcsc", "kcsc_deletion"), ("kcsc", "kcsc_blocking")):
        req = draft_request(case, RequestSpec(platform, rtype, [item.exhibit], lang="en", fields=FIELDS))
        text = " ".join(pdf_text(read_output(case, req.output("pdf")), tmp_path).split())
        assert f"PDQ: {pdq_hex}" in text and art.sha256 in text
        assert "no images are attached" in text
        docx = read_output(case, req.output("docx"))
        import io
        import zipfile

        names = zipfile.ZipFile(io.BytesIO(docx)).namelist()
        assert not [n for n in names if n.startswith("word/media/")]  # no embedded pictures


def test_telegram_chat_items_and_cited_messages(case: Case, tmp_path: Path) -> None:
    from evidence_kit.core.telegram.importer import ImportOptions, import_telegram

    fixture = Path(__file__).parents[1] / "fixtures/telegram/tg2md_private_channel"
    result = import_telegram(case, fixture, options=ImportOptions(public_names={"": "deepfake_room"}))
    chat = result.items[0]
    req = draft_request(case, RequestSpec("telegram", "preservation", [chat.exhibit], lang="en", fields=FIELDS,
                                          messages={"E0001": [2, 3]}))
    [ident] = req.items
    assert ident["canonical_url"] == "https://t.me/deepfake_room" and ident["ids"] == {"chat_id": "1292077344"}
    assert [m["id"] for m in ident["messages"]] == ["2", "3"]
    text = " ".join(pdf_text(read_output(case, req.output("pdf")), tmp_path).split())
    assert "Cited messages" in text and "#2 ·" in text and "https://t.me/deepfake_room/3" in text
    assert case.events(action=ledger.REQUEST_DRAFTED)[-1].details["messages"] == {chat.exhibit: [2, 3]}
    with pytest.raises(InputError, match="no message"):
        check_draft(case, RequestSpec("telegram", "preservation", ["E0001"], fields=FIELDS, messages={"E0001": [999]}))
    add_sample(case, "telegram", seed=5)
    with pytest.raises(InputError, match="not a Telegram chat"):
        check_draft(case, RequestSpec("telegram", "preservation", ["E0002"], fields=FIELDS, messages={"E0002": [1]}))
    with pytest.raises(InputError, match="does not cover"):
        check_draft(case, RequestSpec("telegram", "preservation", ["E0002"], fields=FIELDS, messages={"E0001": [2]}))


def test_draft_is_stored_hashed_and_logged(case: Case) -> None:
    item = add_sample(case, "tiktok")
    before = set(case.objects.all_names())
    req = draft_request(case, RequestSpec("tiktok", "preservation", ["E0001"], lang="ko", fields=FIELDS))
    assert req.reference == "2026-SEOUL-0042-R001" and req.status == "drafted" and req.exhibits == [item.exhibit]
    assert {o.format for o in req.outputs} == {"pdf", "docx", "txt"}
    assert set(case.objects.all_names()) - before == {o.object for o in req.outputs}
    ev = case.events(action=ledger.REQUEST_DRAFTED)[-1]
    assert ev.details["request"] == req.reference and ev.details["items"] == [item.exhibit]
    assert {o["sha256"] for o in ev.details["outputs"]} == {o.sha256 for o in req.outputs}
    assert ev.details["fields"]["officer_email"] == FIELDS["officer_email"]
    for out in req.outputs:
        import hashlib

        assert hashlib.sha256(read_output(case, out)).hexdigest() == out.sha256
    # the outputs count as referenced objects, the whole case still verifies
    assert case.check().orphans == []
    assert case.verify(record=False).ok
    # a later draft by the same officer remembers the contact details
    req2 = draft_request(case, RequestSpec("tiktok", "disclosure_subscriber", ["E0001"], fields={
        k: FIELDS[k] for k in ("summary", "legal_articles", "date_from", "date_to")}))
    assert req2.fields["officer_email"] == FIELDS["officer_email"] and req2.reference.endswith("R002")


def test_tampered_output_is_detected(case: Case) -> None:
    add_sample(case, "x")
    req = draft_request(case, RequestSpec("x", "preservation", ["E0001"], fields=FIELDS))
    obj = case.objects.path_for(req.output("pdf").object)
    data = bytearray(obj.read_bytes())
    data[-40] ^= 0x01
    obj.write_bytes(bytes(data))
    from evidence_kit.core.errors import IntegrityError

    with pytest.raises(IntegrityError):
        read_output(case, req.output("pdf"))


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_missing_fields_refused_with_the_platforms_list(case: Case, platform: str) -> None:
    add_sample(case, platform)
    data = PLATFORMS[platform]
    seq_before = case.ledger_head()[0]
    objects_before = set(case.objects.all_names())
    for rtype in data.request_types:
        # a case without agency/offence and an officer who gave no contact details
        spec = RequestSpec(platform, rtype, ["E0001"], fields={"agency": "", "offence": ""})
        with pytest.raises(MissingFieldsError) as info:
            draft_request(case, spec)
        expected = [f for f in data.required_for(rtype) if f not in ("case_number", "officer_name", "badge")]
        assert info.value.missing == expected
        assert "missing:" in str(info.value) and "누락" in str(info.value)
    assert list_requests(case) == []
    assert case.ledger_head()[0] == seq_before and set(case.objects.all_names()) == objects_before


def test_per_type_requirements_come_from_the_data(case: Case) -> None:
    add_sample(case, "meta")
    base = {k: v for k, v in FIELDS.items() if k not in ("legal_process", "date_from", "date_to",
                                                           "emergency_facts", "preservation_reference")}
    assert check_draft(case, RequestSpec("meta", "preservation", ["E0001"], fields=base)).ok
    assert check_draft(case, RequestSpec("meta", "disclosure_content", ["E0001"], fields=base)).missing == [
        "legal_process", "date_from", "date_to"]
    assert check_draft(case, RequestSpec("meta", "emergency", ["E0001"], fields=base)).missing == ["emergency_facts"]
    assert check_draft(case, RequestSpec("meta", "preservation_extension", ["E0001"], fields=base)).missing == [
        "preservation_reference"]
    assert check_draft(case, RequestSpec("meta", "preservation", [], fields=base)).missing == ["items"]


def test_invalid_values_are_refused(case: Case) -> None:
    add_sample(case, "x")
    bad = {**FIELDS, "officer_email": "not-an-address", "date_from": "2026-05-01", "date_to": "2026-04-01",
           "child_safety": "maybe"}
    check = check_draft(case, RequestSpec("x", "disclosure_subscriber", ["E0001"], fields=bad))
    assert {p.key for p in check.invalid} == {"officer_email", "date_to", "child_safety"}
    with pytest.raises(MissingFieldsError, match="not an e-mail address"):
        draft_request(case, RequestSpec("x", "disclosure_subscriber", ["E0001"], fields=bad))
    with pytest.raises(MissingFieldsError, match="not a date"):
        draft_request(case, RequestSpec("x", "preservation", ["E0001"], fields={**FIELDS, "date_from": "31/12/2026"}))
    with pytest.raises(InputError, match="Unknown field"):
        check_draft(case, RequestSpec("x", "preservation", ["E0001"], fields={"favourite_colour": "red"}))
    with pytest.raises(InputError, match="Unknown request type"):
        check_draft(case, RequestSpec("x", "subpoena", ["E0001"], fields=FIELDS))
    with pytest.raises(InputError, match="Unknown platform"):
        check_draft(case, RequestSpec("myspace", "preservation", ["E0001"], fields=FIELDS))
    with pytest.raises(InputError, match="does not take"):
        check_draft(case, RequestSpec("telegram", "disclosure_content", ["E0001"], fields=FIELDS))
    with pytest.raises(InputError, match="does not take"):
        check_draft(case, RequestSpec("kcsc", "preservation", ["E0001"], fields=FIELDS))
    with pytest.raises(NotFoundError):
        check_draft(case, RequestSpec("x", "preservation", ["E0099"], fields=FIELDS))
    with pytest.raises(MissingFieldsError, match="logo"):
        draft_request(case, RequestSpec("x", "preservation", ["E0001"],
                                        fields={**FIELDS, "agency_logo": "/no/logo.png"}))


def test_mixing_platforms_is_refused(case: Case) -> None:
    add_sample(case, "x")
    add_sample(case, "tiktok")
    add_web_item(case, "", "https://unknown.example/page", {}, "")
    with pytest.raises(InputError, match="one request covers items of one platform"):
        check_draft(case, RequestSpec("x", "preservation", ["E0001", "E0002"], fields=FIELDS))
    with pytest.raises(InputError, match="no known platform"):
        check_draft(case, RequestSpec("x", "preservation", ["E0003"], fields=FIELDS))
    # KCSC reviews any site: mixing is fine there
    assert check_draft(case, RequestSpec("kcsc", "kcsc_blocking", ["E0001", "E0002", "E0003"], fields=FIELDS)).ok
    # many items of one platform in one request; duplicates collapse
    add_sample(case, "x", seed=9)
    check = check_draft(case, RequestSpec("x", "preservation", ["E0001", "E0004", "E0001"], fields=FIELDS))
    assert [i.exhibit for i in check.items] == ["2026-SEOUL-0042-E0001", "2026-SEOUL-0042-E0004"]


def test_platform_derived_from_source_when_capture_stored_none(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    draft = case.new_item("web", source="https://twitter.com/someone/status/42", title="t", action=ledger.CAPTURED)
    draft.add_bytes(b"x", role="original", name="page.html", mime="text/html")
    item = draft.commit()
    [ident] = check_draft(case, RequestSpec("x", "preservation", [item.exhibit], fields=FIELDS)).items
    assert (ident.platform, ident.canonical_url, ident.ids, ident.handle) == (
        "x", "https://x.com/i/status/42", {"status_id": "42"}, "@someone")
    # without the platforms module, the host name alone still names the platform
    import evidence_kit.core.requests.model as model

    def missing(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setattr(model.importlib, "import_module", missing)
    [ident] = check_draft(case, RequestSpec("x", "preservation", [item.exhibit], fields=FIELDS)).items
    assert (ident.platform, ident.canonical_url) == ("x", "https://twitter.com/someone/status/42")


def test_only_case_officers_draft(case: Case, case_dir: Path) -> None:
    add_sample(case, "x")
    case.add_user("lee", "investigator-pw", "investigator")
    case.add_user("park", "auditor-pw-1", "auditor")
    with Case.open(case_dir, user="lee", password="investigator-pw") as inv, pytest.raises(PermissionDeniedError):
        draft_request(inv, RequestSpec("x", "preservation", ["E0001"], fields=FIELDS))
    draft_request(case, RequestSpec("x", "preservation", ["E0001"], fields=FIELDS))
    with Case.open(case_dir, user="park", password="auditor-pw-1") as aud:
        assert len(list_requests(aud)) == 1


def test_a_failed_store_leaves_no_objects(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    add_sample(case, "telegram")
    before = set(case.objects.all_names())
    import evidence_kit.core.requests.store as store

    calls = {"n": 0}
    real = store.next_reference

    def racing(c: Case) -> str:  # another process drafts between rendering and committing
        calls["n"] += 1
        return real(c) if calls["n"] == 1 else "someone-else"

    monkeypatch.setattr(store, "next_reference", racing)
    with pytest.raises(InputError, match="same time"):
        draft_request(case, RequestSpec("telegram", "preservation", ["E0001"], fields=FIELDS))
    assert set(case.objects.all_names()) == before
    assert list_requests(case) == []
    monkeypatch.setattr(store, "next_reference", real)
    assert next_reference(case).endswith("R001")


def _write(folder: Path, name: str, data: object) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def test_platform_files_are_validated_with_clear_errors(tmp_path: Path) -> None:
    good = json.loads((Path(__file__).parents[2] / "resources/platforms/x.json").read_text("utf-8"))
    assert parse_platform(good, "x.json").id == "x"
    cases: list[tuple[str, object, str]] = []

    def mutate(fn: object, expect: str) -> None:
        data = json.loads(json.dumps(good))
        fn(data)  # type: ignore[operator]
        cases.append(("x", data, expect))

    mutate(lambda d: d["facts"]["preservation"].pop("source"), "facts.preservation.source")
    mutate(lambda d: d["facts"]["addressee"].__setitem__("as_of", "2026-02-30"), "facts.addressee.as_of")
    mutate(lambda d: d["facts"]["format"].__setitem__("status", "probably"), "facts.format.status")
    mutate(lambda d: d["facts"].pop("emergency"), "facts.emergency")
    mutate(lambda d: d["required_fields"]["*"].append("shoe_size"), "shoe_size")
    mutate(lambda d: d["request_types"].append("subpoena"), "request_types")
    mutate(lambda d: d["channels"][0].__setitem__("address", "http://insecure.example"), "https:// URL")
    mutate(lambda d: d.__setitem__("name", {"en": "X"}), "name")
    mutate(lambda d: d["facts"]["preservation"].__setitem__("days", "ninety"), "preservation.days")
    mutate(lambda d: d.__setitem__("covers", ["myspace"]), "covers")
    for name, data, expect in cases:
        with pytest.raises(PlatformDataError, match=expect.replace(".", r"\.").replace("(", r"\(")):
            parse_platform(data, f"{name}.json", expected_id=name)
    folder = tmp_path / "platforms"
    _write(folder, "wrongname", good)
    with pytest.raises(PlatformDataError, match=r"file is named wrongname\.json"):
        load_platforms(folder)
    (folder / "wrongname.json").write_text("{ not json", "utf-8")
    with pytest.raises(PlatformDataError, match="not valid JSON"):
        load_platforms(folder)
    (folder / "wrongname.json").unlink()
    _write(folder, "x", good)
    assert set(load_platforms(folder)) == {"x"}
    # editable without code: a change is picked up on the next load
    good["facts"]["preservation"]["days"] = 120
    _write(folder, "x", good)
    import os

    os.utime(folder / "x.json", ns=(1, 10**18))
    assert load_platforms(folder)["x"].preservation.days == 120


def test_hostile_and_huge_values_still_render(case: Case, tmp_path: Path) -> None:
    """Titles, URLs and ids come from suspect-controlled pages; fields from pasted text."""
    long_url = "https://x.com/badguy/status/1790000000000000001?" + "a=%3Cscript%3E&" * 300
    draft = case.new_item("web", source=long_url, title="<b>bold</b> & \x00\x07 evil\r\ntitle", action=ledger.CAPTURED,
                          platform="x")
    for i in range(25):  # more artifacts than a letter lists
        from tests.core.requests_helpers import png_bytes

        draft.add_bytes(png_bytes(i), role="media", name=f"img{i}\x1b.png", mime="image/png")
    draft.metadata["platform"] = {"platform": "x", "kind": "post", "canonical_url": long_url,
                                  "ids": {"status_id": "1790000000000000001", "weird\x0bkey": "v\x0cal"},
                                  "handle": "@bad\x00guy"}
    item = draft.commit()
    hostile = {**FIELDS, "summary": "$reference ${agency} <script>alert(1)</script> & \ufffe " + "긴 개요 " * 1500,
               "agency_address": "Seoul & <Jongno>\x01"}
    for lang in ("ko", "en"):
        req = draft_request(case, RequestSpec("x", "removal", [item.exhibit], lang=lang, fields=hostile))
        pdf = read_output(case, req.output("pdf"))
        text = pdf_text(pdf, tmp_path)
        assert "<script>alert(1)</script>" in text and "$reference ${agency}" in text
        assert "and 5 more" in " ".join(text.split()) or "외 5건" in text
        assert "Seoul & <Jongno>" in text
        docx = docx_text(read_output(case, req.output("docx")))
        assert "<b>bold</b> &" in docx and "\x00" not in docx
        assert len(pdf) > 10_000 and text.count("SHA-256") == 20


def test_letterhead_logo_and_a_broken_logo(case: Case, tmp_path: Path) -> None:
    import io
    import zipfile

    from tests.core.requests_helpers import png_bytes

    add_sample(case, "google")
    logo = tmp_path / "logo.png"
    logo.write_bytes(png_bytes(7))
    req = draft_request(case, RequestSpec("google", "preservation", ["E0001"], fields={**FIELDS,
                                                                                       "agency_logo": str(logo)}))
    assert b"/Subtype /Image" in read_output(case, req.output("pdf"))
    names = zipfile.ZipFile(io.BytesIO(read_output(case, req.output("docx")))).namelist()
    assert [n for n in names if n.startswith("word/media/")]
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")
    req = draft_request(case, RequestSpec("google", "preservation", ["E0001"], fields={**FIELDS,
                                                                                       "agency_logo": str(broken)}))
    text = pdf_text(read_output(case, req.output("pdf")), tmp_path)
    assert "Seoul Metropolitan Police Agency" in text  # the text letterhead remains


def test_hand_edited_platform_data_never_crashes_the_loader() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    good = json.loads((Path(__file__).parents[2] / "resources/platforms/tiktok.json").read_text("utf-8"))
    leaves = st.none() | st.booleans() | st.integers(-5, 5000) | st.text(max_size=12) | st.just("2026-01-01")
    values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) |
                          st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)

    @settings(max_examples=150, deadline=None)
    @given(path=st.lists(st.sampled_from(["facts", "preservation", "channels", 0, "types", "required_fields", "*",
                                          "name", "en", "days", "source", "as_of", "value", "covers"]),
                         min_size=1, max_size=4), value=values)
    def mutate(path: list[object], value: object) -> None:
        data = json.loads(json.dumps(good))
        node: object = data
        def fits(container: object, key: object, *, existing: bool) -> bool:
            if isinstance(container, dict):
                return isinstance(key, str) and (key in container or not existing)
            return isinstance(container, list) and isinstance(key, int) and key < len(container)

        for key in path[:-1]:
            if fits(node, key, existing=True):
                node = node[key]  # type: ignore[index]
        if fits(node, path[-1], existing=False):
            node[path[-1]] = value  # type: ignore[index]
        try:
            parse_platform(data, "tiktok.json", expected_id="tiktok")
        except PlatformDataError as exc:
            assert "tiktok.json" in str(exc)

    mutate()


def test_a_broken_template_is_a_clear_error(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    resources = tmp_path / "resources"
    shutil.copytree(Path(__file__).parents[2] / "resources", resources)
    monkeypatch.setenv("EVIDENCE_KIT_RESOURCES", str(resources))
    add_sample(case, "x")
    data = json.loads((resources / "templates/requests/ko.json").read_text("utf-8"))
    del data["closing"]
    (resources / "templates/requests/ko.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    with pytest.raises(InputError, match="missing closing"):
        draft_request(case, RequestSpec("x", "preservation", ["E0001"], fields=FIELDS))
    (resources / "templates/requests/ko.json").write_text("{", "utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        draft_request(case, RequestSpec("x", "preservation", ["E0001"], fields=FIELDS))
    assert list_requests(case) == []
    # an English draft still works from the intact template
    assert draft_request(case, RequestSpec("x", "preservation", ["E0001"], lang="en", fields=FIELDS)).lang == "en"
