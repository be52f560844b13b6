"""NTP clock offset against a tiny NTP server on 127.0.0.1 (UDP) that can lie, stay silent or
send garbage. measure_offset must never raise."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest

from evidence_kit.core import ledger
from evidence_kit.core.clock import measure_offset, split_server
from tests.ntp_testing import NtpServer


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
    assert reading.samples == 3 and ntp.queries == 3 and data["samples"] == 3


def test_first_answer_stands_when_later_samples_fail(ntp: NtpServer) -> None:
    ntp.mode, ntp.offset_s = "once", -4.0
    reading = measure_offset(ntp.address, timeout=0.5)
    assert reading.ok and reading.samples == 1 and reading.offset is not None and reading.offset < -3


def test_negative_offset(ntp: NtpServer) -> None:
    ntp.offset_s = -30.0
    reading = measure_offset(ntp.address, timeout=2)
    assert reading.ok and reading.offset is not None and reading.offset < Decimal("-29.5")


@pytest.mark.parametrize(("mode", "expected"), [
    ("silent", "did not answer within"),
    ("unsync", "not synchronised"),
    ("alarm", "not synchronised"),
    ("garbage", "not NTP"),
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
