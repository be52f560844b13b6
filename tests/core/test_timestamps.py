"""RFC 3161: requests to a TSA on 127.0.0.1, token checks in Python and with `openssl ts -verify`,
every refusal, storage in the case, the ledger events, and case verification."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.errors import PermissionDeniedError
from evidence_kit.core.settings import Settings
from evidence_kit.core.timestamps import (
    TIMESTAMP_FAILED,
    TimestampError,
    build_request,
    item_digest,
    item_digest_from_listing,
    new_nonce,
    parse_response,
    request_timestamp,
    stamp_item,
    stamp_ledger_head,
    timestamps,
    verify_token,
)
from tests.tsa_testing import TsaServer, build_response, make_authority, make_tsa_cert

DIGEST = hashlib.sha256(b"evidence").digest()
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


def _openssl_verify(token: bytes, digest: bytes, folder: Path, ca: bytes,
                    tsa_pem: bytes) -> subprocess.CompletedProcess:
    (folder / "token.tsr").write_bytes(token)
    (folder / "ca.pem").write_bytes(ca)
    (folder / "tsa.pem").write_bytes(tsa_pem)
    return subprocess.run(["openssl", "ts", "-verify", "-digest", digest.hex(), "-token_in", "-in",
                           str(folder / "token.tsr"), "-CAfile", str(folder / "ca.pem"), "-untrusted",
                           str(folder / "tsa.pem")], capture_output=True, text=True, check=False)


def _ingest(case: Case, tmp_path: Path, name: str = "photo.jpg", data: bytes = b"\xff\xd8 fake jpeg") -> str:
    src = tmp_path / name
    src.write_bytes(data)
    return case.ingest([src]).items[0].exhibit


# -- the protocol ---------------------------------------------------------------------------
def test_request_is_a_valid_timestamp_query() -> None:
    from asn1crypto import tsp

    nonce = new_nonce()
    req = tsp.TimeStampReq.load(build_request(DIGEST, nonce))
    assert req["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert req["message_imprint"]["hashed_message"].native == DIGEST
    assert req["nonce"].native == nonce
    assert req["cert_req"].native is True
    assert new_nonce() != nonce


def test_token_from_tsa_verifies_in_python_and_openssl(tsa: TsaServer, tmp_path: Path) -> None:
    resp = request_timestamp(tsa.url("/tsa"), DIGEST)
    assert resp.check.ok and resp.check.gen_time.endswith("Z")
    assert "Evidence Kit Test TSA" in resp.check.tsa_name
    path, _body = tsa.requests[-1]
    assert path == "/tsa"
    check = verify_token(resp.token, DIGEST, resp.certs_pem, trust_roots=tsa.ca_pem)
    assert check.ok and check.trusted is True, check.message
    assert len(check.chain) == 2
    if shutil.which("openssl"):
        out = _openssl_verify(resp.token, DIGEST, tmp_path, tsa.ca_pem, tsa.tsa_pem)
        assert out.returncode == 0 and "Verification: OK" in out.stdout, out.stderr
        # and OpenSSL refuses it for other data
        other = hashlib.sha256(b"other").digest()
        out = _openssl_verify(resp.token, other, tmp_path, tsa.ca_pem, tsa.tsa_pem)
        assert out.returncode != 0


@needs_openssl
def test_ecdsa_authority_token_verifies_in_both(tmp_path: Path) -> None:
    auth = make_authority(ec_key=True)
    nonce = new_nonce()
    resp = parse_response(build_response(auth, build_request(DIGEST, nonce)), DIGEST, nonce)
    assert verify_token(resp.token, DIGEST, trust_roots=auth.ca_pem).ok
    out = _openssl_verify(resp.token, DIGEST, tmp_path, auth.ca_pem, auth.tsa_pem)
    assert out.returncode == 0, out.stderr


def test_rsa_pss_token_verifies() -> None:
    """RSASSA-PSS signed tokens (RFC 4056). OpenSSL 3.0's `ts -verify` goes through PKCS#7 code
    that only knows PKCS#1 v1.5, so these are checked here only."""
    from tests.tsa_testing import shared_authority

    auth = shared_authority()
    nonce = new_nonce()
    resp = parse_response(build_response(auth, build_request(DIGEST, nonce), pss=True), DIGEST, nonce,
                          trust_roots=auth.ca_pem)
    assert resp.check.ok and resp.check.trusted is True
    with pytest.raises(TimestampError, match="signature is not valid"):
        parse_response(build_response(auth, build_request(DIGEST, nonce), pss=True, fault="bad-signature"),
                       DIGEST, nonce)


@pytest.mark.parametrize(("path", "expected"), [
    ("/bad-nonce", "nonce is not the one sent"),
    ("/bad-imprint", "does not stamp this data"),
    ("/bad-signature", "signature is not valid"),
    ("/no-ess", "does not name its signing certificate"),
    ("/noncritical", "not marked critical"),
    ("/rejection", "refused the request (rejection: policy not accepted"),
    ("/http-error", "answered HTTP 500"),
    ("/not-tsa", "answered with text/html, not a timestamp response"),
    ("/garbage", "not an RFC 3161 timestamp response"),
    ("/huge", "that is not a timestamp response"),
    ("/redirect", "redirects to http://127.0.0.1"),
])
def test_faulty_authorities_are_refused_with_a_clear_message(tsa: TsaServer, path: str, expected: str) -> None:
    with pytest.raises(TimestampError) as err:
        request_timestamp(tsa.url(path), DIGEST)
    assert expected in err.value.message
    assert " / " in err.value.message  # English / Korean


def test_unreachable_and_silent_authorities(tsa: TsaServer) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(TimestampError, match="could not be reached"):
        request_timestamp(f"http://127.0.0.1:{port}/tsa", DIGEST, timeout=2)
    with pytest.raises(TimestampError, match="did not answer within"):
        request_timestamp(tsa.url("/hang"), DIGEST, timeout=0.3)


def test_verify_token_refuses_tampering_and_wrong_roots(tsa: TsaServer) -> None:
    resp = request_timestamp(tsa.url("/tsa"), DIGEST)
    token = bytearray(resp.token)
    # Flip a byte inside the signed TSTInfo (the serial number area): content no longer matches.
    tst_pos = bytes(token).find(hashlib.sha256(b"evidence").digest())
    token[tst_pos] ^= 0xFF
    bad = verify_token(bytes(token), DIGEST)
    assert not bad.ok
    assert not verify_token(resp.token, hashlib.sha256(b"x").digest()).ok
    assert not verify_token(resp.token, DIGEST, digest_alg="sha512").ok
    other_root = make_authority().ca_pem
    untrusted = verify_token(resp.token, DIGEST, trust_roots=other_root)
    assert not untrusted.ok and untrusted.trusted is False
    assert "trusted root" in untrusted.message
    for junk in (b"", b"\x30\x00", b"\x00" * 50, resp.token[:100], b"not der at all"):
        result = verify_token(junk, DIGEST)
        assert not result.ok and result.message


def test_expired_tsa_certificate_is_refused() -> None:
    auth = make_authority()
    key, cert = make_tsa_cert(auth.ca_key, auth.ca_cert, valid_days=(-30, -10))
    auth.key, auth.cert = key, cert
    nonce = new_nonce()
    with pytest.raises(TimestampError, match="not valid at genTime"):
        parse_response(build_response(auth, build_request(DIGEST, nonce)), DIGEST, nonce)


# -- item digest ----------------------------------------------------------------------------
def test_item_digest_construction_is_documented_and_order_independent(case: Case, tmp_path: Path) -> None:
    exhibit = _ingest(case, tmp_path)
    item = case.item(exhibit)
    art = item.artifacts[0]
    listing = [{"role": art.role, "name": art.name, "size": art.size, "sha256": art.sha256}]
    doc = {"v": 1, "exhibit": exhibit, "artifacts": listing}
    expected = hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode("utf-8")).digest()
    assert item_digest(item) == expected
    assert item_digest_from_listing(exhibit, listing) == expected
    two = [{"role": "a", "name": "x", "size": 1, "sha256": "11"}, {"role": "b", "name": "y", "size": 2, "sha256": "00"}]
    assert item_digest_from_listing("E1", two) == item_digest_from_listing("E1", list(reversed(two)))
    assert item_digest_from_listing("E1", two) != item_digest_from_listing("E2", two)


# -- stamping a case ------------------------------------------------------------------------
def test_stamp_item_and_ledger_head_store_tokens_and_events(case: Case, tsa: TsaServer, tmp_path: Path) -> None:
    exhibit = _ingest(case, tmp_path)
    item = case.item(exhibit)
    result = stamp_item(case, item, tsa_urls=[tsa.url("/tsa")])
    assert result.ok and len(result) == 1
    rec = result[0]
    assert rec.subject == exhibit and rec.digest == item_digest(item).hex()
    ev = case.events(action=ledger.TIMESTAMPED)[-1]
    assert ev.item == exhibit and ev.seq == rec.event_seq
    assert ev.details["tokens"][0]["token_sha256"] == hashlib.sha256(rec.token).hexdigest()
    assert ev.details["tokens"][0]["gen_time"] == rec.gen_time
    assert ev.details["artifacts"][0]["sha256"] == item.artifacts[0].sha256

    seq, head = case.ledger_head()
    head_result = stamp_ledger_head(case, tsa_urls=[tsa.url("/tsa")])
    assert head_result.ok
    assert head_result[0].subject == str(seq) and head_result[0].digest == head
    stored = timestamps(case)
    assert [r.subject_kind for r in stored] == ["item", "ledger"]
    assert "BEGIN CERTIFICATE" in stored[0].tsa_certs
    # The stored token (and certificates) verify with OpenSSL, as an auditor would do from a bundle.
    if shutil.which("openssl"):
        out = _openssl_verify(stored[1].token, bytes.fromhex(head), tmp_path, tsa.ca_pem,
                              stored[1].tsa_certs.encode())
        assert out.returncode == 0, out.stderr
    report = case.verify(record=False)
    assert report.ok, [str(p) for p in report.problems]


def test_no_authority_configured_sends_nothing(case: Case, tmp_path: Path) -> None:
    assert Settings.load().tsa_urls == []
    exhibit = _ingest(case, tmp_path)
    before = case.ledger_head()
    assert stamp_item(case, exhibit) == [] and stamp_ledger_head(case) == []
    assert case.ledger_head() == before


def test_settings_authorities_are_used_by_default(case: Case, tsa: TsaServer, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Settings, "load", classmethod(lambda cls: cls(tsa_urls=[tsa.url("/tsa")])))
    exhibit = _ingest(case, tmp_path)
    assert len(stamp_item(case, exhibit)) == 1


def test_failed_authority_is_recorded_and_never_raises(case: Case, tsa: TsaServer, tmp_path: Path) -> None:
    exhibit = _ingest(case, tmp_path)
    result = stamp_item(case, exhibit, tsa_urls=[tsa.url("/http-error"), tsa.url("/bad-nonce")])
    assert list(result) == [] and len(result.failures) == 2
    ev = case.events(action=TIMESTAMP_FAILED)[-1]
    assert ev.item == exhibit
    assert [f["tsa_url"] for f in ev.details["failures"]] == [tsa.url("/http-error"), tsa.url("/bad-nonce")]
    assert "HTTP 500" in ev.details["failures"][0]["error"]
    assert timestamps(case) == []
    # A partial failure keeps the good token and names the bad authority in the same event.
    mixed = stamp_item(case, exhibit, tsa_urls=[tsa.url("/tsa"), tsa.url("/not-tsa")])
    assert len(mixed) == 1 and len(mixed.failures) == 1 and not mixed.ok
    ev = case.events(action=ledger.TIMESTAMPED)[-1]
    assert len(ev.details["tokens"]) == 1 and ev.details["failures"][0]["tsa_url"] == tsa.url("/not-tsa")
    assert case.verify(record=False).ok


def test_auditor_may_not_stamp(case: Case, tsa: TsaServer, case_dir: Path, tmp_path: Path) -> None:
    exhibit = _ingest(case, tmp_path)
    case.add_user("audit", "auditor-pass-1", "auditor")
    with Case.open(case_dir, user="audit", password="auditor-pass-1") as auditor, \
            pytest.raises(PermissionDeniedError):
        stamp_item(auditor, exhibit, tsa_urls=[tsa.url("/tsa")])
    assert tsa.requests == []  # refused before anything was sent


# -- verification of a case against tampering -----------------------------------------------
def _raw(case: Case, sql: str, *args: object) -> None:
    """Tamper as an attacker with the database key would: triggers dropped first."""
    conn = case.conn
    for trig in ("timestamps_no_update", "timestamps_no_delete", "artifacts_no_update"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trig}")
    conn.execute(sql, args)


def test_changed_artifact_breaks_its_token_and_is_named(case: Case, tsa: TsaServer, tmp_path: Path) -> None:
    exhibit = _ingest(case, tmp_path, "chat.png")
    assert stamp_item(case, exhibit, tsa_urls=[tsa.url("/tsa")]).ok
    _raw(case, "UPDATE artifacts SET sha256 = ? WHERE name = 'chat.png'", "ab" * 32)
    report = case.verify(record=False, check_objects=False)
    stamp_problems = [p for p in report.problems if p.kind == "timestamp"]
    assert stamp_problems and stamp_problems[0].exhibit == exhibit and stamp_problems[0].artifact == "chat.png"
    assert "token no longer covers it" in stamp_problems[0].message


def test_replaced_or_removed_tokens_are_found(case: Case, tsa: TsaServer, tmp_path: Path) -> None:
    exhibit = _ingest(case, tmp_path)
    first = stamp_item(case, exhibit, tsa_urls=[tsa.url("/tsa")])[0]
    second = stamp_ledger_head(case, tsa_urls=[tsa.url("/tsa")])[0]
    # A token swapped for another valid one (of a different subject) is not the one recorded.
    _raw(case, "UPDATE timestamps SET token = ? WHERE id = ?", second.token, first.id)
    texts = [str(p) for p in case.verify(record=False, check_objects=False).problems]
    assert any("differs from the one recorded" in t for t in texts)
    _raw(case, "DELETE FROM timestamps WHERE id = ?", second.id)
    texts = [str(p) for p in case.verify(record=False, check_objects=False).problems]
    assert any("missing from the case (removed)" in t for t in texts)


def test_corrupt_token_bytes_are_reported(case: Case, tsa: TsaServer, tmp_path: Path) -> None:
    exhibit = _ingest(case, tmp_path)
    rec = stamp_item(case, exhibit, tsa_urls=[tsa.url("/tsa")])[0]
    bad = bytearray(rec.token)
    bad[-5] ^= 0x55  # inside the signature
    _raw(case, "UPDATE timestamps SET token = ?, token_sha256 = ? WHERE id = ?", bytes(bad),
         hashlib.sha256(bytes(bad)).hexdigest(), rec.id)
    texts = [str(p) for p in case.verify(record=False, check_objects=False).problems]
    assert any("no custody event records this token" in t for t in texts)
    assert any("the token is not valid" in t for t in texts)


def test_stamped_ledger_event_rewritten_is_reported(case: Case, tsa: TsaServer) -> None:
    rec = stamp_ledger_head(case, tsa_urls=[tsa.url("/tsa")])[0]
    _raw(case, "UPDATE timestamps SET subject = '1', digest = ? WHERE id = ?", "00" * 32, rec.id)
    texts = [str(p) for p in case.verify(record=False, check_objects=False).problems]
    assert any("has changed since it was stamped" in t for t in texts)


def test_authorities_are_asked_in_parallel_and_kept_in_order(case: Case, tsa: TsaServer, tmp_path: Path) -> None:
    exhibit = _ingest(case, tmp_path)
    seen: list[tuple[int, int, str]] = []
    result = stamp_item(case, exhibit, lambda d, t, m: seen.append((d, t, m)),
                        tsa_urls=[tsa.url("/hang"), tsa.url("/tsa"), tsa.url("/tsa?second")], timeout=1)
    assert [r.tsa_url for r in result] == [tsa.url("/tsa"), tsa.url("/tsa?second")]
    assert [f.tsa_url for f in result.failures] == [tsa.url("/hang")]
    assert seen[-1][:2] == (3, 3)
    ev = case.events(action=ledger.TIMESTAMPED)[-1]
    assert [t["tsa_url"] for t in ev.details["tokens"]] == [tsa.url("/tsa"), tsa.url("/tsa?second")]


def test_stamp_capture_stamps_item_then_head(case: Case, tsa: TsaServer, tmp_path: Path) -> None:
    from evidence_kit.core.timestamps import stamp_capture

    exhibit = _ingest(case, tmp_path)
    item_result, head_result = stamp_capture(case, exhibit, tsa_urls=[tsa.url("/tsa")])
    assert item_result.ok and head_result.ok
    # The head stamped is the item's own timestamped event: the whole chain up to it is covered.
    assert head_result[0].subject == str(item_result.event_seq)
    assert case.verify(record=False).ok


_TOKEN_CACHE: dict[str, bytes] = {}


def _valid_token() -> bytes:
    if "t" not in _TOKEN_CACHE:
        from tests.tsa_testing import shared_authority

        nonce = new_nonce()
        auth = shared_authority()
        _TOKEN_CACHE["t"] = parse_response(build_response(auth, build_request(DIGEST, nonce)), DIGEST, nonce).token
    return _TOKEN_CACHE["t"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.integers(min_value=0), st.integers(min_value=1, max_value=255))
@settings(max_examples=250, deadline=None)
def test_any_single_byte_change_is_refused_or_harmless_never_a_crash(position: int, flip: int) -> None:
    token = bytearray(_valid_token())
    pos = position % len(token)
    token[pos] ^= flip
    check = verify_token(bytes(token), DIGEST)
    assert isinstance(check.ok, bool) and check.message
    # The TSTInfo (time, imprint, serial, nonce), the signed attributes and the signature are
    # covered: a change in any of them is refused.
    if check.ok:
        assert not any(start <= pos < end for start, end in _covered_ranges()), f"byte {pos} change accepted"


def _covered_ranges() -> list[tuple[int, int]]:
    from asn1crypto import cms

    token = _valid_token()
    sd = cms.ContentInfo.load(token)["content"]
    tst = sd["encap_content_info"]["content"].contents
    si = sd["signer_infos"][0]
    attrs = si["signed_attrs"].dump()
    sig = si["signature"].contents
    return [(token.find(part), token.find(part) + len(part)) for part in (tst, attrs, sig)]


@given(st.binary(max_size=2000))
@settings(max_examples=200, deadline=None)
def test_random_bytes_are_refused_not_crashed(data: bytes) -> None:
    assert not verify_token(data, DIGEST).ok
    with pytest.raises(TimestampError):
        parse_response(data, DIGEST, 1)


# -- interoperability: tokens made by OpenSSL's own TSA (`openssl ts -reply`) ------------------
@needs_openssl
@pytest.mark.parametrize(("ess_alg", "with_chain"), [("sha1", False), ("sha256", True)])
def test_tokens_made_by_openssl_tsa_verify(tmp_path: Path, ess_alg: str, with_chain: bool) -> None:
    from cryptography.hazmat.primitives import serialization

    from tests.tsa_testing import shared_authority

    auth = shared_authority()
    key = auth.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    (tmp_path / "tsa.key").write_bytes(key)
    (tmp_path / "tsa.pem").write_bytes(auth.tsa_pem)
    (tmp_path / "ca.pem").write_bytes(auth.ca_pem)
    (tmp_path / "serial").write_text("01\n")
    (tmp_path / "tsa.cnf").write_text(f"""
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {tmp_path}/serial
signer_cert = {tmp_path}/tsa.pem
signer_key = {tmp_path}/tsa.key
signer_digest = sha256
certs = {tmp_path}/ca.pem
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = {"yes" if with_chain else "no"}
ess_cert_id_alg = {ess_alg}
""")
    nonce = new_nonce()
    (tmp_path / "req.tsq").write_bytes(build_request(DIGEST, nonce))
    subprocess.run(["openssl", "ts", "-reply", "-config", str(tmp_path / "tsa.cnf"), "-queryfile",
                    str(tmp_path / "req.tsq"), "-out", str(tmp_path / "resp.tsr")], check=True, capture_output=True)
    resp = parse_response((tmp_path / "resp.tsr").read_bytes(), DIGEST, nonce, trust_roots=auth.ca_pem)
    assert resp.check.ok and resp.check.trusted is True and resp.check.policy == "1.2.3.4.1"
    assert "BEGIN CERTIFICATE" in resp.certs_pem
    assert not verify_token(resp.token, hashlib.sha256(b"other").digest()).ok
    with pytest.raises(TimestampError, match="nonce"):
        parse_response((tmp_path / "resp.tsr").read_bytes(), DIGEST, nonce + 1)


def test_a_tsa_certificate_issued_by_a_non_ca_is_refused() -> None:
    """A leaf certificate from a trusted root must not be able to mint its own "TSA"."""
    from tests.tsa_testing import Authority, shared_authority

    root = shared_authority()
    # An ordinary end-entity certificate (no CA flag) issued by the trusted root...
    leaf_key, leaf_cert = make_tsa_cert(root.ca_key, root.ca_cert, cn="Not a CA")
    # ...used to sign a timestamping certificate.
    fake_key, fake_cert = make_tsa_cert(leaf_key, leaf_cert, cn="Forged TSA")  # type: ignore[arg-type]
    forged = Authority(root.ca_key, root.ca_cert, fake_key, fake_cert)
    nonce = new_nonce()
    from cryptography.hazmat.primitives import serialization

    resp = build_response(forged, build_request(DIGEST, nonce), extra_certs=(leaf_cert,))
    leaf_pem = leaf_cert.public_bytes(serialization.Encoding.PEM)
    with pytest.raises(TimestampError, match="is not a certificate authority"):
        parse_response(resp, DIGEST, nonce, trust_roots=root.ca_pem)
    # Without trust roots the chain is still checked as far as the certificates go.
    token = request_token_from(build_response(forged, build_request(DIGEST, nonce)))  # leaf not in the token
    check = verify_token(token, DIGEST, leaf_pem)
    assert not check.ok and "not a certificate authority" in check.message


def request_token_from(resp: bytes) -> bytes:
    from asn1crypto import tsp

    return bytes(tsp.TimeStampResp.load(resp)["time_stamp_token"].dump())


def test_a_failure_while_storing_leaves_no_token_and_no_event(case: Case, tsa: TsaServer, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    exhibit = _ingest(case, tmp_path)
    before = case.ledger_head()
    real = case.conn

    class FailingInsert:
        """The connection, except that storing a token fails (disk full, crash…)."""

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def execute(self, sql: str, *args: object) -> object:
            if sql.startswith("INSERT INTO timestamps"):
                raise OSError(28, "No space left on device")
            return real.execute(sql, *args)

    monkeypatch.setattr(case, "_conn", FailingInsert())
    with pytest.raises(OSError):
        stamp_item(case, exhibit, tsa_urls=[tsa.url("/tsa")])
    monkeypatch.setattr(case, "_conn", real)
    assert case.ledger_head() == before  # the `timestamped` event was rolled back with the token
    assert timestamps(case) == []
    assert case.verify(record=False).ok


def test_stamping_from_a_worker_thread_with_a_cloned_case(case: Case, tsa: TsaServer, tmp_path: Path) -> None:
    import threading

    exhibit = _ingest(case, tmp_path)
    results: list[object] = []

    def work() -> None:
        worker = case.clone()  # one connection per thread, as the GUI and capture workers do
        try:
            results.append(stamp_item(worker, exhibit, tsa_urls=[tsa.url("/tsa")]))
        except BaseException as exc:  # reported to the test thread
            results.append(exc)
        finally:
            worker.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    assert len(results) == 1 and not isinstance(results[0], BaseException), results
    assert len(timestamps(case)) == 1 and case.verify(record=False).ok
