"""Known-content hash lists: validation, matching by each hash type, export for takedown requests."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from evidence_kit.core import hashlists, hooks, perceptual
from evidence_kit.core.case import Case
from evidence_kit.core.errors import InputError, PermissionDeniedError
from tests.tg_builders import photo_bytes

IMG = photo_bytes(77, (480, 360))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return p


def _ingest(case: Case, tmp_path: Path, name: str, data: bytes) -> int:
    p = tmp_path / name
    p.write_bytes(data)
    return case.ingest([p]).items[0].id


@pytest.mark.parametrize("algo", ["md5", "sha1", "sha256"])
def test_exact_match_at_ingest_by_each_hash(case: Case, tmp_path: Path, algo: str) -> None:
    value = hashlib.new(algo, IMG).hexdigest().upper()  # upper case in the list is fine
    lst = _write(tmp_path, "list.csv", f"{algo},label,source\n{value},victim A,KCSC\n")
    hl, bad = hashlists.import_list(case, lst, label="known")
    assert bad == [] and hl.by_algo == {algo: 1}
    item_id = _ingest(case, tmp_path, "x.jpg", IMG)
    found = hashlists.matches(case)
    got = [(m.item_id, m.algo, m.label, m.source, m.distance) for m in found]
    assert got == [(item_id, algo, "victim A", "KCSC", 0)]
    assert hashlists.flags_by_item(case) == {item_id: ["known: victim A"]}
    ev = case.events(action=hashlists.HASHLIST_MATCHED)
    assert len(ev) == 1 and ev[0].details["matches"][0]["algo"] == algo


def test_pdq_match_of_a_modified_copy(case: Case, tmp_path: Path) -> None:
    original = Image.open(io.BytesIO(IMG))
    known = perceptual.pdq_of_image(original).hex
    lst = _write(tmp_path, "pdq.txt", f"# known images\n{known}\n")
    hashlists.import_list(case, lst, label="deepfake set", source="NPA", default_type="pdq")
    out = io.BytesIO()
    original.crop((5, 4, 475, 356)).resize((300, 225)).save(out, "JPEG", quality=50)
    item_id = _ingest(case, tmp_path, "reupload.jpg", out.getvalue())
    _ingest(case, tmp_path, "unrelated.jpg", photo_bytes(78, (480, 360)))
    found = hashlists.matches(case)
    assert len(found) == 1 and found[0].item_id == item_id and found[0].algo == "pdq"
    assert 0 < found[0].distance <= perceptual.DEFAULT_THRESHOLD


def test_on_demand_match_for_items_ingested_before(case: Case, tmp_path: Path) -> None:
    item_id = _ingest(case, tmp_path, "x.jpg", IMG)
    lst = _write(tmp_path, "l.json", json.dumps({"label": "L", "source": "S",
                                                   "entries": [{"sha256": hashlib.sha256(IMG).hexdigest()}]}))
    hashlists.import_list(case, lst)
    assert hashlists.matches(case) == []  # importing does not match by itself
    new = hashlists.match_case(case)
    assert [m.item_id for m in new] == [item_id] and new[0].label == "L"
    assert hashlists.match_case(case) == []  # recorded once
    assert len(case.events(action=hashlists.HASHLIST_MATCHED)) == 1


def test_bad_lines_are_reported_by_number_and_nothing_imported(case: Case, tmp_path: Path) -> None:
    good = hashlib.md5(b"x").hexdigest()
    text = ("hash,type,label\n"
            f"{good},md5,ok\n"
            "xyz,md5,not hex\n"
            f"{good[:-1]},md5,too short\n"
            f"{hashlib.sha256(b'x').hexdigest()},,ambiguous\n"
            f"{good},crc32,unknown type\n")
    lst = _write(tmp_path, "bad.csv", text)
    with pytest.raises(hashlists.HashListError) as err:
        hashlists.import_list(case, lst)
    assert [b.line for b in err.value.bad] == [3, 4, 5, 6]
    assert "line 3" in err.value.message and "SHA-256 or PDQ" in str(err.value.bad[2])
    assert hashlists.lists(case) == []
    hl, bad = hashlists.import_list(case, lst, skip_bad=True)
    assert hl.entries == 1 and len(bad) == 4
    ev = case.events(action=hashlists.HASHLIST_IMPORTED)[0]
    assert ev.details["bad_lines_skipped"] == [3, 4, 5, 6] and ev.details["entries"] == 1


@pytest.mark.parametrize(("text", "needle"), [
    ("[{\"md5\": 5}]", "bad line"),
    ("{\"entries\": 3}", "no \"entries\""),
    ("[1, 2", "not valid JSON"),
    ("label,source\nx,y\n", "names no hash column"),
    ("", "holds no hashes"),
])
def test_malformed_lists(case: Case, tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        hashlists.import_list(case, _write(tmp_path, "l.txt", text))


def test_binary_and_missing_lists(case: Case, tmp_path: Path) -> None:
    p = tmp_path / "bin.csv"
    p.write_bytes(b"\xff\xfe\x00\x00")
    with pytest.raises(InputError, match="UTF-8"):
        hashlists.import_list(case, p)
    with pytest.raises(InputError, match="Cannot read"):
        hashlists.import_list(case, tmp_path / "none.csv")


def test_multi_column_csv_and_json_forms(case: Case, tmp_path: Path) -> None:
    md5, sha1 = hashlib.md5(b"a").hexdigest(), hashlib.sha1(b"a").hexdigest()
    entries, bad, fmt = hashlists.parse_list(f"MD5;SHA-1;Description\n{md5};{sha1};thing\n".encode())
    assert bad == [] and fmt == "csv" and {(e.algo, e.label) for e in entries} == {("md5", "thing"), ("sha1", "thing")}
    entries, bad, fmt = hashlists.parse_list(json.dumps([md5, {"hash": sha1, "type": "SHA-1", "label": "z"}]).encode())
    assert bad == [] and fmt == "json" and [e.algo for e in entries] == ["md5", "sha1"]
    entries, _, fmt = hashlists.parse_list(f"{md5}\tlabel one\tsource one\n".encode())
    assert fmt == "lines" and entries[0].label == "label one" and entries[0].source == "source one"


def test_export_is_hashes_only_and_round_trips(case: Case, tmp_path: Path) -> None:
    _ingest(case, tmp_path, "x.jpg", IMG)
    out = tmp_path / "takedown.csv"
    rows = hashlists.export_hashes(case, out)
    data = out.read_bytes()
    assert rows == 1 and IMG[:64] not in data
    row = next(csv.DictReader(io.StringIO(data.decode())))
    assert row["sha256"] == hashlib.sha256(IMG).hexdigest() and perceptual.is_pdq_hex(row["pdq"])
    assert not list(tmp_path.glob(".*part"))
    ev = case.events(action=hashlists.HASHLIST_EXPORTED)[0]
    assert ev.details["sha256"] == hashlib.sha256(data).hexdigest() and ev.details["rows"] == 1
    # the exported list imports elsewhere, and matches the same image
    other = Case.create(tmp_path / "other.ekcase", number="2", title="t", user="lee", password="lee-password")
    try:
        hl, _ = hashlists.import_list(other, out, label="from case 1")
        assert hl.by_algo == {"md5": 1, "sha1": 1, "sha256": 1, "pdq": 1}
        _ingest(other, tmp_path, "same.jpg", IMG)
        assert {m.algo for m in hashlists.matches(other)} == {"md5", "sha1", "sha256", "pdq"}
    finally:
        other.close()
    js = tmp_path / "t.json"
    hashlists.export_hashes(case, js, fmt="json")
    assert json.loads(js.read_text())["entries"][0]["exhibit"].endswith("E0001")
    with pytest.raises(InputError, match="csv or json"):
        hashlists.export_hashes(case, tmp_path / "x.xml", fmt="xml")
    with pytest.raises(InputError, match="does not exist"):
        hashlists.export_hashes(case, tmp_path / "no" / "x.csv")


def test_permissions_and_check(case: Case, tmp_path: Path) -> None:
    hashlists.import_list(case, _write(tmp_path, "l.csv", f"md5\n{hashlib.md5(b'q').hexdigest()}\n"))
    assert case.check().orphans == []  # the stored list file is referenced
    case.add_user("aud", "auditor-pass", "auditor")
    with Case.open(case.path, user="aud", password="auditor-pass") as aud:
        assert len(hashlists.lists(aud)) == 1
        with pytest.raises(PermissionDeniedError):
            hashlists.import_list(aud, tmp_path / "l.csv")
        with pytest.raises(PermissionDeniedError):
            hashlists.match_case(aud)
        with pytest.raises(PermissionDeniedError):
            hashlists.export_hashes(aud, tmp_path / "o.csv")


def test_hook_failure_never_undoes_the_capture(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("decoder crashed")

    monkeypatch.setattr(perceptual, "index_artifacts", boom)
    hooks._loaded.clear()
    p = tmp_path / "x.jpg"
    p.write_bytes(IMG)
    result = case.ingest([p])
    assert result.ok and case.item_count() == 1
    hooks._loaded.clear()
