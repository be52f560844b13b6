"""A tiny NTP server on 127.0.0.1 (UDP) for tests: the `ntp` fixture. It can run ahead of or
behind our clock (offset_s), stay silent, claim to be unsynchronised, or send garbage (mode)."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

NTP_DELTA = 2208988800  # 1900-01-01 to 1970-01-01


def _ntp_ts(t: float) -> bytes:
    secs = int(t) + NTP_DELTA
    frac = int((t - int(t)) * (1 << 32))
    return struct.pack("!II", secs, frac)


@dataclass
class NtpServer:
    port: int
    mode: str = "ok"          # ok | silent | unsync | alarm | garbage | once (answers the first query only)
    offset_s: float = 0.0     # how far the server's clock is ahead of ours
    queries: int = 0

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
            server.queries += 1
            if server.mode == "silent" or len(data) < 48 or (server.mode == "once" and server.queries > 1):
                continue
            if server.mode == "garbage":
                sock.sendto(b"\x1c\x02", addr)
                continue
            now = time.time() + server.offset_s
            stratum = 16 if server.mode == "unsync" else 2
            leap = 3 if server.mode == "alarm" else 0
            header = struct.pack("!BBbb", (leap << 6) | (4 << 3) | 4, stratum, 6, -20)
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
