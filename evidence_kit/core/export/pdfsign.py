"""PAdES signature on the court report with the exporting officer's PKCS#12 certificate (pyHanko).

Optional: the bundle is complete and verifiable without it. When the officer supplies a
certificate (e.g. the agency's GPKI/NPKI signing certificate exported as .p12/.pfx), the report
gets a PAdES baseline signature (ETSI.CAdES.detached, SHA-256), timestamped by the first
configured RFC 3161 authority when one is set (PAdES B-T). Nothing is sent anywhere unless a TSA
is configured. The signed PDF is an incremental update: the report bytes are unchanged before it.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import EvidenceKitError, InputError

FIELD_NAME = "EvidenceKitSignature"
MAX_P12_BYTES = 1 << 20


class SigningError(EvidenceKitError):
    """The report could not be signed (certificate, passphrase or timestamp authority)."""


@dataclass(frozen=True)
class SignatureInfo:
    """What was signed with, for the export's ledger event and the user."""

    signer: str          # the certificate's subject, human readable
    serial: str          # certificate serial (decimal)
    sha256_cert: str     # SHA-256 of the DER certificate
    timestamped: bool
    tsa_url: str

    def to_json(self) -> dict[str, Any]:
        return {"signer": self.signer, "serial": self.serial, "certificate_sha256": self.sha256_cert,
                "timestamped": 1 if self.timestamped else 0, "tsa_url": self.tsa_url}


def read_p12(p12: bytes | Path | str) -> bytes:
    """The bytes of a PKCS#12 file (or the bytes given), refusing files too large to be one."""
    if not isinstance(p12, Path | str):
        return bytes(p12)
    path = Path(p12)
    try:
        if path.stat().st_size > MAX_P12_BYTES:
            raise InputError(f"{path.name} is too large to be a PKCS#12 certificate file. / "
                             "인증서 파일이 아닙니다.")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read the certificate file {path}: {exc.strerror}. / "
                         "인증서 파일을 읽을 수 없습니다.") from None


def _load_signer(p12: bytes | Path | str, passphrase: str | bytes | None) -> Any:
    from pyhanko.sign import signers

    data = read_p12(p12)
    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    # pyHanko logs the full exception on a wrong passphrase; the message is ours.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=secret)
    except Exception:
        signer = None
    if signer is None or getattr(signer, "signing_cert", None) is None:
        raise SigningError("The certificate file could not be opened: wrong passphrase, or not a PKCS#12 "
                           "(.p12/.pfx) file with a private key. / 인증서를 열 수 없습니다: 비밀번호가 "
                           "틀렸거나 개인 키가 든 PKCS#12 파일이 아닙니다.")
    return signer


def sign_pdf(pdf: BinaryIO, out: BinaryIO, *, p12: bytes | Path | str, passphrase: str | bytes | None,
             tsa_url: str = "", reason: str = "", location: str = "", name: str = "",
             timeout: float = 15.0) -> SignatureInfo:
    """Sign the PDF read from `pdf` and write the signed PDF to `out`.

    Raises SigningError for a bad certificate or passphrase or a failing timestamp authority,
    InputError for an unreadable file; `out` is then left unwritten.
    """
    import hashlib

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps

    signer = _load_signer(p12, passphrase)
    cert = signer.signing_cert
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None, location=location or None, name=name or None)
    stamper = timestamps.HTTPTimeStamper(tsa_url, timeout=int(max(1, timeout))) if tsa_url else None
    buffer = io.BytesIO()
    try:
        writer = IncrementalPdfFileWriter(pdf, strict=False)
        signers.PdfSigner(meta, signer=signer, timestamper=stamper).sign_pdf(writer, output=buffer)
    except Exception as exc:  # pyHanko raises many kinds; only the kind matters to a user
        where = f" ({tsa_url})" if tsa_url else ""
        raise SigningError(f"The report could not be signed{where}: {type(exc).__name__}. / "
                           "보고서에 서명하지 못했습니다.") from None
    if stamper is not None:
        _check_timestamp(buffer.getvalue(), tsa_url)
    out.write(buffer.getvalue())
    return SignatureInfo(signer=cert.subject.human_friendly, serial=str(cert.serial_number),
                         sha256_cert=hashlib.sha256(cert.dump()).hexdigest(), timestamped=stamper is not None,
                         tsa_url=tsa_url)


def _check_timestamp(signed: bytes, tsa_url: str) -> None:
    """pyHanko embeds whatever the authority answered; check the token's own signature and
    imprint before the signed report is used (trust in the TSA is the auditor's decision)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        [sig] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[], allow_fetching=False),
                                        ts_validation_context=ValidationContext(trust_roots=[], allow_fetching=False))
        ts = status.timestamp_validity
        good = ts is not None and ts.intact and ts.valid
    except Exception:
        good = False
    if not good:
        raise SigningError(f"The report could not be signed ({tsa_url}): the timestamp authority's answer is "
                           "not a valid token. / 보고서에 서명하지 못했습니다: 타임스탬프 응답이 올바르지 않습니다.")


def sign_pdf_bytes(pdf: bytes, **kwargs: Any) -> tuple[bytes, SignatureInfo]:
    """sign_pdf on bytes (a report is a few MB at most)."""
    out = io.BytesIO()
    info = sign_pdf(io.BytesIO(pdf), out, **kwargs)
    return out.getvalue(), info
