"""The workstation clock's offset from an NTP server, recorded with each capture so a court can
tell how far the times in the acquisition record may be off.

measure_offset never raises for network trouble: a capture must not be lost because the time
server did not answer. The reading says what went wrong instead (ok=False, error=…).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import ntplib

from .ledger import iso_utc
from .logs import get_logger

_log = get_logger("clock")

DEFAULT_TIMEOUT_S = 3.0
NTP_PORT = 123


@dataclass(frozen=True)
class ClockReading:
    """One measurement. Offsets and delays are decimal strings in seconds (e.g. "-0.012345"):
    ledger details may not hold floats, and a string keeps the value exactly as measured."""

    server: str
    measured_at: str              # UTC ISO 8601 (the local clock), when the answer arrived
    ok: bool
    offset_s: str = ""            # server time minus local time; positive: the local clock is behind
    delay_s: str = ""             # round trip
    stratum: int | None = None
    server_time: str = ""         # the server's transmit time, UTC ISO 8601
    samples: int = 0              # answers taken; the one with the shortest round trip is kept
    error: str = ""               # why there is no measurement, in English and Korean

    @property
    def offset(self) -> Decimal | None:
        return Decimal(self.offset_s) if self.ok else None

    def to_json(self) -> dict[str, Any]:
        """Canonical-JSON-safe (strings, ints and null only): fit for the acquisition record and
        a ledger event."""
        data: dict[str, Any] = {"server": self.server, "measured_at": self.measured_at, "ok": 1 if self.ok else 0}
        if self.ok:
            data.update({"offset_s": self.offset_s, "delay_s": self.delay_s, "stratum": self.stratum,
                         "server_time": self.server_time, "samples": self.samples})
        else:
            data["error"] = self.error
        return data


def split_server(server: str) -> tuple[str, int]:
    """"host", "host:port", "[v6]:port" or a bare IPv6 address."""
    text = server.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":")
        return host, int(port) if port.isdigit() else NTP_PORT
    if text.count(":") == 1:
        host, port = text.split(":")
        if port.isdigit() and 0 < int(port) < 65536:
            return host, int(port)
        raise ValueError(port)
    return text, NTP_PORT


def _seconds(value: float) -> str:
    return f"{Decimal(repr(value)).quantize(Decimal('0.000001'))}"


def measure_offset(server: str, timeout: float = DEFAULT_TIMEOUT_S, *, version: int = 3,
                   samples: int = 3) -> ClockReading:
    """Ask `server` (host, host:port) for the time and compute the offset (RFC 5905 on-wire
    calculation, done by ntplib). When the first answer is good, up to `samples` - 1 more are
    taken and the one with the shortest round trip is kept (the least disturbed by the network).
    Never raises for an unreachable, silent or lying server."""
    def failed(en: str, ko: str) -> ClockReading:
        _log.warning("clock offset not measured: %s", en)
        return ClockReading(server=server, measured_at=iso_utc(datetime.now(UTC)), ok=False,
                            error=f"{en} / {ko}")

    if not server or not server.strip():
        return failed("No NTP server is configured.", "NTP 서버가 설정되지 않았습니다.")
    try:
        host, port = split_server(server)
    except ValueError:
        return failed(f"{server!r} is not a valid NTP server address.", "NTP 서버 주소가 올바르지 않습니다.")
    client = ntplib.NTPClient()
    try:
        response = client.request(host, version=version, port=port, timeout=timeout)
    except ntplib.NTPException as exc:
        if "invalid" in str(exc).lower():
            return failed(f"The NTP server {server} sent an answer that is not NTP.",
                          "NTP 서버의 응답이 올바르지 않습니다.")
        return failed(f"The NTP server {server} did not answer within {timeout:g} s.",
                      "NTP 서버가 응답하지 않았습니다.")
    except socket.gaierror:
        return failed(f"The NTP server name {host!r} could not be resolved.", "NTP 서버 이름을 찾을 수 없습니다.")
    except (OSError, ValueError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        return failed(f"The NTP server {server} could not be reached ({reason}).", "NTP 서버에 연결할 수 없습니다.")
    measured = datetime.now(UTC)
    # A server that is not synchronised (stratum 0 = "kiss-o'-death", 16 = unsynchronised, leap
    # indicator 3 = alarm) or that sent a zero transmit time gives no usable time.
    if response.stratum == 0 or response.stratum >= 16 or response.leap == 3 or response.tx_timestamp <= 0:
        return failed(f"The NTP server {server} is not synchronised (stratum {response.stratum}).",
                      "NTP 서버가 동기화되어 있지 않습니다.")
    taken = 1
    for _ in range(max(0, samples - 1)):
        try:
            again = client.request(host, version=version, port=port, timeout=min(timeout, 1.0))
        except (ntplib.NTPException, OSError, ValueError, OverflowError):
            break  # the first answer stands
        if again.stratum == 0 or again.stratum >= 16 or again.leap == 3 or again.tx_timestamp <= 0:
            break
        taken += 1
        if again.delay < response.delay:
            response, measured = again, datetime.now(UTC)
    try:
        server_time = iso_utc(datetime.fromtimestamp(response.tx_time, UTC))
        return ClockReading(server=server, measured_at=iso_utc(measured), ok=True,
                            offset_s=_seconds(response.offset), delay_s=_seconds(response.delay),
                            stratum=int(response.stratum), server_time=server_time, samples=taken)
    except (OverflowError, OSError, ValueError):
        return failed(f"The NTP server {server} sent an impossible time.", "NTP 서버가 잘못된 시각을 보냈습니다.")
