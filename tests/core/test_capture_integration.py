"""A capture calls platform identification, the NTP clock and the timestamp authorities."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest

from evidence_kit.core.capture import CaptureOptions, capture_web
from evidence_kit.core.case import Case
from evidence_kit.core.timestamps import item_digest, timestamps, verify_token
from tests.tsa_testing import TsaServer, tsa  # noqa: F401
from tests.webcapture_servers import proxy  # noqa: F401

NTP_DELTA = 2208988800  # 1900 -> 1970


@pytest.fixture
def ntp_server() -> Iterator[str]:
    """An NTP server on 127.0.0.1 (UDP) whose clock runs 5 seconds ahead."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def ntp_time(t: float) -> tuple[int, int]:
        t += NTP_DELTA + 5.0
        return int(t), int((t % 1) * 2**32)

    def serve() -> None:
        while not stop.is_set():
            try:
                data, addr = sock.recvfrom(512)
            except (TimeoutError, OSError):
                continue
            if len(data) < 48:
                continue
            now = ntp_time(time.time())
            packet = struct.pack("!B B B b 11I", (0 << 6) | (3 << 3) | 4, 2, 4, -20, 0, 0, 0,
                                 now[0], now[1], *struct.unpack("!II", data[40:48]), now[0], now[1], now[0], now[1])
            sock.sendto(packet, addr)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        t.join(2)
        sock.close()


def opts(**kw: object) -> CaptureOptions:
    base = {"render": False, "timeout_s": 10, "ntp_server": "", "tsa_urls": []}
    base.update(kw)
    return CaptureOptions.from_settings(**base)  # type: ignore[arg-type]


def test_platform_identified_through_the_redirect_chain(case: Case, proxy) -> None:  # noqa: F811
    proxy_url, seen = proxy
    item = capture_web(case, "http://t.co/AbCdEf", opts(proxy=proxy_url)).item
    assert seen == ["http://t.co/AbCdEf", "http://t.me/evidence_channel/1234"]
    assert item.platform == "telegram"
    platform = item.metadata["platform"]
    assert platform["platform"] == "telegram" and platform["kind"] == "message"
    assert "1234" in platform["canonical_url"]
    assert case.events(item=item.exhibit)[0].details["platform"] == "telegram"


def test_unknown_site_has_no_platform(case: Case, proxy) -> None:  # noqa: F811
    item = capture_web(case, "http://shop.example/item/9", opts(proxy=proxy[0])).item
    assert item.platform == "" and item.metadata["platform"]["platform"] is None


def test_clock_offset_recorded_when_ntp_is_set(case: Case, proxy, ntp_server: str) -> None:  # noqa: F811
    item = capture_web(case, "http://shop.example/", opts(proxy=proxy[0], ntp_server=ntp_server)).item
    clock = item.acquisition["clock"]
    assert clock["ok"] == 1 and clock["server"] == ntp_server
    assert 4.0 < float(clock["offset_s"]) < 6.0
    assert case.events(item=item.exhibit)[0].details["clock_offset_s"] == clock["offset_s"]


def test_unreachable_ntp_is_a_warning_not_a_failure(case: Case, proxy) -> None:  # noqa: F811
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{s.getsockname()[1]}"
    outcome = capture_web(case, "http://shop.example/", opts(proxy=proxy[0], ntp_server=dead))
    assert outcome.item.acquisition["clock"]["ok"] == 0
    assert any("Clock offset not measured" in w for w in outcome.warnings)


def test_capture_is_timestamped(case: Case, proxy, tsa: TsaServer) -> None:  # noqa: F811
    outcome = capture_web(case, "http://shop.example/", opts(proxy=proxy[0], tsa_urls=[tsa.url("/tsa")]))
    item = outcome.item
    assert outcome.warnings == []
    stamps = timestamps(case)
    kinds = sorted(s.subject_kind for s in stamps)
    assert kinds == ["item", "ledger"]
    item_stamp = next(s for s in stamps if s.subject_kind == "item")
    assert item_stamp.subject == item.exhibit
    assert verify_token(item_stamp.token, item_digest(item), item_stamp.tsa_certs).ok
    assert case.verify(record=False).ok


def test_failing_tsa_keeps_the_capture(case: Case, proxy, tsa: TsaServer) -> None:  # noqa: F811
    outcome = capture_web(case, "http://shop.example/", opts(proxy=proxy[0], tsa_urls=[tsa.url("/http-error")]))
    assert outcome.item.exhibit and case.item_count() == 1
    assert any("failed" in w for w in outcome.warnings)
    assert timestamps(case) == []
