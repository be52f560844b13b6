"""CLI: identify, config (tsa, ntp, show) and timestamp, with a TSA on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence_kit.core.case import Case
from evidence_kit.core.settings import Settings
from tests.conftest import FIXTURES, OFFICER, OFFICER_PW
from tests.ntp_testing import NtpServer
from tests.tsa_testing import TsaServer

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def own_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own workstation settings file."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("EVIDENCE_KIT_HOME", str(home))


@pytest.fixture
def cli_case(cli: Cli, tmp_path: Path) -> Path:
    path = tmp_path / "ts.ekcase"
    code, _, err = cli("case", "init", str(path), "--number", "2026-077", "--title", "Channel", "--user", OFFICER)
    assert code == 0, err
    code, _, err = cli("ingest", str(FIXTURES / "exif" / "pillow__exif.png"), case=path)
    assert code == 0, err
    return path


# -- identify -------------------------------------------------------------------------------
def test_identify_json_has_exactly_the_contract_keys(cli: Cli) -> None:
    code, out, _ = cli("identify", "https://mobile.twitter.com/someone/status/1519480761749016577/photo/1", "--json",
                       user=None, password=None)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"platform", "kind", "canonical_url", "ids", "handle"}
    assert data["platform"] == "x" and data["canonical_url"] == "https://x.com/i/status/1519480761749016577"
    assert data["handle"] == "someone" and data["ids"]["status_id"] == "1519480761749016577"


def test_identify_text_and_unknown_and_redirects(cli: Cli) -> None:
    code, out, _ = cli("identify", "https://t.me/s/durov/123")
    assert code == 0 and "telegram" in out and "https://t.me/durov/123" in out and "message_id" in out
    code, out, _ = cli("identify", "not a url at all", "--json")
    assert code == 0 and json.loads(out)["platform"] is None
    code, out, _ = cli("identify", "javascript:alert(1)")
    assert code == 0 and "unknown site" in out
    code, out, _ = cli("identify", "https://vm.tiktok.com/ZMabc/", "--redirect",
                       "https://www.tiktok.com/@someone/video/7106594312292453675?_r=1", "--json")
    data = json.loads(out)
    assert data["kind"] == "video" and data["handle"] == "someone"


def test_identify_needs_no_case_and_runs_as_a_program() -> None:
    exe = shutil.which("evidence-kit", path=str(Path(__file__).parents[2] / ".venv" / "bin"))
    if exe is None:
        pytest.skip("console script not installed")
    out = subprocess.run([exe, "identify", "https://youtu.be/dQw4w9WgXcQ?si=x", "--json"], capture_output=True,
                         text=True, check=True, timeout=120)
    assert json.loads(out.stdout)["ids"] == {"video_id": "dQw4w9WgXcQ"}


# -- config ---------------------------------------------------------------------------------
def test_config_tsa_and_ntp_round_trip(cli: Cli) -> None:
    code, out, _ = cli("config", "tsa", "list")
    assert code == 0 and "No timestamp authority" in out
    code, out, _ = cli("config", "tsa", "add", "http://tsa.example.test/tsr")
    assert code == 0 and "Added" in out
    code, out, _ = cli("config", "tsa", "add", "http://tsa.example.test/tsr")
    assert code == 0 and "Already" in out
    code, out, _ = cli("config", "tsa", "add", "https://second.example.test/")
    code, out, _ = cli("config", "tsa", "list", "--json")
    assert json.loads(out) == ["http://tsa.example.test/tsr", "https://second.example.test/"]
    code, out, _ = cli("config", "ntp", "time.example.test:1123")
    assert code == 0
    code, out, _ = cli("config", "show", "--json")
    data = json.loads(out)
    assert data["ntp_server"] == "time.example.test:1123" and len(data["tsa_urls"]) == 2
    code, out, _ = cli("config", "show")
    assert "time.example.test:1123" in out and "NTP" in out
    code, out, _ = cli("config", "tsa", "remove", "http://tsa.example.test/tsr")
    assert code == 0 and Settings.load().tsa_urls == ["https://second.example.test/"]
    code, out, _ = cli("config", "ntp", "--off")
    assert code == 0 and Settings.load().ntp_server == ""


@pytest.mark.parametrize("bad", ["ftp://tsa.example/", "javascript:alert(1)", "tsa.example", "http://", "http://h:99999/"])
def test_config_tsa_refuses_bad_urls(cli: Cli, bad: str) -> None:
    code, _, err = cli("config", "tsa", "add", bad)
    assert code == 2 and "not an http(s) URL" in err
    assert Settings.load().tsa_urls == []


def test_config_ntp_check_measures_now(cli: Cli, ntp: NtpServer) -> None:
    ntp.offset_s = 1.5
    code, out, err = cli("config", "ntp", ntp.address, "--check")
    assert code == 0, err
    assert "Offset" in out and "stratum 2" in out
    assert Settings.load().ntp_server == ntp.address
    ntp.mode = "silent"
    code, out, err = cli("config", "ntp", ntp.address, "--check")
    assert code == 1 and "did not answer" in err


def test_config_refusals(cli: Cli) -> None:
    code, _, err = cli("config", "tsa", "remove", "http://never.added/")
    assert code == 2 and "not a configured" in err
    code, _, err = cli("config", "ntp", "bad host/name")
    assert code == 2 and "not a host name" in err
    code, _, err = cli("config", "ntp", "host:0")
    assert code == 2


# -- timestamp ------------------------------------------------------------------------------
def test_timestamp_needs_an_authority(cli: Cli, cli_case: Path) -> None:
    code, _, err = cli("timestamp", "E0001", case=cli_case)
    assert code == 2 and "config tsa add" in err


def test_timestamp_items_and_ledger_then_verify(cli: Cli, cli_case: Path, tsa: TsaServer) -> None:
    assert cli("config", "tsa", "add", tsa.url("/tsa"))[0] == 0
    code, out, err = cli("timestamp", "E0001", "--json", case=cli_case)
    assert code == 0, err
    data = json.loads(out)
    assert [d["subject"] for d in data] == ["2026-077-E0001", "ledger #3"]
    assert all(len(d["tokens"]) == 1 and not d["failures"] for d in data)
    code, out, _ = cli("timestamp", case=cli_case)
    assert code == 0 and "ledger #" in out and "stamped by" in out
    code, out, _ = cli("log", "--action", "timestamped", "--json", case=cli_case)
    assert len(json.loads(out)) == 3
    code, out, err = cli("verify", case=cli_case)
    assert code == 0 and "VERIFIED" in out, out + err
    code, out, _ = cli("timestamp", "--list", "--json", case=cli_case)
    rows = json.loads(out)
    assert len(rows) == 3 and all(r["token_ok"] == 1 for r in rows)
    code, out, _ = cli("timestamp", "--list", "E0001", case=cli_case)
    assert code == 0 and "2026-077-E0001" in out and "ledger" not in out and " ok" in out


def test_timestamp_list_against_trusted_roots(cli: Cli, cli_case: Path, tsa: TsaServer, tmp_path: Path) -> None:
    from tests.tsa_testing import make_authority

    assert cli("config", "tsa", "add", tsa.url("/tsa"))[0] == 0
    assert cli("timestamp", "E0001", case=cli_case)[0] == 0
    ca, _ = tsa.write_pems(tmp_path)
    code, out, _ = cli("timestamp", "--list", "--json", "--ca", str(ca), case=cli_case)
    assert code == 0 and all(r["trusted"] is True for r in json.loads(out))
    other = tmp_path / "other-ca.pem"
    other.write_bytes(make_authority().ca_pem)
    code, out, _ = cli("timestamp", "--list", "--ca", str(other), case=cli_case)
    assert code == 1 and "does not chain to a trusted root" in out
    code, _, err = cli("timestamp", "--list", "--ca", str(tmp_path / "missing.pem"), case=cli_case)
    assert code == 2 and "Cannot read" in err


def test_timestamp_failure_exits_non_zero_and_is_logged(cli: Cli, cli_case: Path, tsa: TsaServer) -> None:
    assert cli("config", "tsa", "add", tsa.url("/http-error"))[0] == 0
    code, _, err = cli("timestamp", "E0001", case=cli_case)
    assert code == 1 and "HTTP 500" in err and "No timestamp was obtained" in err
    code, out, _ = cli("log", "--action", "timestamp_failed", "--json", case=cli_case)
    assert len(json.loads(out)) == 2  # the item and the ledger head


def test_timestamp_unknown_item_sends_nothing(cli: Cli, cli_case: Path, tsa: TsaServer) -> None:
    assert cli("config", "tsa", "add", tsa.url("/tsa"))[0] == 0
    code, _, err = cli("timestamp", "E0001", "E0099", case=cli_case)
    assert code != 0 and "E0099" in err
    assert tsa.requests == []


def test_timestamp_refused_to_an_auditor(cli: Cli, cli_case: Path, tsa: TsaServer) -> None:
    with Case.open(cli_case, user=OFFICER, password=OFFICER_PW) as c:
        c.add_user("audit", "auditor-pass-1", "auditor")
    assert cli("config", "tsa", "add", tsa.url("/tsa"))[0] == 0
    code, _, err = cli("timestamp", "E0001", case=cli_case, user="audit", password="auditor-pass-1")
    assert code == 4 and "may not capture" in err
    assert tsa.requests == []


def test_verify_names_the_artifact_whose_token_broke(cli: Cli, cli_case: Path, tsa: TsaServer) -> None:
    assert cli("config", "tsa", "add", tsa.url("/tsa"))[0] == 0
    assert cli("timestamp", "E0001", "--no-ledger", case=cli_case)[0] == 0
    with Case.open(cli_case, user=OFFICER, password=OFFICER_PW) as c:
        c.conn.execute("DROP TRIGGER artifacts_no_update")
        c.conn.execute("UPDATE artifacts SET size = size + 1")
    code, out, _ = cli("verify", "--json", case=cli_case)
    assert code == 1
    problems = [p for p in json.loads(out)["problems"] if p["kind"] == "timestamp"]
    assert problems and problems[0]["artifact"] == "pillow__exif.png" and problems[0]["exhibit"] == "2026-077-E0001"
