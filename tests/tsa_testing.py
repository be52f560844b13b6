"""A real RFC 3161 timestamp authority on 127.0.0.1 for tests: a test CA, a TSA certificate with
a critical timeStamping extended key usage, and responses built with asn1crypto and signed with
cryptography. Paths select misbehaviour, so one server serves every failure test:

    /tsa            a correct authority
    /bad-nonce      answers with a different nonce
    /bad-imprint    stamps a different digest
    /bad-signature  signature bytes altered
    /no-ess         no ESSCertID(v2) attribute
    /noncritical    the TSA certificate's key usage is not critical
    /rejection      status "rejection" with a status string
    /http-error     HTTP 500
    /not-tsa        an HTML page
    /garbage        a few bytes that are not a TimeStampResp
    /huge           2 MiB of bytes
    /redirect       302 to /tsa
    /hang           never answers (until the server stops)

Use the `tsa` fixture (import it into a test module): tsa.url("/tsa"), tsa.ca_pem, tsa.tsa_pem.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Evidence Kit Test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass
class Authority:
    ca_key: rsa.RSAPrivateKey
    ca_cert: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    serial: int = 1000

    @property
    def ca_pem(self) -> bytes:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM)

    @property
    def tsa_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def make_ca(cn: str = "Evidence Kit Test Root CA") -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_tsa_cert(ca_key: rsa.RSAPrivateKey, ca_cert: x509.Certificate, *, critical: bool = True,
                  ec_key: bool = False, cn: str = "Evidence Kit Test TSA",
                  valid_days: tuple[int, int] = (-1, 365)) -> tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
                                                                    x509.Certificate]:
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
        ec.generate_private_key(ec.SECP256R1()) if ec_key
        else rsa.generate_private_key(public_exponent=65537, key_size=2048))
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + timedelta(days=valid_days[0]))
            .not_valid_after(now + timedelta(days=valid_days[1]))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=critical)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def make_authority(**kw: object) -> Authority:
    ca_key, ca_cert = make_ca()
    key, cert = make_tsa_cert(ca_key, ca_cert, **kw)  # type: ignore[arg-type]
    return Authority(ca_key, ca_cert, key, cert)


def build_response(auth: Authority, request_der: bytes, *, fault: str = "", include_ca: bool = False,
                   gen_time: datetime | None = None, extra_certs: tuple[x509.Certificate, ...] = (),
                   pss: bool = False) -> bytes:
    """A TimeStampResp for `request_der`, with an optional deliberate fault."""
    req = tsp.TimeStampReq.load(request_der)
    if fault == "rejection":
        status = tsp.PKIStatusInfo({"status": "rejection", "status_string": ["policy not accepted"],
                                    "fail_info": {"unaccepted_policy"}}).dump()
        return core.Sequence.load(b"\x30" + _der_length(len(status)) + status).dump()
    imprint = req["message_imprint"]
    hashed = imprint["hashed_message"].native
    if fault == "bad-imprint":
        hashed = hashlib.sha256(b"something else").digest()
    nonce = req["nonce"].native
    if fault == "bad-nonce":
        nonce = (nonce or 0) + 1
    auth.serial += 1
    tst = tsp.TSTInfo({
        "version": "v1",
        "policy": "1.3.6.1.4.1.99999.1.1",
        "message_imprint": {"hash_algorithm": {"algorithm": imprint["hash_algorithm"]["algorithm"].native},
                            "hashed_message": hashed},
        "serial_number": auth.serial,
        "gen_time": (gen_time or datetime.now(UTC)).replace(microsecond=0),
        "accuracy": {"seconds": 1},
        "nonce": nonce,
        "tsa": ax509.GeneralName(name="directory_name",
                                 value=ax509.Name.load(auth.cert.subject.public_bytes())),
    })
    tst_der = tst.dump()
    cert_der = auth.cert.public_bytes(serialization.Encoding.DER)
    attrs = [
        cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]}),
    ]
    if fault != "no-ess":
        attrs.append(cms.CMSAttribute({"type": "signing_certificate_v2", "values": [
            tsp.SigningCertificateV2({"certs": [{"cert_hash": hashlib.sha256(cert_der).digest()}]})]}))
    attrs.sort(key=lambda a: a.dump())  # DER: a SET OF is sorted by encoding
    signed_attrs = cms.CMSAttributes(attrs)
    to_sign = signed_attrs.dump()
    sig_params: dict[str, object] | None = None
    if isinstance(auth.key, rsa.RSAPrivateKey) and pss:
        signature = auth.key.sign(to_sign, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                                  hashes.SHA256())
        sig_alg = "rsassa_pss"
        sig_params = {"hash_algorithm": {"algorithm": "sha256"},
                      "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
                      "salt_length": 32, "trailer_field": "trailer_field_bc"}
    elif isinstance(auth.key, rsa.RSAPrivateKey):
        signature = auth.key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        sig_alg = "sha256_rsa"
    else:
        signature = auth.key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        sig_alg = "sha256_ecdsa"
    if fault == "bad-signature":
        signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
    ca_der = auth.ca_cert.public_bytes(serialization.Encoding.DER)
    certs = [ax509.Certificate.load(cert_der)] + ([ax509.Certificate.load(ca_der)] if include_ca else [])
    certs += [ax509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in extra_certs]
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier(name="issuer_and_serial_number", value={
            "issuer": certs[0].issuer, "serial_number": certs[0].serial_number}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "signed_attrs": signed_attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm(
            {"algorithm": sig_alg, **({"parameters": sig_params} if sig_params else {})}),
        "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(tst_der)},
        "certificates": certs,
        "signer_infos": [signer],
    })
    token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


@dataclass
class TsaServer:
    authority: Authority
    port: int = 0
    requests: list[tuple[str, bytes]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    noncritical: Authority | None = None

    def url(self, path: str = "/tsa") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def ca_pem(self) -> bytes:
        return self.authority.ca_pem

    @property
    def tsa_pem(self) -> bytes:
        return self.authority.tsa_pem

    def write_pems(self, folder: Path) -> tuple[Path, Path]:
        ca, tsa_ = folder / "ca.pem", folder / "tsa.pem"
        ca.write_bytes(self.ca_pem)
        tsa_.write_bytes(self.tsa_pem)
        return ca, tsa_


def _handler(server: TsaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, code: int, body: bytes, ctype: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            server.requests.append((self.path, body))
            path = self.path.split("?")[0]
            if path == "/hang":
                server.release.wait(30)
                return
            if path == "/http-error":
                return self._send(500, b"internal error", "text/plain")
            if path == "/not-tsa":
                return self._send(200, b"<html><body>Welcome</body></html>", "text/html")
            if path == "/redirect":
                self.send_response(302)
                self.send_header("Location", server.url("/tsa"))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if path == "/huge":
                return self._send(200, b"\x30" * (2 << 20), "application/timestamp-reply")
            if path == "/garbage":
                return self._send(200, b"\x30\x03\x02\x01", "application/timestamp-reply")
            if self.headers.get("Content-Type") != "application/timestamp-query":
                return self._send(415, b"", "text/plain")
            auth = server.authority
            fault = path.strip("/")
            if fault == "noncritical":
                assert server.noncritical is not None
                auth = server.noncritical
            resp = build_response(auth, body, fault=fault if fault != "tsa" else "")
            self._send(200, resp, "application/timestamp-reply")

    return Handler


_AUTHORITIES: dict[str, Authority] = {}


def shared_authority() -> Authority:
    """One CA + TSA per test process (RSA key generation is the slow part)."""
    if "good" not in _AUTHORITIES:
        _AUTHORITIES["good"] = make_authority()
    return _AUTHORITIES["good"]


def _noncritical_authority() -> Authority:
    """Same CA, a TSA certificate whose timeStamping key usage is not critical."""
    if "noncritical" not in _AUTHORITIES:
        auth = shared_authority()
        _AUTHORITIES["noncritical"] = Authority(auth.ca_key, auth.ca_cert,
                                                *make_tsa_cert(auth.ca_key, auth.ca_cert, critical=False))
    return _AUTHORITIES["noncritical"]


@pytest.fixture
def tsa() -> Iterator[TsaServer]:
    auth = shared_authority()
    state = TsaServer(auth)
    state.noncritical = _noncritical_authority()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()
