"""Exporting with the officer's PKCS#12 certificate: the bundle's court report carries a PAdES
signature that pyHanko validates (timestamped when a TSA is configured), recorded in the
manifest and the export event; a wrong passphrase is refused before anything is written."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.export.bundle import export_bundle
from evidence_kit.core.export.pdfsign import SigningError
from evidence_kit.core.export.verify_bundle import verify_bundle
from evidence_kit.core.settings import Settings
from tests.bundle_support import populate
from tests.core.test_pdfsign import P12_PASS, Officer
from tests.tsa_testing import TsaServer

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def officer() -> Officer:
    return Officer()


def _signature_status(bundle: Path, officer: Officer) -> object:
    with zipfile.ZipFile(bundle) as zf:
        pdf = zf.read("report/report.pdf")
    [sig] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return validate_pdf_signature(sig, officer.trust())


def test_signed_report_in_the_bundle(case: Case, case_dir: Path, tmp_path: Path, officer: Officer) -> None:
    populate(case, case_dir)
    p12 = tmp_path / "officer.p12"
    p12.write_bytes(officer.p12())
    out = tmp_path / "signed.zip"
    result = export_bundle(case, None, out, sign_p12=p12, sign_passphrase=P12_PASS)
    status = _signature_status(out, officer)
    assert status.intact and status.valid and status.trusted  # type: ignore[attr-defined]
    assert "Kim Officer" in result.report_signature["signer"]
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["report"]["signature"]["certificate_sha256"] == result.report_signature["certificate_sha256"]
    event = case.events(action=ledger.EXPORTED)[-1]
    assert event.details["report_signature"]["serial"] == "4242"
    assert verify_bundle(out).ok


def test_signed_report_with_timestamp(case: Case, tmp_path: Path, officer: Officer, tsa: TsaServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "a.txt"
    src.write_text("evidence")
    case.ingest([src])
    monkeypatch.setattr(Settings, "load", classmethod(lambda cls: cls(tsa_urls=[tsa.url("/tsa")])))
    out = tmp_path / "ts.zip"
    result = export_bundle(case, None, out, sign_p12=officer.p12(), sign_passphrase=P12_PASS)
    assert result.report_signature["timestamped"] == 1
    assert result.report_signature["tsa_url"] == tsa.url("/tsa")


def test_wrong_passphrase_is_refused_before_anything_is_written(case: Case, tmp_path: Path,
                                                                officer: Officer) -> None:
    src = tmp_path / "a.txt"
    src.write_text("evidence")
    case.ingest([src])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = case.ledger_head()
    with pytest.raises(SigningError, match="wrong passphrase"):
        export_bundle(case, None, out_dir / "b.zip", sign_p12=officer.p12(), sign_passphrase="wrong")
    with pytest.raises(Exception, match="Cannot read the certificate file"):
        export_bundle(case, None, out_dir / "b.zip", sign_p12=tmp_path / "missing.p12", sign_passphrase="x")
    assert list(out_dir.iterdir()) == [] and case.ledger_head() == before


def test_cli_sign_p12(cli: Cli, case: Case, case_dir: Path, tmp_path: Path, officer: Officer) -> None:
    populate(case, case_dir)
    case.close()
    p12 = tmp_path / "officer.p12"
    p12.write_bytes(officer.p12())
    out = tmp_path / "b.zip"
    code, stdout, stderr = cli("--case", str(case_dir), "export", "--out", str(out), "--sign-p12", str(p12),
                               env={"EVIDENCE_KIT_P12_PASSWORD": P12_PASS})
    assert code == 0, stderr
    assert "court report signed by" in stdout
    code, _, stderr = cli("--case", str(case_dir), "export", "--out", str(tmp_path / "c.zip"), "--sign-p12",
                          str(p12), env={"EVIDENCE_KIT_P12_PASSWORD": "nope"})
    assert code != 0 and "passphrase" in stderr and not (tmp_path / "c.zip").exists()
