"""`evidence-kit export` and `evidence-kit verify BUNDLE.zip` from the command line."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence_kit.core.case import Case
from tests.bundle_support import INVESTIGATOR, INVESTIGATOR_PW, populate, rewrite_zip

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def populated(case: Case, case_dir: Path) -> Path:
    populate(case, case_dir)
    case.close()
    return case_dir


def test_export_then_verify(cli: Cli, populated: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    code, stdout, stderr = cli("--case", str(populated), "export", "--out", str(out), "--lang", "en")
    assert code == 0, stderr
    assert f"Wrote {out}" in stdout and "SHA-256" in stdout and "custody event #" in stdout
    # No case, no user, no password needed to verify.
    code, stdout, stderr = cli("verify", str(out), user=None, password=None)
    assert code == 0, stdout + stderr
    assert "VERIFIED" in stdout and "2026-SEOUL-0042-E0002" in stdout
    code, stdout, _ = cli("verify", str(out), "--json", user=None, password=None)
    data = json.loads(stdout)
    assert data["ok"] is True and len(data["items"]) == 3
    assert data["case"]["number"] == "2026-SEOUL-0042"
    assert {c["name"] for c in data["checks"]} >= {"files", "manifest", "ledger", "signatures", "keys", "items"}


def test_export_selected_items_as_json(cli: Cli, populated: Path, tmp_path: Path) -> None:
    out = tmp_path / "two.zip"
    code, stdout, stderr = cli("--case", str(populated), "export", "E0001", "E0003", "--out", str(out), "--json",
                               "--no-blur", "--wacz")
    assert code == 0, stderr
    data = json.loads(stdout)
    assert data["items"] == ["2026-SEOUL-0042-E0001", "2026-SEOUL-0042-E0003"]
    assert data["wacz"] == []  # neither is a web capture
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["export"]["blur"] is False and manifest["export"]["lang"] == "ko"


def test_tampered_bundle_fails_with_the_problem_named(cli: Cli, populated: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    assert cli("--case", str(populated), "export", "--out", str(out))[0] == 0

    def change(files: dict[str, bytes]) -> None:
        name = next(n for n in files if n.endswith("dom.html"))
        files[name] = b"<html>changed</html>"

    bad = rewrite_zip(out, tmp_path / "bad.zip", change)
    code, stdout, _ = cli("verify", str(bad), user=None, password=None)
    assert code == 1
    assert "FAILED" in stdout and "evidence/E0002/dom/dom.html: changed" in stdout
    assert "변경됨" in stdout


def test_unusable_bundles_are_clear_errors(cli: Cli, tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"hello, not a zip")
    code, _, stderr = cli("verify", str(junk), user=None, password=None)
    assert code == 2 and "not a ZIP" in stderr and "Traceback" not in stderr
    code, _, stderr = cli("verify", str(tmp_path / "missing.zip"), user=None, password=None)
    assert code == 2 and "no such file" in stderr


def test_investigator_may_not_export(cli: Cli, populated: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    code, _, stderr = cli("--case", str(populated), "export", "--out", str(out), user=INVESTIGATOR,
                          password=INVESTIGATOR_PW)
    assert code == 4 and "may not export" in stderr
    assert not out.exists()


def test_existing_output_and_unknown_item(cli: Cli, populated: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    out.write_bytes(b"x")
    code, _, stderr = cli("--case", str(populated), "export", "--out", str(out))
    assert code == 2 and "already exists" in stderr
    code, _, stderr = cli("--case", str(populated), "export", "--out", str(out), "--overwrite")
    assert code == 0, stderr
    code, _, stderr = cli("--case", str(populated), "export", "E0099", "--out", str(tmp_path / "c.zip"))
    assert code != 0 and "No item" in stderr
    with Case.open(populated, user="kim", password="officer-pass-1") as case:
        assert [e.details["bundle"] for e in case.events(action="exported")] == ["b.zip"]


def test_verification_report_pdf(cli: Cli, populated: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    assert cli("--case", str(populated), "export", "--out", str(out))[0] == 0
    pdf = tmp_path / "verification.pdf"
    code, _, stderr = cli("verify", str(out), "--report", str(pdf), "--lang", "ko", user=None, password=None)
    try:
        import evidence_kit.core.export.report  # noqa: F401
    except ImportError:
        assert code == 2 and "cannot write verification reports" in stderr
        assert not pdf.exists()
        return
    assert code == 0, stderr
    assert pdf.read_bytes().startswith(b"%PDF")
