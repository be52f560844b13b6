"""The case store end to end: create, unlock, roles, ingest, dedup, extract, verify, check,
and every tamper case naming exactly what fails."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.errors import (
    AuthenticationError,
    CaseExistsError,
    InputError,
    NewerSchemaError,
    NotACaseError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.conftest import CASE_NUMBER, FIXTURES, OFFICER, OFFICER_PW

EXIF_DIR = FIXTURES / "exif"


def ingest_bytes(case: Case, tmp: Path, name: str, data: bytes) -> str:
    p = tmp / name
    p.write_bytes(data)
    result = case.ingest([p])
    assert result.ok, result.failures
    return result.items[0].exhibit


# -- create / open ----------------------------------------------------------------------------
def test_create_layout_and_reopen(case: Case, case_dir: Path) -> None:
    assert {p.name for p in case_dir.iterdir()} >= {"case.db", "keyslots.json", "objects", "tmp"}
    slots = json.loads((case_dir / "keyslots.json").read_text())
    assert slots["slots"][0]["user"] == OFFICER and "cmk" in slots["slots"][0]
    assert slots["slots"][0]["kdf"]["name"] == "argon2id"
    assert b"SQLite format 3" not in (case_dir / "case.db").read_bytes()[:16]  # encrypted
    case.close()
    with Case.open(case_dir, user=OFFICER, password=OFFICER_PW) as again:
        assert again.info.number == CASE_NUMBER
        assert again.user.role == "case_officer"
        events = again.events()
        assert events[0].action == ledger.CASE_CREATED and events[0].prev == ledger.GENESIS


def test_wrong_password_and_unknown_user_fail_alike(case: Case, case_dir: Path) -> None:
    before = (case_dir / "keyslots.json").read_bytes()
    with pytest.raises(AuthenticationError) as wrong_pw:
        Case.open(case_dir, user=OFFICER, password="not-the-password")
    with pytest.raises(AuthenticationError) as wrong_user:
        Case.open(case_dir, user="nobody", password=OFFICER_PW)
    assert str(wrong_pw.value) == str(wrong_user.value)
    assert (case_dir / "keyslots.json").read_bytes() == before


def test_not_a_case(tmp_path: Path) -> None:
    with pytest.raises(NotACaseError):
        Case.open(tmp_path, user=OFFICER, password=OFFICER_PW)
    with pytest.raises(NotACaseError):
        Case.open(tmp_path / "missing", user=OFFICER, password=OFFICER_PW)
    (tmp_path / "keyslots.json").write_text("{not json")
    with pytest.raises(NotACaseError, match="damaged"):
        Case.open(tmp_path, user=OFFICER, password=OFFICER_PW)


def test_create_refuses_existing_and_bad_input(case: Case, case_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(CaseExistsError):
        Case.create(case_dir, number="X", title="T", user="a", password="password123")
    with pytest.raises(InputError):
        Case.create(tmp_path / "c2", number="", title="T", user="a", password="password123")
    with pytest.raises(InputError):
        Case.create(tmp_path / "c3", number="N", title="T", user="a", password="short")
    assert not (tmp_path / "c2").exists() and not (tmp_path / "c3").exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_newer_schema_is_refused(case: Case, case_dir: Path) -> None:
    with case.conn:
        case.conn.execute("INSERT INTO schema_migrations(name) VALUES ('9999_from_the_future')")
    case.close()
    with pytest.raises(NewerSchemaError):
        Case.open(case_dir, user=OFFICER, password=OFFICER_PW)


def test_newer_keyslot_version_is_refused(case: Case, case_dir: Path) -> None:
    data = json.loads((case_dir / "keyslots.json").read_text())
    data["version"] = 99
    (case_dir / "keyslots.json").write_text(json.dumps(data))
    with pytest.raises(NewerSchemaError):
        Case.open(case_dir, user=OFFICER, password=OFFICER_PW)


def test_keyslot_copied_to_another_user_does_not_open(case: Case, case_dir: Path) -> None:
    case.add_user("lee", "investigator-pw", "investigator")
    data = json.loads((case_dir / "keyslots.json").read_text())
    officer_slot = next(s for s in data["slots"] if s["user"] == OFFICER)
    forged = {**officer_slot, "user": "lee"}
    data["slots"] = [s for s in data["slots"] if s["user"] != "lee"] + [forged]
    (case_dir / "keyslots.json").write_text(json.dumps(data))
    with pytest.raises(AuthenticationError):
        Case.open(case_dir, user="lee", password=OFFICER_PW)


# -- users and roles ----------------------------------------------------------------------------
def test_roles_are_enforced_in_core(case: Case, case_dir: Path, tmp_path: Path) -> None:
    exhibit = ingest_bytes(case, tmp_path, "a.txt", b"evidence")
    case.add_user("park", "investigator-pw", "investigator", full_name="Park", badge="777")
    case.add_user("choi", "auditor-pw-123", "auditor")
    with pytest.raises(InputError):
        case.add_user("park", "another-pw-1", "auditor")
    names = {u.name: u.role for u in case.users()}
    assert names == {OFFICER: "case_officer", "park": "investigator", "choi": "auditor"}

    with Case.open(case_dir, user="choi", password="auditor-pw-123") as auditor:
        assert auditor.items()[0].exhibit == exhibit
        assert auditor.verify().ok
        for attempt in (lambda: auditor.ingest([tmp_path / "a.txt"]),
                        lambda: auditor.set_notes(exhibit, "x"),
                        lambda: auditor.set_tags(exhibit, ["x"]),
                        lambda: auditor.add_user("evil", "password-x1", "case_officer"),
                        lambda: auditor.new_item("file"),
                        lambda: auditor.set_setting("review_unblurred", "1"),
                        lambda: auditor.check(clear=True)):
            with pytest.raises(PermissionDeniedError):
                attempt()
    with Case.open(case_dir, user="park", password="investigator-pw") as inv:
        ingest_bytes(inv, tmp_path, "b.txt", b"more")
        inv.set_notes(exhibit, "seen in channel")
        with pytest.raises(PermissionDeniedError):
            inv.add_user("x", "password-x1", "auditor")
        assert inv.verify().ok
    actions = [e.action for e in case.events()]
    assert actions.count(ledger.USER_ADDED) == 2


# -- ingest -------------------------------------------------------------------------------------
def test_ingest_folder_hashes_metadata_and_exif(case: Case) -> None:
    result = case.ingest([EXIF_DIR], note="from seized phone", tags=["phone"])
    assert result.ok and len(result.items) == len(list(EXIF_DIR.iterdir()))
    by_name = {i.title: i for i in result.items}
    item = by_name["imagemeta__goexif__has-lens-info.jpg"]
    original = item.original
    assert original is not None
    data = (EXIF_DIR / item.title).read_bytes()
    assert original.sha256 == hashlib.sha256(data).hexdigest()
    assert original.md5 == hashlib.md5(data).hexdigest()
    assert original.sha1 == hashlib.sha1(data).hexdigest()
    assert original.mime == "image/jpeg" and original.size == len(data)
    exif = item.metadata["exif"]
    assert exif["make"] == "Apple" and exif["model"] == "iPhone 4S"
    assert exif["gps"]["latitude"] == pytest.approx(59.3325472)
    assert exif["gps"]["longitude"] == pytest.approx(18.0649417)
    assert exif["datetime_original"] == "2014:09:01 15:03:47"
    assert item.metadata["file"]["original_path"].endswith(item.title)
    assert {"modified", "accessed", "changed"} <= set(item.metadata["file"])
    assert item.notes == "from seized phone" and item.tags == ["phone"]
    assert item.exhibit.startswith(CASE_NUMBER + "-E")
    # Corrupt EXIF never fails an ingest
    for name in ("imagemeta__corrupt__infinite_loop_exif.jpg", "pillow__truncated_exif_dpi.jpg"):
        assert by_name[name].original is not None


def test_same_bytes_twice_stored_once_two_items_two_events(case: Case, tmp_path: Path) -> None:
    a = ingest_bytes(case, tmp_path, "one.jpg", b"\xff\xd8\xff same")
    b = ingest_bytes(case, tmp_path, "two.jpg", b"\xff\xd8\xff same")
    assert a != b
    assert len(list(case.objects.all_names())) == 1
    assert [e.item for e in case.events(action=ledger.IMPORTED)] == [a, b]
    assert case.verify().ok


def test_ingest_reports_bad_paths_and_goes_on(case: Case, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("ok")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    result = case.ingest([tmp_path / "missing.txt", good, tmp_path / "dangling"])
    assert [i.title for i in result.items] == ["good.txt"]
    assert len(result.failures) == 2 and not result.ok
    assert "no such file" in result.failures[0].message


def test_file_changing_while_read_is_not_kept(case: Case, tmp_path: Path) -> None:
    f = tmp_path / "growing.bin"
    f.write_bytes(b"\0" * (3 << 20))

    def progress(done: int, total: int, msg: str) -> None:
        if done >= 1 << 20 and f.stat().st_size == 3 << 20:
            with open(f, "ab") as out:
                out.write(b"appended by someone else")

    result = case.ingest([f], progress=progress)
    assert not result.items and "changed while" in result.failures[0].message
    assert case.item_count() == 0 and case.verify().ok


def test_folder_ingest_skips_symlinks_out_of_the_folder(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "in.txt").write_text("inside")
    secret = tmp_path / "outside.txt"
    secret.write_text("outside")
    (folder / "link.txt").symlink_to(secret)
    result = case.ingest([folder])
    assert [i.title for i in result.items] == ["in.txt"]


# -- extract, notes, tags, views -----------------------------------------------------------------
def test_extract_is_byte_identical_and_logged(case: Case, tmp_path: Path) -> None:
    src = EXIF_DIR / "pillow__exif.png"
    result = case.ingest([src])
    exhibit = result.items[0].exhibit
    out = case.extract(exhibit.split("-")[-1], tmp_path / "out")
    assert out[0].read_bytes() == src.read_bytes()
    ev = case.events(action=ledger.EXTRACTED)[-1]
    assert ev.item == exhibit and ev.details["destination"] == str(tmp_path / "out")
    with pytest.raises(InputError):
        case.extract(exhibit, tmp_path / "out")  # never overwrites
    with pytest.raises(NotFoundError):
        case.item("E9999")


def test_notes_tags_and_reveals_are_events(case: Case, tmp_path: Path) -> None:
    exhibit = ingest_bytes(case, tmp_path, "p.png", (EXIF_DIR / "pillow__exif.png").read_bytes())
    case.set_notes(exhibit, "victim identified")
    case.set_tags(exhibit, ["deepfake", "minor", "deepfake"])
    case.record_view(exhibit, revealed=True, artifact="p.png")
    item = case.item(exhibit)
    assert item.notes == "victim identified" and item.tags == ["deepfake", "minor"]
    actions = [e.action for e in case.events(item=exhibit)]
    assert actions == [ledger.IMPORTED, ledger.ANNOTATED, ledger.TAGGED, ledger.REVEALED]


# -- verification and tampering -------------------------------------------------------------------
@pytest.fixture
def populated(case: Case, tmp_path: Path) -> Case:
    for i in range(3):
        ingest_bytes(case, tmp_path, f"f{i}.bin", bytes([i]) * (1000 + i))
    assert case.verify(record=False).ok
    return case


def _drop_guards(case: Case) -> None:
    for t in ("ledger_no_update", "ledger_no_delete", "artifacts_no_update", "artifacts_no_delete"):
        case.conn.execute(f"DROP TRIGGER {t}")


def test_ledger_refuses_update_and_delete(populated: Case) -> None:
    import sqlcipher3

    with pytest.raises(sqlcipher3.dbapi2.DatabaseError, match="append-only"):
        populated.conn.execute("UPDATE ledger SET actor = 'x' WHERE seq = 2")
    with pytest.raises(sqlcipher3.dbapi2.DatabaseError, match="append-only"):
        populated.conn.execute("DELETE FROM ledger WHERE seq = 2")
    with pytest.raises(sqlcipher3.dbapi2.DatabaseError, match="immutable"):
        populated.conn.execute("UPDATE artifacts SET sha256 = 'x'")


def test_flipped_byte_in_object_names_item_and_artifact(populated: Case) -> None:
    item = populated.item("E0002")
    art = item.artifacts[0]
    path = populated.objects.path_for(art.object)
    raw = bytearray(path.read_bytes())
    raw[-20] ^= 0xFF
    path.write_bytes(bytes(raw))
    report = populated.verify(record=False)
    assert not report.ok
    assert [(p.exhibit, p.artifact) for p in report.problems] == [(item.exhibit, art.name)]
    assert "chunk 0" in report.problems[0].message


def test_missing_object_named(populated: Case) -> None:
    item = populated.item("E0003")
    populated.objects.path_for(item.artifacts[0].object).unlink()
    report = populated.verify(record=False)
    assert [(p.exhibit, "missing" in p.message) for p in report.problems] == [(item.exhibit, True)]
    assert populated.check().missing == [item.artifacts[0].object]


def test_edited_ledger_row_names_the_event(populated: Case) -> None:
    _drop_guards(populated)
    populated.conn.execute("UPDATE ledger SET details = replace(details, 'f1.bin', 'other.bin') WHERE seq = 3")
    report = populated.verify(record=False)
    assert any(p.seq == 3 and "edited" in p.message for p in report.problems)
    assert all(p.seq in (3, None) or p.kind != "ledger" for p in report.problems)


def test_deleted_ledger_row_names_the_gap(populated: Case) -> None:
    _drop_guards(populated)
    populated.conn.execute("DELETE FROM ledger WHERE seq = 3")
    report = populated.verify(record=False)
    messages = [str(p) for p in report.problems]
    assert any("event #4" in m and "#3" in m and "missing" in m for m in messages), messages
    assert any("E0002" in m for m in messages)  # its item lost its capture record


def test_reordered_ledger_rows_are_named(populated: Case) -> None:
    _drop_guards(populated)
    rows = populated.conn.execute("SELECT * FROM ledger WHERE seq IN (3, 4) ORDER BY seq").fetchall()
    populated.conn.execute("DELETE FROM ledger WHERE seq IN (3, 4)")
    for new_seq, r in zip((3, 4), reversed(rows), strict=True):
        populated.conn.execute("INSERT INTO ledger VALUES (?,?,?,?,?,?,?,?,?,?)",
                               (new_seq, r["at"], r["actor"], r["role"], r["action"], r["item"], r["details"],
                                r["prev"], r["hash"], r["sig"]))
    report = populated.verify(record=False)
    seqs = {p.seq for p in report.problems if p.kind == "ledger"}
    assert {3, 4} <= seqs


def test_truncated_ledger_end_is_detected(populated: Case) -> None:
    _drop_guards(populated)
    last = populated.ledger_head()[0]
    populated.conn.execute("DELETE FROM ledger WHERE seq = ?", (last,))
    report = populated.verify(record=False)
    assert any(f"#{last}" in str(p) and "removed" in str(p) for p in report.problems)


def test_edited_artifact_row_is_named(populated: Case) -> None:
    _drop_guards(populated)
    populated.conn.execute("UPDATE artifacts SET sha256 = ? WHERE id = 1", ("0" * 64,))
    report = populated.verify(record=False)
    assert any(p.exhibit and p.exhibit.endswith("E0001") and p.artifact == "f0.bin" for p in report.problems)


def test_swapped_public_key_is_named(populated: Case) -> None:
    from evidence_kit.core.crypto import SigningKey

    populated.conn.execute("UPDATE users SET public_key = ? WHERE name = ?",
                           (SigningKey.generate().public_hex(), OFFICER))
    report = populated.verify(record=False)
    assert any(p.kind == "user" for p in report.problems)
    assert any("signature" in p.message for p in report.problems)


def test_verify_is_recorded(populated: Case) -> None:
    report = populated.verify()
    ev = populated.events(action=ledger.VERIFIED)[-1]
    assert ev.details["ok"] == 1 and ev.details["items"] == report.items == 3


# -- check (orphans) -------------------------------------------------------------------------------
def test_check_finds_and_clears_orphans(populated: Case, tmp_path: Path) -> None:
    orphan = populated.objects.put_bytes(b"left behind by a crash")
    (populated.objects.tmp_dir / "put-1-dead.part").write_bytes(b"x")
    report = populated.check()
    assert report.orphans == [orphan.name] and report.temp_files == ["put-1-dead.part"]
    cleared = populated.check(clear=True)
    assert cleared.cleared
    assert populated.check().orphans == [] and populated.check().temp_files == []
    assert populated.verify(record=False).ok


def test_copy_of_a_case_opens_elsewhere(populated: Case, case_dir: Path, tmp_path: Path) -> None:
    populated.close()
    copy = tmp_path / "copied.ekcase"
    shutil.copytree(case_dir, copy)
    with Case.open(copy, user=OFFICER, password=OFFICER_PW) as c:
        assert c.item_count() == 3 and c.verify(record=False).ok
