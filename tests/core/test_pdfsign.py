"""PAdES signing of the court report with a PKCS#12 certificate, validated with pyHanko; with a
timestamp from the local test TSA; and the ways it fails."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from evidence_kit.core import ledger
from evidence_kit.core.case import TOOL, Case
from evidence_kit.core.errors import InputError
from evidence_kit.core.export.context import ExportContext
from evidence_kit.core.export.pdfsign import SigningError, sign_pdf, sign_pdf_bytes
from evidence_kit.core.export.report import write_court_report
from tests.core.report_fixtures import PHOTOS
from tests.tsa_testing import TsaServer, tsa  # noqa: F401 (fixture)

P12_PASS = "p12-secret-비밀"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Seoul Metropolitan Police Agency (test)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


class Officer:
    def __init__(self) -> None:
        now = datetime.now(UTC)
        self.ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ca = (x509.CertificateBuilder().subject_name(_name("Test Police Root CA"))
                   .issuer_name(_name("Test Police Root CA")).public_key(self.ca_key.public_key())
                   .serial_number(1).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                key_cert_sign=True, crl_sign=True, encipher_only=False,
                                                decipher_only=False), critical=True)
                   .sign(self.ca_key, hashes.SHA256()))
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.cert = (x509.CertificateBuilder().subject_name(_name("Kim Officer 12345"))
                     .issuer_name(self.ca.subject).public_key(self.key.public_key()).serial_number(4242)
                     .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=30))
                     .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                                  key_encipherment=False, data_encipherment=False,
                                                  key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                  encipher_only=False, decipher_only=False), critical=True)
                     .sign(self.ca_key, hashes.SHA256()))

    def p12(self, passphrase: str = P12_PASS) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"officer", self.key, self.cert, [self.ca],
            serialization.BestAvailableEncryption(passphrase.encode("utf-8")))

    def trust(self) -> ValidationContext:
        return ValidationContext(trust_roots=[ax509.Certificate.load(self.ca.public_bytes(serialization.Encoding.DER))])


@pytest.fixture(scope="module")
def officer() -> Officer:
    return Officer()


@pytest.fixture
def report_pdf(case: Case) -> bytes:
    items = case.ingest(PHOTOS[:1]).items
    ctx = ExportContext(case_info=case.info, exporter=case.user, exported_at=ledger.utc_now_ms(), lang="ko",
                        blur=True, items=items, events=case.events(), ledger_head=case.ledger_head(),
                        evidence_digest="0" * 64, bundle_name="bundle.zip", tool=TOOL,
                        read_artifact=case.read_artifact)
    out = io.BytesIO()
    write_court_report(ctx, out)
    return out.getvalue()


def _status(signed: bytes, officer: Officer, ts_trust: ValidationContext | None = None) -> object:
    reader = PdfFileReader(io.BytesIO(signed))
    [sig] = reader.embedded_signatures
    return validate_pdf_signature(sig, officer.trust(), ts_validation_context=ts_trust)


def test_signed_report_validates(report_pdf: bytes, officer: Officer, tmp_path: Path) -> None:
    p12 = tmp_path / "officer.p12"
    p12.write_bytes(officer.p12())
    signed, info = sign_pdf_bytes(report_pdf, p12=p12, passphrase=P12_PASS, reason="증거 보고서 반출",
                                  location="Seoul", name="김경찰")
    assert signed.startswith(report_pdf)  # incremental: the report itself is untouched
    status = _status(signed, officer)
    assert status.bottom_line and status.intact and status.valid and status.trusted  # type: ignore[attr-defined]
    assert "Kim Officer 12345" in info.signer and info.serial == "4242" and not info.timestamped
    assert info.to_json()["timestamped"] == 0
    # Untrusted root: still intact, not trusted.
    stranger = Officer()
    assert not _status(signed, stranger).trusted  # type: ignore[attr-defined]


def test_signed_report_with_timestamp(report_pdf: bytes, officer: Officer, tsa: TsaServer) -> None:  # noqa: F811
    signed, info = sign_pdf_bytes(report_pdf, p12=officer.p12(), passphrase=P12_PASS, tsa_url=tsa.url("/tsa"))
    assert info.timestamped and tsa.requests
    ts_trust = ValidationContext(trust_roots=[ax509.Certificate.load(
        x509.load_pem_x509_certificate(tsa.ca_pem).public_bytes(serialization.Encoding.DER))])
    status = _status(signed, officer, ts_trust)
    assert status.bottom_line  # type: ignore[attr-defined]
    ts = status.timestamp_validity  # type: ignore[attr-defined]
    assert ts is not None and ts.intact and ts.valid and ts.trusted


def test_tampered_signed_report_is_detected(report_pdf: bytes, officer: Officer) -> None:
    signed, _ = sign_pdf_bytes(report_pdf, p12=officer.p12(), passphrase=P12_PASS)
    at = signed.index(b"2026-SEOUL-0042") if b"2026-SEOUL-0042" in signed else len(report_pdf) // 2
    tampered = bytearray(signed)
    tampered[at] ^= 0x01
    status = _status(bytes(tampered), officer)
    assert not status.intact and not status.bottom_line  # type: ignore[attr-defined]


@pytest.mark.parametrize("p12,passphrase", [
    pytest.param("officer", "wrong-passphrase", id="wrong-passphrase"),
    pytest.param(b"not a pkcs12 file", P12_PASS, id="garbage"),
    pytest.param(b"", P12_PASS, id="empty"),
])
def test_bad_certificate_or_passphrase(report_pdf: bytes, officer: Officer, p12: object, passphrase: str) -> None:
    data = officer.p12() if p12 == "officer" else p12
    out = io.BytesIO()
    with pytest.raises(SigningError, match="비밀번호"):
        sign_pdf(io.BytesIO(report_pdf), out, p12=data, passphrase=passphrase)  # type: ignore[arg-type]
    assert out.getvalue() == b""


def test_missing_certificate_file(report_pdf: bytes, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Cannot read"):
        sign_pdf_bytes(report_pdf, p12=tmp_path / "nope.p12", passphrase="x")


@pytest.mark.parametrize("path", ["/http-error", "/bad-signature", "/rejection"])
def test_failing_timestamp_authority_leaves_nothing(report_pdf: bytes, officer: Officer, tsa: TsaServer,  # noqa: F811
                                                    path: str) -> None:
    out = io.BytesIO()
    with pytest.raises(SigningError, match="could not be signed"):
        sign_pdf(io.BytesIO(report_pdf), out, p12=officer.p12(), passphrase=P12_PASS, tsa_url=tsa.url(path))
    assert out.getvalue() == b""


def test_not_a_pdf(officer: Officer) -> None:
    with pytest.raises(SigningError):
        sign_pdf_bytes(b"%PDF-1.4 truncated", p12=officer.p12(), passphrase=P12_PASS)

