"""NTP clock offset against a tiny NTP server on 127.0.0.1 (UDP) that can lie, stay silent or
send garbage. measure_offset must never raise."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from evidence_kit.core import ledger
from evidence_kit.core.clock import measure_offset, split_server

NTP_DELTA = 2208988800  # 1900-01-01 to 1970-01-01


def _ntp_ts(t: float) -> bytes:
    secs = int(t) + NTP_DELTA
    frac = int((t - int(t)) * (1 << 32))
    return struct.pack("!II", secs, frac)


@dataclass
class NtpServer:
    port: int
    mode: str = "ok"          # ok | silent | unsync | garbage
    offset_s: float = 0.0     # how far the server's clock is ahead of ours

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest.fixture
def ntp() -> Iterator[NtpServer]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)
    server = NtpServer(sock.getsockname()[1])
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, addr = sock.recvfrom(512)
            except (TimeoutError, OSError):
                continue
            if server.mode == "silent" or len(data) < 48:
                continue
            if server.mode == "garbage":
                sock.sendto(b"\x1c\x02", addr)
                continue
            now = time.time() + server.offset_s
            stratum = 16 if server.mode == "unsync" else 2
            header = struct.pack("!BBbb", (0 << 6) | (4 << 3) | 4, stratum, 6, -20)
            packet = (header + b"\x00" * 8 + b"LOCL" + _ntp_ts(now) + data[40:48] + _ntp_ts(now) + _ntp_ts(now))
            sock.sendto(packet, addr)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(2)
        sock.close()


def test_offset_is_measured_and_canonical(ntp: NtpServer) -> None:
    ntp.offset_s = 2.5
    reading = measure_offset(ntp.address, timeout=2)
    assert reading.ok, reading.error
    assert reading.offset is not None and abs(reading.offset - Decimal("2.5")) < Decimal("0.2")
    assert reading.stratum == 2 and reading.server_time.endswith("Z") and reading.measured_at.endswith("Z")
    assert Decimal(reading.delay_s) >= 0
    data = reading.to_json()
    ledger.check_canonical(data)  # fit for the acquisition record and a ledger event
    assert data["ok"] == 1 and data["offset_s"] == reading.offset_s


def test_negative_offset(ntp: NtpServer) -> None:
    ntp.offset_s = -30.0
    reading = measure_offset(ntp.address, timeout=2)
    assert reading.ok and reading.offset is not None and reading.offset < Decimal("-29.5")


@pytest.mark.parametrize(("mode", "expected"), [
    ("silent", "did not answer within"),
    ("unsync", "not synchronised"),
    ("garbage", "did not answer"),
])
def test_bad_servers_give_a_clear_result_not_an_exception(ntp: NtpServer, mode: str, expected: str) -> None:
    ntp.mode = mode
    reading = measure_offset(ntp.address, timeout=0.3)
    assert not reading.ok and expected in reading.error and " / " in reading.error
    assert reading.offset is None
    data = reading.to_json()
    ledger.check_canonical(data)
    assert data == {"server": ntp.address, "measured_at": reading.measured_at, "ok": 0, "error": reading.error}


@pytest.mark.parametrize("server", ["", "   ", "host:notaport", "host:99999",
                                    "[::1", "a" * 300])
def test_malformed_or_unresolvable_servers(server: str) -> None:
    reading = measure_offset(server, timeout=0.3)
    assert not reading.ok and reading.error


def test_unresolvable_server_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: object, **kw: object) -> None:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # no real DNS lookups in tests
    reading = measure_offset("ntp.example.invalid", timeout=0.3)
    assert not reading.ok and "could not be resolved" in reading.error


def test_split_server() -> None:
    assert split_server("pool.ntp.org") == ("pool.ntp.org", 123)
    assert split_server("time.kriss.re.kr:1234") == ("time.kriss.re.kr", 1234)
    assert split_server("[::1]:5123") == ("::1", 5123)
    assert split_server("::1") == ("::1", 123)
    with pytest.raises(ValueError):
        split_server("host:0")
