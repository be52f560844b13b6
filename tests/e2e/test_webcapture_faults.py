"""Hostile servers and crashes during a web capture: a clear error or a marked item, never a
half-made item, never plaintext left on disk."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidence_kit.core.capture import CaptureOptions, NetworkError, capture_web
from evidence_kit.core.case import Case
from tests.conftest import OFFICER, OFFICER_PW
from tests.e2e.kill_harness import run_and_kill
from tests.webcapture_servers import site  # noqa: F401


def opts(**kw: object) -> CaptureOptions:
    base = {"render": False, "timeout_s": 5, "ntp_server": "", "tsa_urls": []}
    base.update(kw)
    return CaptureOptions.from_settings(**base)  # type: ignore[arg-type]


@pytest.fixture
def raw_server() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP server answering each connection with the next canned byte string, then closing."""
    answers: list[bytes] = []
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(answers.pop(0) if answers else b"")
                except OSError:
                    pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}", answers
    finally:
        stop.set()
        t.join(2)
        srv.close()


@pytest.mark.parametrize("answer", [
    b"",                                            # closes without a word
    b"GARBAGE\r\n\r\n",                             # not HTTP
    b"HTTP/1.1 abc Weird\r\n\r\n",                  # a status that is not a number
])
def test_malformed_responses_are_clear_errors(case: Case, raw_server, answer: bytes) -> None:
    base, answers = raw_server
    answers.append(answer)
    with pytest.raises(NetworkError) as err:
        capture_web(case, base + "/", opts())
    assert err.value.message and "Traceback" not in err.value.message
    assert case.item_count() == 0


def test_disconnect_mid_body_is_kept_and_marked(case: Case, raw_server) -> None:
    base, answers = raw_server
    answers.append(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n"
                   b"<html><head><title>cut</title></head><body>only this much")
    item = capture_web(case, base + "/", opts()).item
    assert item.metadata["truncated"] == "disconnect" and "truncated" in item.metadata["flags"]
    assert item.title == "cut"
    assert case.verify(record=False).ok


def test_broken_length_is_read_to_the_end(case: Case, raw_server) -> None:
    base, answers = raw_server
    answers.append(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: x\r\n\r\nbody as sent")
    item = capture_web(case, base + "/", opts()).item
    original = next(a for a in item.artifacts if a.role == "original")
    assert case.read_artifact(original) == b"body as sent"


def test_header_flood_is_refused(case: Case, raw_server) -> None:
    base, answers = raw_server
    answers.append(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 200 + b"\r\n")
    with pytest.raises(NetworkError):
        capture_web(case, base + "/", opts())
    assert case.item_count() == 0


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [1, 4, 12])
def test_kill_mid_capture_leaves_no_item_and_no_plaintext(case: Case, case_dir: Path, site,  # noqa: F811
                                                           kill_after: int) -> None:
    case.close()
    outcome = run_and_kill(case_dir, OFFICER, OFFICER_PW, "capture", [site.url("/huge.bin")], kill_after)
    reopened = Case.open(case_dir, user=OFFICER, password=OFFICER_PW)
    try:
        if outcome.killed:
            assert reopened.item_count() == 0
        # whatever the crash left in tmp/ is ciphertext: the body is 12 MiB of "A"
        for leftover in reopened.objects.tmp_dir.iterdir():
            assert b"A" * 64 not in leftover.read_bytes(), leftover.name
        assert reopened.verify(record=False).ok
        report = reopened.check(clear=True)
        assert not report.missing
        assert not list(reopened.objects.tmp_dir.iterdir())
    finally:
        reopened.close()
