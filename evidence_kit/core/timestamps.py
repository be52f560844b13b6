"""RFC 3161 trusted timestamps over evidence items and the custody ledger head.

A timestamp authority (TSA) signs "this SHA-256 value existed at genTime". Evidence Kit asks
each authority configured in the workstation settings (Settings.tsa_urls; none by default, so
nothing leaves the machine unless the user sets one) and keeps the token and the authority's
certificates in the case (table `timestamps`, migration 0110). Each token is also recorded in
a signed `timestamped` ledger event (its SHA-256 and genTime), so a token cannot be swapped
or removed unnoticed.

What is stamped
---------------
* An item: ``item_digest(item)``, a SHA-256 over a canonical listing of its artifacts:

      listing = [{"role": r, "name": n, "size": s, "sha256": h}, …]  one entry per artifact,
                sorted by (sha256, role, name)
      document = {"v": 1, "exhibit": "<exhibit number>", "artifacts": listing}
      item_digest = SHA-256( UTF-8( JSON(document, keys sorted, separators "," and ":",
                                         non-ASCII characters unescaped) ) )

  `name` is the artifact's name as stored in the case (Artifact.name, as listed in the item's
  creation event), not a path inside a bundle; `size` an integer; `sha256` lower-case hex.
  In Python: ``hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":"),
  ensure_ascii=False).encode("utf-8")).digest()`` — the same canonical JSON as the ledger.
  A bundle verifier recomputes it from the manifest with ``item_digest_from_listing``.
* The ledger head: the 32 raw bytes of the newest event's `hash` (hex in the ledger).

Every token verifies with OpenSSL too (the digest is the hex of the value above)::

    openssl ts -verify -digest <hex> -token_in -in token.tsr -CAfile ca.pem -untrusted tsa.pem

Failing to reach an authority never loses a capture: the failure is returned and recorded in
the ledger as a `timestamp_failed` event.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from . import ledger
from .errors import EvidenceKitError, InputError
from .logs import get_logger
from .progress import ProgressCallback
from .roles import Permission
from .settings import Settings

if TYPE_CHECKING:
    from .case import Case, Item, Problem

TIMESTAMP_FAILED = "timestamp_failed"  # ledger action: no authority answered with a valid token
DIGEST_ALG = "sha256"
ITEM_DIGEST_VERSION = 1
MAX_RESPONSE_BYTES = 1 << 20  # a TimeStampResp is a few KiB; refuse anything absurd
DEFAULT_TIMEOUT_S = 20.0
REQUEST_MIME = "application/timestamp-query"
REPLY_MIMES = ("application/timestamp-reply", "application/timestamp-response")

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
    "sha512": hashes.SHA512, "sha3_256": hashes.SHA3_256, "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
}


_log = get_logger("timestamps")


def _host(url: str) -> str:
    """An authority named in the log by its host only (no path or query)."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


class TimestampError(EvidenceKitError):
    """A timestamp authority could not be reached or its answer was refused."""


# -- records --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TokenCheck:
    """The outcome of checking one token. `message` names the first thing that fails."""

    ok: bool
    message: str
    gen_time: str = ""            # UTC ISO 8601 with milliseconds
    serial: str = ""
    tsa_name: str = ""            # subject of the signing certificate (or the token's tsa field)
    policy: str = ""
    digest_alg: str = ""
    nonce: int | None = None
    chain: tuple[str, ...] = ()   # subjects from the signing certificate up to the root found
    trusted: bool | None = None   # chain ends at one of the given roots; None when none were given

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "message": self.message, "gen_time": self.gen_time, "serial": self.serial,
                "tsa_name": self.tsa_name, "policy": self.policy, "digest_alg": self.digest_alg,
                "chain": list(self.chain), "trusted": self.trusted}


@dataclass(frozen=True)
class TimestampRecord:
    id: int
    at: str
    subject_kind: str             # "item" | "ledger"
    subject: str                  # exhibit number | ledger seq (as text)
    digest_alg: str
    digest: str                   # hex
    tsa_url: str
    gen_time: str
    serial: str
    tsa_name: str
    token: bytes                  # DER TimeStampToken
    token_sha256: str
    tsa_certs: str                # PEM
    event_seq: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at, "subject_kind": self.subject_kind, "subject": self.subject,
                "digest_alg": self.digest_alg, "digest": self.digest, "tsa_url": self.tsa_url,
                "gen_time": self.gen_time, "serial": self.serial, "tsa_name": self.tsa_name,
                "token_sha256": self.token_sha256, "event_seq": self.event_seq}


@dataclass(frozen=True)
class TsaFailure:
    tsa_url: str
    message: str


class StampResult(list[TimestampRecord]):
    """The tokens obtained (a list), plus the authorities that failed and the ledger event."""

    def __init__(self, records: Iterable[TimestampRecord] = (), failures: Iterable[TsaFailure] = (),
                 event_seq: int | None = None) -> None:
        super().__init__(records)
        self.failures: list[TsaFailure] = list(failures)
        self.event_seq = event_seq

    @property
    def ok(self) -> bool:
        return bool(self) and not self.failures


@dataclass
class TimestampResponse:
    """A checked answer of one authority."""

    token: bytes                  # DER TimeStampToken
    check: TokenCheck
    certs_pem: str
    status: str = "granted"


# -- item digest ----------------------------------------------------------------------------
def item_listing(artifacts: Iterable[Any]) -> list[dict[str, Any]]:
    """The canonical listing of artifacts (objects with role/name/size/sha256 attributes, or
    mappings with those keys) that item_digest covers."""
    entries = []
    for a in artifacts:
        row: Mapping[str, Any] = a if isinstance(a, Mapping) else {k: getattr(a, k) for k in
                                                                  ("role", "name", "size", "sha256")}
        entries.append({"role": str(row["role"]), "name": str(row["name"]), "size": int(row["size"]),
                        "sha256": str(row["sha256"]).lower()})
    entries.sort(key=lambda e: (e["sha256"], e["role"], e["name"]))
    return entries


def item_digest_from_listing(exhibit: str, artifacts: Iterable[Any]) -> bytes:
    doc = {"v": ITEM_DIGEST_VERSION, "exhibit": exhibit, "artifacts": item_listing(artifacts)}
    return hashlib.sha256(ledger.canonical_json(doc)).digest()


def item_digest(item: Item) -> bytes:
    """SHA-256 over the item's exhibit number and its artifacts' roles, names, sizes and SHA-256
    (construction in the module documentation)."""
    return item_digest_from_listing(item.exhibit, item.artifacts)


# -- the protocol ---------------------------------------------------------------------------
def build_request(digest: bytes, nonce: int, *, digest_alg: str = DIGEST_ALG, policy: str | None = None) -> bytes:
    """A DER TimeStampReq: message imprint, nonce, certReq=true (so the answer carries the
    authority's certificate)."""
    fields: dict[str, Any] = {
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": digest_alg}, "hashed_message": digest},
        "nonce": nonce,
        "cert_req": True,
    }
    if policy:
        fields["req_policy"] = policy
    return bytes(tsp.TimeStampReq(fields).dump())


def new_nonce() -> int:
    return secrets.randbits(63) | 1 << 62  # positive, always 8 bytes: some TSAs choke on leading zeros


def _iso(dt: datetime) -> str:
    return ledger.iso_utc(dt.astimezone(UTC))


def _name(name: Any) -> str:
    try:
        return str(name.human_friendly)
    except Exception:
        return ""


def _cert(der: bytes) -> ax509.Certificate:
    """Load a certificate keeping its received bytes: asn1crypto re-encodes a certificate whose
    extensions were read, which is slow and could differ from what was signed and hashed."""
    cert = ax509.Certificate.load(der)
    cert._ek_der = der
    return cert


def _der(cert: ax509.Certificate) -> bytes:
    der = getattr(cert, "_ek_der", None)
    return der if der is not None else bytes(cert.dump())


def _crypto(cert: ax509.Certificate) -> x509.Certificate:
    loaded = getattr(cert, "_ek_crypto", None)
    if loaded is None:
        loaded = x509.load_der_x509_certificate(_der(cert))
        cert._ek_crypto = loaded
    return loaded


def _load_certs(source: bytes | str | Sequence[bytes | str] | None) -> list[ax509.Certificate]:
    """Certificates from DER bytes, a PEM text/blob (one or many), or a list of either."""
    if source is None:
        return []
    items: Sequence[bytes | str] = [source] if isinstance(source, bytes | str) else source
    out: list[ax509.Certificate] = []
    for item in items:
        data = item.encode("ascii", "replace") if isinstance(item, str) else bytes(item)
        if b"-----BEGIN" in data:
            from asn1crypto import pem

            for _type, _headers, der in pem.unarmor(data, multiple=True):
                out.append(_cert(bytes(der)))
        elif data:
            out.append(_cert(data))
    return out


def certs_to_pem(certs: Iterable[ax509.Certificate]) -> str:
    from asn1crypto import pem

    return "".join(pem.armor("CERTIFICATE", _der(c)).decode("ascii") for c in certs)


def _fail(message: str, **kw: Any) -> TokenCheck:
    return TokenCheck(False, message, **kw)


def _verify_sig(cert: ax509.Certificate, signature: bytes, data: bytes, sig_algo: str, hash_name: str,
                pss_params: Any = None) -> bool:
    key = _crypto(cert).public_key()
    hash_cls = _HASHES.get(hash_name)
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if hash_cls is None:
                return False
            if sig_algo == "rsassa_pss":
                mgf_hash = hash_cls
                salt: Any = padding.PSS.AUTO
                if pss_params is not None and pss_params.native is not None:
                    mgf = pss_params["mask_gen_algorithm"]["parameters"]["algorithm"].native
                    mgf_hash = _HASHES.get(mgf, hash_cls)
                    salt = int(pss_params["salt_length"].native)
                key.verify(signature, data, padding.PSS(mgf=padding.MGF1(mgf_hash()), salt_length=salt),
                           hash_cls())
            else:
                key.verify(signature, data, padding.PKCS1v15(), hash_cls())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if hash_cls is None:
                return False
            key.verify(signature, data, ec.ECDSA(hash_cls()))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _find_signer(sid: cms.SignerIdentifier, certs: list[ax509.Certificate]) -> ax509.Certificate | None:
    for c in certs:
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if c.issuer == ias["issuer"] and c.serial_number == ias["serial_number"].native:
                return c
        elif sid.name == "subject_key_identifier" and c.key_identifier == sid.chosen.native:
            return c
    return None


def _issuer_problem(cert: ax509.Certificate, gen_time: datetime) -> str:
    """An issuing certificate must be a CA allowed to sign certificates, valid at genTime:
    otherwise any certificate from a trusted root could mint a "TSA"."""
    cc = _crypto(cert)
    who = _name(cert.subject)
    try:
        bc = cc.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        bc = None
    if bc is None or not bc.ca:
        return f"the certificate {who!r} issued another but is not a certificate authority"
    try:
        ku = cc.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        ku = None
    if ku is not None and not ku.key_cert_sign:
        return f"the certificate {who!r} may not sign certificates (key usage)"
    if not cc.not_valid_before_utc <= gen_time <= cc.not_valid_after_utc:
        return f"the certificate authority {who!r} was not valid at genTime {_iso(gen_time)}"
    return ""


def _build_chain(leaf: ax509.Certificate, pool: list[ax509.Certificate], roots: list[ax509.Certificate],
                 gen_time: datetime) -> tuple[list[ax509.Certificate], str]:
    """Walk issuer links from `leaf` through `pool` and `roots`, checking each signature and
    that each issuer is a CA valid at genTime. Returns the chain and an error message ("" when
    every link holds)."""
    chain = [leaf]
    current = leaf
    candidates = roots + pool
    for _ in range(10):
        if current.self_signed in ("maybe", "yes") and current.issuer == current.subject:
            try:
                cc = _crypto(current)
                cc.verify_directly_issued_by(cc)
            except (InvalidSignature, ValueError, TypeError):
                return chain, f"the self-signed certificate {_name(current.subject)!r} has a bad signature"
            return chain, ""
        issuer = None
        for cand in candidates:
            if cand.subject != current.issuer or _der(cand) == _der(current):
                continue
            try:
                _crypto(current).verify_directly_issued_by(_crypto(cand))
            except (InvalidSignature, ValueError, TypeError):
                continue
            issuer = cand
            break
        if issuer is not None:
            problem = _issuer_problem(issuer, gen_time)
            if problem:
                return [*chain, issuer], problem
        if issuer is None:
            # A same-named certificate in the token that did not sign it is a forgery; a
            # same-named trust root that did not is just not this authority's root.
            if any(c.subject == current.issuer for c in pool):
                return chain, (f"the certificate {_name(current.subject)!r} is not validly signed by its "
                               f"issuer {_name(current.issuer)!r}")
            return chain, ""  # chain ends without its root: reported as untrusted, not as broken
        chain.append(issuer)
        current = issuer
    return chain, "the certificate chain is too long"


def _check_tsa_cert(cert: ax509.Certificate, gen_time: datetime) -> str:
    """RFC 3161 §2.3: the signing certificate has exactly one extended key usage, timeStamping,
    marked critical. It must also be valid at genTime."""
    cc = _crypto(cert)
    try:
        ext = cc.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return "the signing certificate is not a timestamping certificate (no extended key usage)"
    if list(ext.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        return "the signing certificate's extended key usage is not timeStamping alone"
    if not ext.critical:
        return "the signing certificate's timeStamping key usage is not marked critical"
    if not cc.not_valid_before_utc <= gen_time <= cc.not_valid_after_utc:
        return (f"the signing certificate was not valid at genTime {_iso(gen_time)} (valid "
                f"{_iso(cc.not_valid_before_utc)} to {_iso(cc.not_valid_after_utc)})")
    return ""


def verify_token(token_der: bytes, digest: bytes, tsa_certs: bytes | str | Sequence[bytes | str] | None = None, *,
                 digest_alg: str = DIGEST_ALG, nonce: int | None = None,
                 trust_roots: bytes | str | Sequence[bytes | str] | None = None) -> TokenCheck:
    """Check a TimeStampToken (DER CMS ContentInfo) against `digest`.

    Checks: the structure; the message imprint (algorithm and value); the nonce when given; the
    content-type and message-digest signed attributes; the ESSCertID / ESSCertIDv2 binding to
    the signing certificate; the signature over the signed attributes; the signing
    certificate's critical timeStamping key usage and validity at genTime; every link of the
    certificate chain found in the token and `tsa_certs`. When `trust_roots` are given, `trusted`
    says whether the chain ends at one of them (and ok requires it). Never raises.
    """
    try:
        return _verify_token(token_der, digest, tsa_certs, digest_alg, nonce, trust_roots)
    except Exception as exc:  # hostile DER must give an answer, not a traceback
        return _fail(f"the token could not be read ({type(exc).__name__})")


def _verify_token(token_der: bytes, digest: bytes, tsa_certs: Any, digest_alg: str, nonce: int | None,
                  trust_roots: Any) -> TokenCheck:
    try:
        info = cms.ContentInfo.load(bytes(token_der), strict=True)
        if info["content_type"].native != "signed_data":
            return _fail("not a timestamp token (the content is not CMS signed data)")
        sd = info["content"]
        eci = sd["encap_content_info"]
        if eci["content_type"].native != "tst_info":
            return _fail("not a timestamp token (the signed content is not a TSTInfo)")
        tst_der = eci["content"].contents
        tst = tsp.TSTInfo.load(tst_der)
        imprint = tst["message_imprint"]
        imprint_alg = imprint["hash_algorithm"]["algorithm"].native
        imprint_value = imprint["hashed_message"].native
        gen_time: datetime = tst["gen_time"].native
        serial = str(tst["serial_number"].native)
        policy = tst["policy"].dotted
        token_nonce = tst["nonce"].native if tst["nonce"].native is not None else None
        tsa_field = _name(tst["tsa"].chosen) if tst["tsa"].native is not None else ""
    except (ValueError, TypeError, KeyError) as exc:
        return _fail(f"the token is malformed ({exc.__class__.__name__})")
    base: dict[str, Any] = {"gen_time": _iso(gen_time), "serial": serial, "tsa_name": tsa_field,
                            "policy": policy, "digest_alg": str(imprint_alg), "nonce": token_nonce}
    if imprint_alg != digest_alg:
        return _fail(f"the token stamps a {imprint_alg} digest, not {digest_alg}", **base)
    if imprint_value != digest:
        return _fail("the token does not stamp this data (the message imprint differs: the data changed "
                     "after it was stamped)", **base)
    if nonce is not None and token_nonce != nonce:
        return _fail("the token's nonce is not the one sent (a replayed or substituted answer)", **base)
    signer_infos = sd["signer_infos"]
    if len(signer_infos) != 1:
        return _fail(f"the token has {len(signer_infos)} signatures instead of one", **base)
    si = signer_infos[0]
    certs = [_cert(bytes(c.chosen.dump())) for c in (sd["certificates"] or []) if c.name == "certificate"]
    extra = _load_certs(tsa_certs)
    roots = _load_certs(trust_roots)
    known = {_der(c) for c in certs}
    pool = certs + [c for c in extra if _der(c) not in known]
    signer = _find_signer(si["sid"], pool)
    if signer is None:
        return _fail("the authority's signing certificate is neither in the token nor among the stored "
                     "certificates", **base)
    base["tsa_name"] = _name(signer.subject) or tsa_field
    hash_name = si["digest_algorithm"]["algorithm"].native
    if hash_name not in _HASHES:
        return _fail(f"unsupported digest algorithm {hash_name}", **base)
    attrs = si["signed_attrs"]
    if not attrs:
        return _fail("the token has no signed attributes", **base)
    # The signature covers the attributes as received, re-tagged from [0] IMPLICIT to SET (RFC 5652
    # §5.4). Taken before any attribute is read: asn1crypto re-encodes what was read (filling in
    # defaults), which could differ from the signed bytes.
    raw_attrs = attrs.dump()
    signed_bytes = b"\x31" + raw_attrs[1:]
    found: dict[str, Any] = {}
    for attr in attrs:
        name = attr["type"].native
        if name in found:
            return _fail(f"the signed attribute {name} appears twice", **base)
        found[name] = attr["values"][0] if len(attr["values"]) == 1 else None
    if found.get("content_type") is None or found["content_type"].native != "tst_info":
        return _fail("the signed content-type attribute is not TSTInfo", **base)
    md = found.get("message_digest")
    if md is None or md.native != hashlib.new(hash_name, tst_der).digest():
        return _fail("the signed message digest does not match the token's content (the TSTInfo was "
                     "altered)", **base)
    signer_der = _der(signer)
    v2, v1 = found.get("signing_certificate_v2"), found.get("signing_certificate")
    if v2 is not None:
        ess = v2["certs"][0]
        alg = ess["hash_algorithm"]["algorithm"].native
        if alg not in _HASHES or ess["cert_hash"].native != hashlib.new(alg, signer_der).digest():
            return _fail("the ESSCertIDv2 attribute does not name the signing certificate", **base)
    elif v1 is not None:
        if v1["certs"][0]["cert_hash"].native != hashlib.sha1(signer_der).digest():  # noqa: S324 - RFC 2634
            return _fail("the ESSCertID attribute does not name the signing certificate", **base)
    else:
        return _fail("the token does not name its signing certificate (no ESSCertID attribute)", **base)
    sig_algo = si["signature_algorithm"].signature_algo if si["signature_algorithm"]["algorithm"].native not in (
        "rsassa_pkcs1v15", "rsa") else "rsassa_pkcs1v15"
    pss = si["signature_algorithm"]["parameters"] if sig_algo == "rsassa_pss" else None
    if not _verify_sig(signer, si["signature"].native, signed_bytes, sig_algo, hash_name, pss):
        return _fail("the authority's signature is not valid (the token was altered or forged)", **base)
    problem = _check_tsa_cert(signer, gen_time)
    if problem:
        return _fail(problem, **base)
    chain, chain_problem = _build_chain(signer, pool, roots, gen_time)
    base["chain"] = tuple(_name(c.subject) for c in chain)
    if chain_problem:
        return _fail(chain_problem, **base)
    if roots:
        root_ders = {_der(r) for r in roots}
        trusted = any(_der(c) in root_ders for c in chain)
        base["trusted"] = trusted
        if not trusted:
            return _fail("the authority's certificate does not chain to a trusted root", **base)
    return TokenCheck(True, "valid", **base)


def parse_response(data: bytes, digest: bytes, nonce: int | None, *, digest_alg: str = DIGEST_ALG,
                   trust_roots: Any = None) -> TimestampResponse:
    """Check a DER TimeStampResp for `digest` and `nonce`; raise TimestampError naming the fault."""
    try:
        # asn1crypto's TimeStampResp requires the token, which a refusal omits: read the status
        # from the outer SEQUENCE first.
        outer = core.load(data, strict=True)
        if not isinstance(outer, core.Sequence):
            raise ValueError("not a SEQUENCE")
        status_info = tsp.PKIStatusInfo.load(outer.contents)  # not strict: the token follows it
        status = status_info["status"].native
        status_info.native  # noqa: B018 - parse every field now
    except (ValueError, TypeError, KeyError, IndexError):
        raise TimestampError("The answer is not an RFC 3161 timestamp response. / "
                             "타임스탬프 응답이 아닙니다.") from None
    if status not in ("granted", "granted_with_mods"):
        text = ""
        try:
            strings = status_info["status_string"].native or []
            text = "; ".join(str(s) for s in strings)[:200]
            info = status_info["fail_info"].native
            if info:
                text = (text + "; " if text else "") + ", ".join(sorted(info))
        except (ValueError, TypeError, KeyError):
            pass
        raise TimestampError(f"The authority refused the request ({status}{': ' + text if text else ''}). / "
                             "타임스탬프 기관이 요청을 거부했습니다.")
    try:
        # The token's bytes exactly as received (nothing read yet, so asn1crypto re-encodes nothing).
        token_der = bytes(tsp.TimeStampResp.load(data)["time_stamp_token"].dump())
    except (ValueError, TypeError, KeyError):
        raise TimestampError("The authority granted the request but sent no readable token. / "
                             "토큰이 없습니다.") from None
    check = verify_token(token_der, digest, None, digest_alg=digest_alg, nonce=nonce, trust_roots=trust_roots)
    if not check.ok:
        raise TimestampError(f"The authority's token was refused: {check.message}. / "
                             "타임스탬프 토큰 검증에 실패했습니다.")
    certs = [_cert(bytes(c.chosen.dump())) for c in (cms.ContentInfo.load(token_der)["content"]["certificates"] or [])
             if c.name == "certificate"]
    return TimestampResponse(token_der, check, certs_to_pem(certs), status)


def request_timestamp(url: str, digest: bytes, *, timeout: float = DEFAULT_TIMEOUT_S,
                      digest_alg: str = DIGEST_ALG, proxy: str = "", trust_roots: Any = None) -> TimestampResponse:
    """POST a TimeStampReq to `url` and return the checked answer; TimestampError otherwise."""
    import requests

    if not url.lower().startswith(("http://", "https://")):
        raise InputError(f"{url!r} is not an http(s) timestamp authority URL. / TSA 주소가 올바르지 않습니다.")
    nonce = new_nonce()
    body = build_request(digest, nonce, digest_alg=digest_alg)
    session = requests.Session()
    if proxy:
        session.proxies = {"http": proxy, "https": proxy}
    try:
        with session.post(url, data=body, timeout=timeout, stream=True, allow_redirects=False,
                          headers={"Content-Type": REQUEST_MIME, "Accept": ", ".join(REPLY_MIMES)}) as resp:
            if resp.is_redirect or resp.is_permanent_redirect:
                # Following would turn the POST into a GET (301/302/303) and silently send the
                # query elsewhere: the user decides which authority is asked.
                where = resp.headers.get("Location", "?")[:200]
                raise TimestampError(f"The authority {url} redirects to {where}; configure that address "
                                     "instead. / 타임스탬프 기관 주소가 다른 곳으로 넘겨집니다.")
            if resp.status_code != 200:
                raise TimestampError(f"The authority {url} answered HTTP {resp.status_code} "
                                     f"{resp.reason or ''}".rstrip() + ". / 타임스탬프 기관이 오류로 응답했습니다.")
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_content(65536):
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise TimestampError(f"The authority {url} sent more than {MAX_RESPONSE_BYTES} bytes; "
                                         "that is not a timestamp response. / 응답이 너무 큽니다.")
                chunks.append(chunk)
            mime = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    except requests.Timeout:
        raise TimestampError(f"The authority {url} did not answer within {timeout:g} s. / "
                             "타임스탬프 기관이 응답하지 않았습니다.") from None
    except requests.RequestException as exc:
        raise TimestampError(f"The authority {url} could not be reached ({type(exc).__name__}). / "
                             "타임스탬프 기관에 연결할 수 없습니다.") from None
    finally:
        session.close()
    data = b"".join(chunks)
    try:
        return parse_response(data, digest, nonce, digest_alg=digest_alg, trust_roots=trust_roots)
    except TimestampError as exc:
        if mime and mime not in REPLY_MIMES and "not an RFC 3161" in exc.message:
            raise TimestampError(f"The authority {url} answered with {mime}, not a timestamp response. / "
                                 "타임스탬프 응답이 아닙니다.") from None
        raise


# -- stamping a case ------------------------------------------------------------------------
def _configured(tsa_urls: Sequence[str] | None) -> tuple[list[str], Settings]:
    settings = Settings.load()
    urls = list(settings.tsa_urls if tsa_urls is None else tsa_urls)
    # A hand-edited settings file may hold anything: only non-empty strings count.
    return [u for u in dict.fromkeys(u.strip() for u in urls if isinstance(u, str)) if u], settings


def _stamp(case: Case, subject_kind: str, subject: str, digest: bytes, item_ref: str,
           extra_details: dict[str, Any], tsa_urls: Sequence[str] | None, timeout: float | None,
           progress: ProgressCallback | None) -> StampResult:
    case.require(Permission.CAPTURE)
    urls, settings = _configured(tsa_urls)
    if not urls:
        return StampResult()
    # Authorities are asked in parallel (a slow one does not delay the others); results are
    # kept in the configured order so the ledger event is the same whatever answered first.
    outcome: dict[str, TimestampResponse | TsaFailure] = {}

    def ask(url: str) -> TimestampResponse | TsaFailure:
        try:
            return request_timestamp(url, digest, timeout=timeout or DEFAULT_TIMEOUT_S, proxy=settings.proxy)
        except EvidenceKitError as exc:
            return TsaFailure(url, exc.message)
        except Exception as exc:  # never lose a capture to a bug in a remote answer
            return TsaFailure(url, f"Unexpected error ({type(exc).__name__}). / 예기치 않은 오류입니다.")

    if progress is not None:
        progress(0, len(urls), urls[0])
    with ThreadPoolExecutor(max_workers=min(len(urls), 8), thread_name_prefix="tsa") as pool:
        futures = {pool.submit(ask, url): url for url in urls}
        for done, future in enumerate(as_completed(futures), 1):
            outcome[futures[future]] = future.result()
            if progress is not None:
                progress(done, len(urls), futures[future])
    answers = [(url, r) for url in urls if isinstance(r := outcome[url], TimestampResponse)]
    failures = [r for url in urls if isinstance(r := outcome[url], TsaFailure)]
    at = ledger.utc_now_ms()
    details: dict[str, Any] = {"subject_kind": subject_kind, "subject": subject, "digest_alg": DIGEST_ALG,
                               "digest": digest.hex(), **extra_details}
    details["tokens"] = [{"tsa_url": url, "gen_time": a.check.gen_time, "serial": a.check.serial,
                          "tsa_name": a.check.tsa_name, "token_sha256": hashlib.sha256(a.token).hexdigest()}
                         for url, a in answers]
    if failures:
        details["failures"] = [{"tsa_url": f.tsa_url, "error": f.message} for f in failures]
    action = ledger.TIMESTAMPED if answers else TIMESTAMP_FAILED
    _log.info("%s %s %s: %d token(s), %d failure(s)", action, subject_kind, subject, len(answers), len(failures))
    for f in failures:
        reason = f.message.split(" / ")[0].replace(f.tsa_url, _host(f.tsa_url))[:200]
        _log.warning("timestamp authority %s failed: %s", _host(f.tsa_url), reason)
    records: list[TimestampRecord] = []
    with case.transaction(Permission.CAPTURE) as event:
        ev = event(action, item_ref, details)
        for url, a in answers:
            token_hash = hashlib.sha256(a.token).hexdigest()
            cur = case.conn.execute(
                "INSERT INTO timestamps(at, subject_kind, subject, digest_alg, digest, tsa_url, gen_time, serial, "
                "tsa_name, token, token_sha256, tsa_certs, event_seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (at, subject_kind, subject, DIGEST_ALG, digest.hex(), url, a.check.gen_time, a.check.serial,
                 a.check.tsa_name, a.token, token_hash, a.certs_pem, ev.seq))
            records.append(TimestampRecord(int(cur.lastrowid), at, subject_kind, subject, DIGEST_ALG, digest.hex(),
                                           url, a.check.gen_time, a.check.serial, a.check.tsa_name, a.token,
                                           token_hash, a.certs_pem, ev.seq))
    return StampResult(records, failures, ev.seq)


def stamp_item(case: Case, item: Item | str, progress: ProgressCallback | None = None, *,
               tsa_urls: Sequence[str] | None = None, timeout: float | None = None) -> StampResult:
    """Stamp item_digest(item) at every configured authority (Settings.tsa_urls unless
    `tsa_urls` is given). Tokens and a `timestamped` event are written in one transaction;
    authorities that fail are listed in `result.failures` and in the event (or in a
    `timestamp_failed` event when none answered). Nothing configured: an empty result, no event.
    Network trouble never raises."""
    if isinstance(item, str):
        item = case.item(item)
    listing = item_listing(item.artifacts)
    return _stamp(case, "item", item.exhibit, item_digest(item), item.exhibit, {"artifacts": listing},
                  tsa_urls, timeout, progress)


def stamp_ledger_head(case: Case, progress: ProgressCallback | None = None, *,
                      tsa_urls: Sequence[str] | None = None, timeout: float | None = None) -> StampResult:
    """Stamp the hash of the newest ledger event (which the whole chain before it depends on)."""
    seq, head = case.ledger_head()
    return _stamp(case, "ledger", str(seq), bytes.fromhex(head), "", {"seq": seq}, tsa_urls, timeout, progress)


def stamp_capture(case: Case, item: Item | str, progress: ProgressCallback | None = None, *,
                  tsa_urls: Sequence[str] | None = None,
                  timeout: float | None = None) -> tuple[StampResult, StampResult]:
    """After a capture: stamp the item, then the ledger head (which now includes the item's
    creation and timestamp events). Returns both results; never raises for network trouble."""
    item_result = stamp_item(case, item, progress, tsa_urls=tsa_urls, timeout=timeout)
    head_result = stamp_ledger_head(case, progress, tsa_urls=tsa_urls, timeout=timeout)
    return item_result, head_result


def _record_from_row(r: Any) -> TimestampRecord:
    return TimestampRecord(int(r["id"]), r["at"], r["subject_kind"], r["subject"], r["digest_alg"], r["digest"],
                           r["tsa_url"], r["gen_time"], r["serial"], r["tsa_name"], bytes(r["token"]),
                           r["token_sha256"], r["tsa_certs"], int(r["event_seq"]))


def timestamps(case: Case, *, subject_kind: str | None = None, subject: str | None = None) -> list[TimestampRecord]:
    """Stored tokens, oldest first (for the item view and the bundle's custody/timestamps)."""
    case.require(Permission.READ)
    sql = "SELECT * FROM timestamps WHERE 1 = 1"
    args: list[Any] = []
    if subject_kind is not None:
        sql += " AND subject_kind = ?"
        args.append(subject_kind)
    if subject is not None:
        sql += " AND subject = ?"
        args.append(subject)
    return [_record_from_row(r) for r in case.conn.execute(sql + " ORDER BY id", args)]


# -- verification of a case -----------------------------------------------------------------
def verify_case_timestamps(case: Case) -> list[Problem]:
    """Every stored token against what it stamped now: an item's current artifact hashes, or
    the ledger event it names; its link to its `timestamped` event; and the token itself.
    Called by core/verify.py."""
    from .case import Problem

    problems: list[Problem] = []
    conn = case.conn
    events: dict[int, ledger.Event] = {}
    for r in conn.execute("SELECT * FROM ledger WHERE action = ?", (ledger.TIMESTAMPED,)):
        stamped_event = ledger.Event.from_row(r)
        events[stamped_event.seq] = stamped_event
    seen_tokens: set[tuple[int, str]] = set()
    items: dict[str, Any] = {}
    for row in conn.execute("SELECT * FROM timestamps ORDER BY id"):
        rec = _record_from_row(row)
        exhibit = rec.subject if rec.subject_kind == "item" else None
        where = f"timestamp #{rec.id} ({rec.tsa_url})"

        def add(message: str, *, seq: int | None = None, artifact: str | None = None,
                _where: str = where, _exhibit: str | None = exhibit) -> None:
            problems.append(Problem("timestamp", f"{_where}: {message}", seq=seq, exhibit=_exhibit,
                                    artifact=artifact))

        if hashlib.sha256(rec.token).hexdigest() != rec.token_sha256:
            add("the stored token differs from the one recorded (replaced)")
        ev: ledger.Event | None = events.get(rec.event_seq)
        listed = {t.get("token_sha256") for t in (ev.details.get("tokens") or [])} if ev else set()
        if ev is None or rec.token_sha256 not in listed or ev.details.get("subject") != rec.subject \
                or ev.details.get("digest") != rec.digest:
            add("no custody event records this token", seq=rec.event_seq)
        seen_tokens.add((rec.event_seq, rec.token_sha256))
        try:
            digest = bytes.fromhex(rec.digest)
        except ValueError:
            add("its recorded digest is damaged")
            continue
        if rec.subject_kind == "item":
            if rec.subject not in items:
                row_item = conn.execute("SELECT id FROM items WHERE exhibit = ?", (rec.subject,)).fetchone()
                items[rec.subject] = None if row_item is None else [
                    dict(a) for a in conn.execute("SELECT role, name, size, sha256 FROM artifacts WHERE item_id = ?",
                                                  (row_item[0],))]
            arts = items[rec.subject]
            if arts is None:
                add("the stamped item is missing from the case")
                continue
            current = item_digest_from_listing(rec.subject, arts)
            if current != digest:
                stamped = (ev.details.get("artifacts") if ev else None) or []
                now = item_listing(arts)
                changed = [e for e in now if e not in stamped] + [e for e in stamped if e not in now]
                names = sorted({str(e.get("name")) for e in changed}) or ["(unknown)"]
                for name in names:
                    add("the artifact differs from the one stamped, so the token no longer covers it",
                        artifact=name)
                continue
        else:
            ev_row = conn.execute("SELECT hash FROM ledger WHERE seq = ?", (int(rec.subject),)).fetchone() \
                if rec.subject.isdigit() else None
            if ev_row is None:
                add(f"the stamped ledger event #{rec.subject} is missing", seq=int(rec.subject)
                    if rec.subject.isdigit() else None)
                continue
            if ev_row[0] != rec.digest:
                add(f"the stamped ledger event #{rec.subject} has changed since it was stamped",
                    seq=int(rec.subject))
                continue
        check = verify_token(rec.token, digest, rec.tsa_certs, digest_alg=rec.digest_alg)
        if not check.ok:
            add(f"the token is not valid: {check.message}")
        elif check.gen_time != rec.gen_time:
            add("the token's time differs from the one recorded")
    for seq, tev in events.items():
        for t in tev.details.get("tokens") or []:
            if (seq, t.get("token_sha256")) not in seen_tokens:
                problems.append(Problem("timestamp", f"the token from {t.get('tsa_url')} recorded in this event "
                                                     "is missing from the case (removed)", seq=seq,
                                        exhibit=tev.item or None))
    return problems


def token_json(record: TimestampRecord) -> dict[str, Any]:
    """A record with its token (base64) and certificates, for export."""
    import base64

    return {**record.to_json(), "token_base64": base64.b64encode(record.token).decode("ascii"),
            "tsa_certs_pem": record.tsa_certs}


__all__ = [
    "TIMESTAMP_FAILED", "StampResult", "TimestampError", "TimestampRecord", "TokenCheck", "TsaFailure",
    "build_request", "item_digest", "item_digest_from_listing", "item_listing", "parse_response",
    "request_timestamp", "stamp_capture", "stamp_item", "stamp_ledger_head", "timestamps", "verify_case_timestamps",
    "verify_token",
]
