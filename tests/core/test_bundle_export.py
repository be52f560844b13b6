"""Exporting evidence bundles: layout, byte-identical evidence, standard tools, the standalone
verify.py, permissions, and interrupted exports that must leave nothing complete-looking."""

from __future__ import annotations

import ast
import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.errors import (
    CancelledError,
    InputError,
    IntegrityError,
    PermissionDeniedError,
    StorageFullError,
)
from evidence_kit.core.export import bundle as bundle_mod
from evidence_kit.core.export.bundle import export_bundle, portable_name
from evidence_kit.core.export.verify_bundle import verify_bundle
from evidence_kit.core.progress import CancelToken
from tests.bundle_support import (
    AUDITOR,
    AUDITOR_PW,
    INVESTIGATOR,
    INVESTIGATOR_PW,
    add_web_item,
    populate,
    unzip,
)


@pytest.fixture
def populated(case: Case, case_dir: Path) -> Case:
    populate(case, case_dir)
    return case


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    """An empty folder for bundles (the case folder lives in tmp_path too)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def test_bundle_layout_and_byte_identical_evidence(populated: Case, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    result = export_bundle(populated, None, out, lang="en")
    assert out.is_file() and result.path == str(out)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == result.sha256
    assert out.stat().st_size == result.size
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert zf.testzip() is None
        for required in ("README.txt", "verify.py", "manifest.json", "manifest.sig", "SHA256SUMS",
                         "custody/ledger.jsonl", "custody/keys.json"):
            assert required in names
        manifest = json.loads(zf.read("manifest.json"))
        # Every artifact byte for byte as captured, at the path the manifest gives.
        for item in populated.items():
            entry = next(i for i in manifest["items"] if i["exhibit"] == item.exhibit)
            assert len(entry["artifacts"]) == len(item.artifacts)
            for art, listed in zip(item.artifacts, entry["artifacts"], strict=True):
                assert zf.read(listed["path"]) == populated.read_artifact(art)
                assert listed["sha256"] == art.sha256 and listed["md5"] == art.md5
        # Media is stored, text deflated.
        infos = {i.filename: i for i in zf.infolist()}
        png = next(n for n in names if n.endswith("screenshot.png"))
        assert infos[png].compress_type == zipfile.ZIP_STORED
        assert infos[next(n for n in names if n.endswith("dom.html"))].compress_type == zipfile.ZIP_DEFLATED
        sums = zf.read("SHA256SUMS").decode()
        readme = zf.read("README.txt").decode()
    assert manifest["format"] == "evidence-kit-bundle" and manifest["format_version"] == 1
    assert manifest["case"]["number"] == populated.info.number
    assert manifest["export"]["exporter"]["name"] == populated.user.name
    assert manifest["ledger"]["head"]["seq"] > 0
    listed = {line.split("  ", 1)[1] for line in sums.splitlines()}
    assert listed == set(names) - {"SHA256SUMS"}
    assert "verify.py" in readme and "sha256sum -c SHA256SUMS" in readme and "검증 방법" in readme


def test_export_is_a_signed_ledger_event(populated: Case, tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    result = export_bundle(populated, ["E0001", "E0002"], out)
    ev = populated.events(action=ledger.EXPORTED)[-1]
    assert ev.seq == result.event_seq and ev.actor == populated.user.name
    assert ev.details["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert ev.details["size"] == out.stat().st_size
    assert ev.details["items"] == [f"{populated.info.number}-E0001", f"{populated.info.number}-E0002"]
    assert ev.details["destination"] == str(out)
    assert populated.verify(record=False).ok


def test_standard_tools_and_standalone_verify(populated: Case, tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    export_bundle(populated, None, out)
    folder = unzip(out, tmp_path / "unzipped")
    sums = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    if shutil.which("unzip"):  # Info-ZIP reads the streamed entries (data descriptors) too
        test = subprocess.run(["unzip", "-tq", str(out)], capture_output=True, text=True)
        assert test.returncode == 0 and "No errors detected" in test.stdout, test.stdout + test.stderr
    # No third-party module on the path at all (-I -S): signatures are reported unchecked.
    bare = subprocess.run([sys.executable, "-I", "-S", "verify.py"], cwd=folder, capture_output=True,
                          text=True, encoding="utf-8")
    assert bare.returncode == 0, bare.stdout + bare.stderr
    assert "VERDICT: VERIFIED" in bare.stdout and "cryptography" in bare.stdout
    # With cryptography available it checks every signature, on the folder and on the ZIP.
    full = subprocess.run([sys.executable, "-I", str(folder / "verify.py"), str(out)], capture_output=True,
                          text=True, encoding="utf-8")
    assert full.returncode == 0, full.stdout + full.stderr
    assert "signature and item" in full.stdout
    assert "2026-SEOUL-0042-E0003" in full.stdout
    as_json = subprocess.run([sys.executable, "-I", "verify.py", "--json"], cwd=folder, capture_output=True,
                             text=True, encoding="utf-8")
    assert json.loads(as_json.stdout)["ok"] is True
    result = verify_bundle(out)
    assert result.ok, [p.message for p in result.problems]
    assert [i.exhibit for i in result.items] == [i.exhibit for i in populated.items()]
    assert result.step("signatures").status == "ok"  # type: ignore[union-attr]
    assert verify_bundle(folder).ok


def _python39() -> str | None:
    """A real Python 3.9 interpreter, when this machine has one (pyenv or the system)."""
    import glob

    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for candidate in [*sorted(glob.glob(f"{root}/versions/3.9*/bin/python3.9")), shutil.which("python3.9")]:
        if candidate:
            run = subprocess.run([candidate, "--version"], capture_output=True, text=True)
            if run.returncode == 0 and run.stdout.startswith("Python 3.9"):
                return candidate
    return None


def test_verify_script_runs_on_python39_and_7zip_reads_the_bundle(populated: Case, outdir: Path) -> None:
    out = outdir / "b.zip"
    export_bundle(populated, None, out)
    folder = unzip(out, outdir / "unzipped")
    python39 = _python39()
    seven = shutil.which("7z")
    if python39 is None and seven is None:
        pytest.skip("neither Python 3.9 nor 7-Zip is installed here")
    if python39 is not None:
        for args in (["verify.py"], ["verify.py", str(out)]):
            run = subprocess.run([python39, "-I", "-S", *args], cwd=folder, capture_output=True, text=True,
                                 encoding="utf-8")
            assert run.returncode == 0 and "VERDICT: VERIFIED" in run.stdout, run.stdout + run.stderr
    if seven is not None:
        run = subprocess.run([seven, "t", str(out)], capture_output=True, text=True)
        assert run.returncode == 0 and "Everything is Ok" in run.stdout, run.stdout + run.stderr


def test_file_manager_clutter_is_a_warning_not_a_failure(populated: Case, outdir: Path) -> None:
    out = outdir / "b.zip"
    export_bundle(populated, None, out)
    folder = unzip(out, outdir / "unzipped")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / "evidence" / "Thumbs.db").write_bytes(b"x")
    result = verify_bundle(folder)
    assert result.ok and {p.code for p in result.problems} == {"file_added"}
    assert all(p.severity == "warning" for p in result.problems)
    (folder / "evidence" / "extra.jpg").write_bytes(b"x")
    assert not verify_bundle(folder).ok


def test_verify_script_is_python39_and_standard_library_only() -> None:
    source = bundle_mod.verify_script().decode("utf-8")
    tree = ast.parse(source, feature_version=(3, 9))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    assert modules - set(sys.stdlib_module_names) == {"cryptography"}  # optional, guarded by ImportError
    # Nothing newer than 3.9 at run time: no match statement, no zip(strict=), no dataclass slots.
    assert not any(isinstance(n, ast.Match) for n in ast.walk(tree))
    assert not any(isinstance(n, ast.keyword) and n.arg in ("strict", "slots", "kw_only") for n in ast.walk(tree))


def test_selected_items_bring_their_events_and_the_key_announcements(populated: Case, tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    export_bundle(populated, ["E0003"], out)
    with zipfile.ZipFile(out) as zf:
        events = [json.loads(line) for line in zf.read("custody/ledger.jsonl").splitlines()]
        manifest = json.loads(zf.read("manifest.json"))
        names = zf.namelist()
    actions = [(e["action"], e["item"]) for e in events]
    assert ("case_created", "") in actions
    assert sum(1 for a in actions if a[0] == "user_added") == 2
    exhibit = f"{populated.info.number}-E0003"
    assert ("imported", exhibit) in actions
    assert all(e["item"] in ("", exhibit) for e in events)  # nothing about the other items
    assert not any(n.startswith("evidence/E0001") for n in names)
    assert [i["exhibit"] for i in manifest["items"]] == [exhibit]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and seqs[-1] - seqs[0] + 1 > len(seqs)  # the chain has gaps
    assert verify_bundle(out).ok


def test_unknown_item_and_empty_case_are_refused(case: Case, outdir: Path) -> None:
    with pytest.raises(InputError, match="no evidence items"):
        export_bundle(case, None, outdir / "b.zip")
    with pytest.raises(Exception, match="No item"):
        export_bundle(case, ["E0042"], outdir / "b.zip")
    assert not list(outdir.glob("*.zip*"))


def test_existing_target_folder_and_missing_parent(populated: Case, tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    out.write_bytes(b"keep me")
    with pytest.raises(InputError, match="already exists"):
        export_bundle(populated, None, out)
    assert out.read_bytes() == b"keep me"
    export_bundle(populated, None, out, overwrite=True)
    assert verify_bundle(out).ok
    with pytest.raises(InputError, match="is a folder"):
        export_bundle(populated, None, tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        export_bundle(populated, None, tmp_path / "nope" / "b.zip")
    with pytest.raises(InputError, match="ko or en"):
        export_bundle(populated, None, tmp_path / "c.zip", lang="fr")


@pytest.mark.parametrize(("user", "password"), [(INVESTIGATOR, INVESTIGATOR_PW), (AUDITOR, AUDITOR_PW)])
def test_only_case_officers_export(populated: Case, case_dir: Path, outdir: Path, user: str,
                                   password: str) -> None:
    before = populated.ledger_head()
    with Case.open(case_dir, user=user, password=password) as other, pytest.raises(PermissionDeniedError):
        export_bundle(other, None, outdir / "b.zip")
    assert not list(outdir.iterdir())
    assert populated.ledger_head() == before


def test_cancel_leaves_nothing(populated: Case, outdir: Path) -> None:
    token = CancelToken()
    seen: list[str] = []

    def progress(done: int, total: int, message: str) -> None:
        seen.append(message)
        if done > 0:
            token.cancel()

    before = populated.ledger_head()
    with pytest.raises(CancelledError):
        export_bundle(populated, None, outdir / "b.zip", progress=progress, cancel=token)
    assert seen
    assert list(outdir.iterdir()) == []
    assert populated.ledger_head() == before  # no export event for an export that did not happen


class _FullDisk:
    """A file that accepts `room` bytes, then fails as a full disk does."""

    def __init__(self, path: Path, room: int) -> None:
        self.f = open(path, "xb")  # noqa: SIM115
        self.room = room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.f.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.f, name)


@pytest.mark.parametrize("room", [0, 1000, 150_000])
def test_disk_full_leaves_nothing(populated: Case, outdir: Path, monkeypatch: pytest.MonkeyPatch,
                                  room: int) -> None:
    monkeypatch.setattr(bundle_mod, "_open_output", lambda p: _FullDisk(p, room))
    before = populated.ledger_head()
    with pytest.raises(StorageFullError, match="disk is full"):
        export_bundle(populated, None, outdir / "b.zip")
    assert list(outdir.iterdir()) == []
    assert populated.ledger_head() == before


def test_unwritable_destination_is_a_clear_error(populated: Case, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(path: Path) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(bundle_mod, "_open_output", denied)
    with pytest.raises(InputError, match="could not be written"):
        export_bundle(populated, None, tmp_path / "b.zip")


def test_damaged_store_stops_the_export(populated: Case, outdir: Path) -> None:
    item = populated.item("E0001")
    path = populated.objects.path_for(item.artifacts[0].object)
    data = bytearray(path.read_bytes())
    data[100] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        export_bundle(populated, None, outdir / "b.zip")
    assert list(outdir.iterdir()) == []


def test_names_are_portable_and_unique(case: Case, tmp_path: Path) -> None:
    draft = case.new_item("file", source="x", title="odd names", action=ledger.IMPORTED)
    draft.add_bytes(b"a", role="original", name="CON.txt")
    draft.add_bytes(b"b", role="original", name="Photo.JPG")
    draft.add_bytes(b"c", role="original", name="photo.jpg")
    draft.add_bytes(b"d", role="original", name='what?:*"<>|.png')
    draft.add_bytes(b"e", role="original", name="증거 사진.png")
    draft.commit()
    out = tmp_path / "b.zip"
    export_bundle(case, None, out)
    with zipfile.ZipFile(out) as zf:
        names = [n for n in zf.namelist() if n.startswith("evidence/")]
    assert len({n.lower() for n in names}) == 5
    assert "evidence/E0001/original/_CON.txt" in names
    assert "evidence/E0001/original/증거 사진.png" in names
    assert all(not any(c in n for c in '?:*"<>|\\') for n in names)
    assert verify_bundle(out).ok
    assert portable_name("..") == "file" and portable_name("a/../../b") == "b"
    assert portable_name("x" * 300 + ".jpeg").endswith(".jpeg") and len(portable_name("x" * 300 + ".jpeg")) <= 150


def test_gui_style_worker_thread_with_a_clone(populated: Case, tmp_path: Path) -> None:
    import threading

    out = tmp_path / "b.zip"
    errors: list[BaseException] = []

    def work() -> None:
        clone = populated.clone()  # the connection belongs to the thread that opens it
        try:
            export_bundle(clone, None, out)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            clone.close()

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert not errors and verify_bundle(out).ok


def test_reports_are_included_or_named_as_missing(populated: Case, outdir: Path) -> None:
    """report.pdf and case.jsonld are in the bundle when their writers are part of the build;
    when one is not, the bundle (manifest and warnings) says exactly what it lacks."""
    import importlib.util

    out = outdir / "b.zip"
    result = export_bundle(populated, None, out)
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = zf.namelist()
    for module, path, key in (("evidence_kit.core.export.report", "report/report.pdf", "pdf"),
                              ("evidence_kit.core.export.caseuco", "report/case.jsonld", "jsonld")):
        available = importlib.util.find_spec(module) is not None
        assert (path in names) == available
        assert manifest["report"][key] == (path if available else None)
        assert any(path in w for w in result.warnings) != available
    assert verify_bundle(out).ok


def test_web_item_without_warc_still_exports_with_wacz(case: Case, tmp_path: Path) -> None:
    add_web_item(case)
    draft = case.new_item("file", source="y", title="plain", action=ledger.IMPORTED)
    draft.add_bytes(b"plain", role="original", name="a.txt")
    draft.commit()
    out = tmp_path / "b.zip"
    result = export_bundle(case, None, out, wacz=True)
    assert result.wacz == ["evidence/E0001/wacz/e0001.wacz"]
    assert verify_bundle(out).ok


def test_large_artifact_streams_through(case: Case, tmp_path: Path) -> None:
    payload = os.urandom(1 << 20) * 12 + b"tail"  # > the inline-hash limit, several chunks
    draft = case.new_item("file", source="big", title="big", action=ledger.IMPORTED)
    draft.add_bytes(payload, role="original", name="video.mp4", mime="video/mp4")
    draft.commit()
    out = tmp_path / "b.zip"
    export_bundle(case, None, out)
    with zipfile.ZipFile(out) as zf:
        assert zf.read("evidence/E0001/original/video.mp4") == payload
    shutil.rmtree(tmp_path / "x", ignore_errors=True)
    assert verify_bundle(out).ok


@pytest.mark.parametrize(("lang", "label"), [("ko", "증거"), ("en", "Exhibit")])
def test_court_report_in_the_bundle_names_every_exhibit_and_hash(populated: Case, outdir: Path, lang: str,
                                                                 label: str) -> None:
    pytest.importorskip("evidence_kit.core.export.report")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = outdir / "b.zip"
    export_bundle(populated, None, out, lang=lang)
    with zipfile.ZipFile(out) as zf:
        pdf = zf.read("report/report.pdf")
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["report"]["pdf"] == "report/report.pdf" and manifest["report"]["lang"] == lang
    (outdir / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(outdir / "r.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = "".join(text.split())
    assert label in text
    for item in populated.items():
        assert item.exhibit in flat
        for art in item.artifacts:
            assert art.sha256 in flat
    assert manifest["evidence_digest"] in flat


@pytest.mark.parametrize("wacz", [False, True])
def test_progress_is_monotonic_and_complete(populated: Case, outdir: Path, wacz: bool) -> None:
    calls: list[tuple[int, int, str]] = []
    export_bundle(populated, None, outdir / "b.zip", wacz=wacz, progress=lambda d, t, m: calls.append((d, t, m)))
    dones = [d for d, _t, _m in calls]
    assert dones == sorted(dones)
    total = calls[-1][1]
    assert total > 0 and all(t == total for _d, t, _m in calls)
    assert dones[-1] == total and calls[-1][2] == "finishing"


def test_verification_can_be_cancelled(populated: Case, outdir: Path) -> None:
    out = outdir / "b.zip"
    export_bundle(populated, None, out)
    token = CancelToken()

    def progress(done: int, total: int, message: str) -> None:
        token.cancel()

    with pytest.raises(CancelledError):
        verify_bundle(out, progress=progress, cancel=token)
