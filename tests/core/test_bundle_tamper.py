"""Every kind of tampering with a bundle is caught and named, by `verify_bundle` and by the
bundle's own verify.py; unusable bundles are clear errors, never tracebacks."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import types
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.crypto import SigningKey
from evidence_kit.core.export.bundle import export_bundle
from evidence_kit.core.export.verify_bundle import BundleError, verify_bundle
from tests.bundle_support import populate, rewrite_zip, unzip
from tests.tsa_testing import TsaServer

Files = dict[str, bytes]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One exported bundle shared by the tampering tests (each works on a copy)."""
    from tests.conftest import CASE_NUMBER, OFFICER, OFFICER_PW

    root = tmp_path_factory.mktemp("tamper")
    case_dir = root / "t.ekcase"
    with Case.create(case_dir, number=CASE_NUMBER, title="Tamper", user=OFFICER, password=OFFICER_PW,
                     full_name="Kim Officer", badge="12345") as case:
        populate(case, case_dir)
        out = root / "bundle.zip"
        export_bundle(case, None, out, lang="en")
    return out


def _evidence(files: Files, suffix: str) -> str:
    return next(n for n in files if n.startswith("evidence/") and n.endswith(suffix))


def _resum(files: Files) -> None:
    """What a careful forger does after an edit: recompute SHA256SUMS."""
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in files.items()
                                  if n != "SHA256SUMS").encode()


def _ledger(files: Files) -> list[dict]:
    return [json.loads(line) for line in files["custody/ledger.jsonl"].splitlines()]


def _set_ledger(files: Files, events: list[dict]) -> None:
    files["custody/ledger.jsonl"] = b"".join(ledger.canonical_json(e) + b"\n" for e in events)


def flip_evidence_byte(files: Files) -> None:
    name = _evidence(files, "screenshot.png")
    data = bytearray(files[name])
    data[len(data) // 2] ^= 0x01
    files[name] = bytes(data)


def remove_evidence(files: Files) -> None:
    del files[_evidence(files, "dom.html")]


def add_file(files: Files) -> None:
    files["evidence/E0002/original/planted.jpg"] = b"\xff\xd8planted"


def edit_manifest(files: Files) -> None:
    m = json.loads(files["manifest.json"])
    m["items"][0]["title"] = "something else"
    files["manifest.json"] = json.dumps(m).encode()


def edit_manifest_and_resum(files: Files) -> None:
    edit_manifest(files)
    _resum(files)


def replace_evidence_consistently(files: Files) -> None:
    """Swap a file and update SHA256SUMS and the manifest to match: only the signatures and the
    capture record stand in the way."""
    name = _evidence(files, "screenshot.png")
    files[name] = b"\x89PNG forged"
    m = json.loads(files["manifest.json"])
    for item in m["items"]:
        for a in item["artifacts"]:
            if a["path"] == name:
                a["sha256"], a["size"] = hashlib.sha256(files[name]).hexdigest(), len(files[name])
    m["files"] = [dict(f, sha256=hashlib.sha256(files[f["path"]]).hexdigest()) if f["path"] == name else f
                  for f in m["files"]]
    lines = "".join(f"{hashlib.sha256(files[f['path']]).hexdigest()}  {f['path']}\n" for f in m["files"]
                    if f["path"].startswith("evidence/"))
    m["evidence_digest"] = hashlib.sha256(lines.encode()).hexdigest()
    files["manifest.json"] = json.dumps(m).encode()
    _resum(files)


def edit_ledger_line(files: Files) -> None:
    events = _ledger(files)
    target = next(e for e in events if e["action"] == "annotated")
    target["details"]["notes"] = "rewritten"
    _set_ledger(files, events)


def edit_ledger_line_and_rehash(files: Files) -> None:
    events = _ledger(files)
    target = next(e for e in events if e["action"] == "annotated")
    target["details"]["notes"] = "rewritten"
    target["hash"] = ledger.event_hash(target)
    _set_ledger(files, events)


def remove_ledger_line(files: Files) -> None:
    events = _ledger(files)
    _set_ledger(files, [e for e in events if e["action"] != "viewed"])


def reorder_ledger_lines(files: Files) -> None:
    events = _ledger(files)
    events[1], events[2] = events[2], events[1]
    _set_ledger(files, events)


def swap_key(files: Files) -> None:
    keys = json.loads(files["custody/keys.json"])
    keys["users"][0]["public_key"] = SigningKey.generate().public_hex()
    files["custody/keys.json"] = json.dumps(keys).encode()


def swap_key_and_resign(files: Files) -> None:
    """A forger with a key of their own re-signs the officer's events: the signatures now check
    against keys.json, but the key differs from the one the ledger announced."""
    forger = SigningKey.generate()
    keys = json.loads(files["custody/keys.json"])
    officer = keys["users"][0]["name"]
    keys["users"][0]["public_key"] = forger.public_hex()
    files["custody/keys.json"] = json.dumps(keys).encode()
    events = _ledger(files)
    for e in events:
        if e["actor"] == officer:
            e["sig"] = forger.sign(bytes.fromhex(e["hash"])).hex()
    _set_ledger(files, events)


def bad_signature(files: Files) -> None:
    events = _ledger(files)
    target = next(e for e in events if e["action"] == "imported" and e["actor"] == "lee")
    target["sig"] = ("00" if target["sig"][:2] != "00" else "11") + target["sig"][2:]
    _set_ledger(files, events)


def drop_item_from_manifest(files: Files) -> None:
    m = json.loads(files["manifest.json"])
    m["items"] = m["items"][1:]
    files["manifest.json"] = json.dumps(m).encode()


CASES: list[tuple[Callable[[Files], None], set[str]]] = [
    (flip_evidence_byte, {"file_changed", "artifact_mismatch"}),
    (remove_evidence, {"file_removed"}),
    (add_file, {"file_added"}),
    (edit_manifest, {"file_changed", "manifest_signature_bad"}),
    (edit_manifest_and_resum, {"manifest_signature_bad"}),
    (replace_evidence_consistently, {"manifest_signature_bad", "artifact_mismatch"}),
    (edit_ledger_line, {"ledger_edited", "file_changed"}),
    (edit_ledger_line_and_rehash, {"signature_bad", "ledger_replaced"}),
    (remove_ledger_line, {"ledger_removed"}),
    (reorder_ledger_lines, {"ledger_order"}),
    (swap_key, {"key_swapped", "signature_bad"}),
    (swap_key_and_resign, {"key_swapped"}),
    (bad_signature, {"signature_bad"}),
    (drop_item_from_manifest, {"item_removed", "manifest_signature_bad"}),
]


@pytest.mark.parametrize(("tamper", "expected"), CASES, ids=[c[0].__name__ for c in CASES])
def test_tampering_is_caught_and_named(bundle: Path, tmp_path: Path, tamper: Callable[[Files], None],
                                       expected: set[str]) -> None:
    bad = rewrite_zip(bundle, tmp_path / "bad.zip", tamper)
    result = verify_bundle(bad)
    codes = {p.code for p in result.errors}
    assert not result.ok
    assert expected <= codes, [p.message for p in result.problems]
    assert all(p.message and p.message_ko for p in result.problems)
    data = result.to_json()
    assert data["ok"] is False and {p["code"] for p in data["problems"]} >= expected
    json.dumps(data)  # serialisable as is
    # The standalone verify.py reaches the same verdict, on the ZIP and on the unzipped folder.
    script = unzip(bundle, tmp_path / "good") / "verify.py"
    for target in (bad, unzip(bad, tmp_path / "bad")):
        run = subprocess.run([sys.executable, "-I", str(script), str(target), "--json"], capture_output=True,
                             text=True, encoding="utf-8")
        assert run.returncode == 1, run.stdout + run.stderr
        assert expected <= {p["code"] for p in json.loads(run.stdout)["problems"]}


def test_the_failing_item_is_named(bundle: Path, tmp_path: Path) -> None:
    result = verify_bundle(rewrite_zip(bundle, tmp_path / "bad.zip", flip_evidence_byte))
    failing = [i for i in result.items if not i.ok]
    assert [i.exhibit for i in failing] == ["2026-SEOUL-0042-E0002"]
    assert any(not a.ok and a.path.endswith("screenshot.png") for a in failing[0].artifacts)
    assert all(i.ok for i in result.items if i.exhibit != "2026-SEOUL-0042-E0002")
    assert result.step("files").status == "failed"  # type: ignore[union-attr]
    assert result.step("ledger").status == "ok"  # type: ignore[union-attr]


def test_removed_artifact_fails_its_item(bundle: Path, tmp_path: Path) -> None:
    def drop_from_manifest_too(files: Files) -> None:
        name = _evidence(files, "dom.html")
        del files[name]
        m = json.loads(files["manifest.json"])
        for item in m["items"]:
            item["artifacts"] = [a for a in item["artifacts"] if a["path"] != name]
        m["files"] = [f for f in m["files"] if f["path"] != name]
        files["manifest.json"] = json.dumps(m).encode()
        _resum(files)

    result = verify_bundle(rewrite_zip(bundle, tmp_path / "bad.zip", drop_from_manifest_too))
    assert "artifact_missing" in {p.code for p in result.errors}
    assert not next(i for i in result.items if i.exhibit.endswith("E0002")).ok


def _raw_zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return path


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil", "a/../../evil", "C:/evil.txt", "a\\..\\evil"])
def test_paths_escaping_the_folder_are_refused(bundle: Path, tmp_path: Path, name: str) -> None:
    with zipfile.ZipFile(bundle) as zf:
        entries: list[tuple[zipfile.ZipInfo | str, bytes]] = [(n, zf.read(n)) for n in zf.namelist()]
    bad = _raw_zip(tmp_path / "slip.zip", [*entries, (name, b"x")])
    with pytest.raises(BundleError, match="escape its folder or is unsafe"):
        verify_bundle(bad)
    script = unzip(bundle, tmp_path / "good") / "verify.py"
    run = subprocess.run([sys.executable, "-I", str(script), str(bad)], capture_output=True, text=True,
                         encoding="utf-8")
    assert run.returncode == 2 and "refused" in run.stderr
    assert not (tmp_path / "evil.txt").exists()


def test_symlinks_and_duplicates_are_refused(bundle: Path, tmp_path: Path) -> None:
    link = zipfile.ZipInfo("evidence/link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(BundleError, match="symbolic link"):
        verify_bundle(_raw_zip(tmp_path / "l.zip", [("README.txt", b"x"), (link, b"/etc/passwd")]))
    with pytest.warns(UserWarning), pytest.raises(BundleError, match="twice"):
        verify_bundle(_raw_zip(tmp_path / "d.zip", [("README.txt", b"x"), ("README.txt", b"y")]))
    folder = unzip(bundle, tmp_path / "folder")
    os.symlink("/etc/passwd", folder / "evidence" / "sneaky")
    with pytest.raises(BundleError, match="symbolic link"):
        verify_bundle(folder)


def test_truncated_zip(bundle: Path, tmp_path: Path) -> None:
    data = bundle.read_bytes()
    for cut in (len(data) - 10, len(data) // 2, 30):
        bad = tmp_path / f"cut{cut}.zip"
        bad.write_bytes(data[:cut])
        with pytest.raises(BundleError, match="truncated or damaged"):
            verify_bundle(bad)


def test_not_a_zip_and_missing(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(os.urandom(5000))
    with pytest.raises(BundleError, match="not a ZIP"):
        verify_bundle(junk)
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    with pytest.raises(BundleError, match="not a ZIP"):
        verify_bundle(empty)
    with pytest.raises(BundleError, match="no such file"):
        verify_bundle(tmp_path / "absent.zip")


def test_newer_format_version(bundle: Path, tmp_path: Path) -> None:
    def bump(files: Files) -> None:
        m = json.loads(files["manifest.json"])
        m["format_version"] = 99
        files["manifest.json"] = json.dumps(m).encode()

    with pytest.raises(BundleError, match="newer version"):
        verify_bundle(rewrite_zip(bundle, tmp_path / "new.zip", bump))


def test_foreign_zip_is_not_a_bundle(tmp_path: Path) -> None:
    other = _raw_zip(tmp_path / "o.zip", [("manifest.json", b'{"format": "something"}')])
    with pytest.raises(BundleError, match="not an Evidence Kit bundle"):
        verify_bundle(other)
    result = verify_bundle(_raw_zip(tmp_path / "p.zip", [("photo.jpg", b"x")]))
    assert not result.ok and {"file_removed", "manifest_missing", "file_added"} <= {p.code for p in result.errors}


def test_damaged_entry_data(bundle: Path, tmp_path: Path) -> None:
    """Bytes changed inside the ZIP without touching its directory: the CRC catches it."""
    data = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith("screenshot.png"))
    data[info.header_offset + 200] ^= 0xFF
    bad = tmp_path / "crc.zip"
    bad.write_bytes(bytes(data))
    result = verify_bundle(bad)
    assert not result.ok
    assert {"file_unreadable"} <= {p.code for p in result.errors}


def test_timestamp_tokens_are_checked(case: Case, case_dir: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens from the `timestamps` table travel in the bundle and are checked with
    timestamps.verify_token; a token that does not verify is named and fails its item."""
    items = populate(case, case_dir)
    exhibit = items[0].exhibit
    good, broken = b"0\x82GOOD-TOKEN", b"0\x82BROKEN"
    ev = case.record_event(ledger.TIMESTAMPED, exhibit, {"tokens": [
        {"token_sha256": hashlib.sha256(t).hexdigest()} for t in (good, broken)]})
    for token in (good, broken):
        case.conn.execute("INSERT INTO timestamps(at, subject_kind, subject, digest_alg, digest, tsa_url, gen_time, "
                          "serial, token, token_sha256, tsa_certs, event_seq) VALUES ('t', 'item', ?, 'sha256', "
                          "'ab', 'http://127.0.0.1/tsa', '2026-01-01T00:00:00Z', '1', ?, ?, ?, ?)",
                          (exhibit, token, hashlib.sha256(token).hexdigest(), "-----BEGIN CERTIFICATE-----",
                           ev.seq))
    out = tmp_path / "ts.zip"
    export_bundle(case, None, out)
    with zipfile.ZipFile(out) as zf:
        tokens = sorted(n for n in zf.namelist() if n.startswith("custody/timestamps/") and n.endswith(".tsr"))
        assert [zf.read(n) for n in tokens] == [good, broken]

    fake = types.ModuleType("evidence_kit.core.timestamps")

    def verify_token(token: bytes, digest: bytes, tsa_certs: bytes | None = None) -> types.SimpleNamespace:
        ok = token == good
        return types.SimpleNamespace(ok=ok, gen_time="2026-01-01T00:00:00Z",
                                     message="verified" if ok else "the signature does not verify")

    fake.verify_token = verify_token  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "evidence_kit.core.timestamps", fake)
    result = verify_bundle(out)
    assert [t.ok for t in result.timestamps] == [True, False]
    assert {p.code for p in result.errors} == {"timestamp_bad"}
    assert not next(i for i in result.items if i.exhibit == exhibit).ok
    assert result.step("timestamps").status == "failed"  # type: ignore[union-attr]

    monkeypatch.setitem(sys.modules, "evidence_kit.core.timestamps", types.ModuleType("stub"))
    unchecked = verify_bundle(out)
    assert unchecked.ok and {p.code for p in unchecked.problems} == {"timestamp_unchecked"}


def test_real_rfc3161_tokens_in_a_bundle(case: Case, case_dir: Path, tsa: TsaServer, tmp_path: Path) -> None:
    """Tokens from a real (local) authority: the item's and the ledger head's both verify from
    the bundle alone; a token swapped for another genuine one is caught by the ledger record."""
    from evidence_kit.core.timestamps import stamp_item, stamp_ledger_head

    items = populate(case, case_dir)
    exhibit = items[1].exhibit
    assert stamp_item(case, exhibit, tsa_urls=[tsa.url("/tsa")]).ok
    assert stamp_ledger_head(case, tsa_urls=[tsa.url("/tsa")]).ok  # stamps the item's `timestamped` event
    other = stamp_item(case, items[0].exhibit, tsa_urls=[tsa.url("/tsa")])[0]
    out = tmp_path / "ts.zip"
    export_bundle(case, [exhibit], out)
    result = verify_bundle(out)
    assert result.ok, [p.message for p in result.problems]
    assert sorted(t.subject_kind for t in result.timestamps) == ["item", "ledger"]
    assert all(t.ok for t in result.timestamps)
    assert result.step("timestamps").status == "ok"  # type: ignore[union-attr]
    assert next(i for i in result.items if i.exhibit == exhibit).timestamps == 1

    def swap(files: Files) -> None:
        name = next(n for n in files if n.endswith("-item-" + exhibit + ".tsr"))
        files[name] = other.token
        _resum(files)

    swapped = verify_bundle(rewrite_zip(out, tmp_path / "swapped.zip", swap))
    assert "timestamp_bad" in {p.code for p in swapped.errors}
    assert any("does not verify" in p.message or "swapped" in p.message or "imprint" in p.message
               for p in swapped.errors if p.code == "timestamp_bad")

    def corrupt(files: Files) -> None:
        name = next(n for n in files if n.endswith(".tsr"))
        files[name] = files[name][:-20] + b"\0" * 20

    broken = verify_bundle(rewrite_zip(out, tmp_path / "broken.zip", corrupt))
    assert "timestamp_bad" in {p.code for p in broken.errors}


# -- properties over hostile changes --------------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_of_any_file_is_caught(bundle: Path, tmp_path_factory: pytest.TempPathFactory,
                                                data: st.DataObject) -> None:
    """Property: change one byte anywhere in the content of any file of the bundle, SHA256SUMS
    and the manifest included, and the bundle no longer verifies."""
    with zipfile.ZipFile(bundle) as zf:
        names = sorted(zf.namelist())
        sizes = {n: zf.getinfo(n).file_size for n in names}
    name = data.draw(st.sampled_from([n for n in names if sizes[n] > 0]), label="file")
    pos = data.draw(st.integers(0, sizes[name] - 1), label="offset")
    xor = data.draw(st.integers(1, 255), label="xor")

    def flip(files: Files) -> None:
        b = bytearray(files[name])
        b[pos] ^= xor
        files[name] = bytes(b)

    bad = rewrite_zip(bundle, tmp_path_factory.mktemp("flip") / "bad.zip", flip)
    try:
        result = verify_bundle(bad)
    except BundleError:
        return  # e.g. the manifest no longer says it is a bundle: refused, which is also a catch
    assert not result.ok, (name, pos, xor)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_zip_bytes_give_an_answer_never_a_traceback(bundle: Path, tmp_path_factory: pytest.TempPathFactory,
                                                            data: st.DataObject) -> None:
    """Property: any damage to the ZIP container itself (headers, directory, data) ends in a
    verdict or a BundleError, never another exception."""
    raw = bytearray(bundle.read_bytes())
    for _ in range(data.draw(st.integers(1, 8), label="hits")):
        pos = data.draw(st.integers(0, len(raw) - 1), label="offset")
        raw[pos] ^= data.draw(st.integers(1, 255), label="xor")
    bad = tmp_path_factory.mktemp("raw") / "bad.zip"
    bad.write_bytes(bytes(raw))
    try:
        verify_bundle(bad)
    except BundleError:
        pass
