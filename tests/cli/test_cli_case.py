"""The scripting contract of the CLI: commands, environment variables, --json, exit codes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, OFFICER, OFFICER_PW

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli_case(cli: Cli, tmp_path: Path) -> Path:
    path = tmp_path / "cli.ekcase"
    code, out, err = cli("case", "init", str(path), "--number", "2026-001", "--title", "Telegram room",
                         "--user", OFFICER, "--agency", "Seoul Police")
    assert code == 0, err
    assert "Created case 2026-001" in out
    return path


def test_full_round_trip(cli: Cli, cli_case: Path, tmp_path: Path) -> None:
    photo = FIXTURES / "exif" / "imagemeta__goexif__has-lens-info.jpg"
    code, out, err = cli("--case", str(cli_case), "ingest", str(photo), str(FIXTURES / "exif" / "pillow__exif.png"),
                         "--json", "--tag", "phone")
    assert code == 0, err
    data = json.loads(out)
    assert data["ok"] and len(data["items"]) == 2
    exhibit = data["items"][0]["exhibit"]
    assert data["items"][0]["artifacts"][0]["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()

    code, out, _ = cli("list", "--json", case=cli_case)
    assert code == 0 and [i["exhibit"] for i in json.loads(out)] == [exhibit, "2026-001-E0002"]

    code, out, _ = cli("show", "E0001", "--json", case=cli_case)
    shown = json.loads(out)
    assert shown["metadata"]["exif"]["gps"]["latitude"] == pytest.approx(59.3325472)
    assert [e["action"] for e in shown["events"]] == ["imported"]

    code, out, _ = cli("show", exhibit, case=cli_case)
    assert "SHA-256" in out and "59.3325472, 18.0649417" in out

    code, out, _ = cli("extract", exhibit, str(tmp_path / "out"), case=cli_case)
    assert code == 0 and Path(out.strip()).read_bytes() == photo.read_bytes()

    code, out, _ = cli("log", "--json", case=cli_case)
    actions = [e["action"] for e in json.loads(out)]
    assert actions == ["case_created", "imported", "imported", "extracted"]

    code, out, _ = cli("verify", "--json", case=cli_case)
    assert code == 0 and json.loads(out)["ok"] is True

    code, out, _ = cli("check", "--json", case=cli_case)
    assert code == 0 and json.loads(out)["orphans"] == 0


def test_users_and_role_errors(cli: Cli, cli_case: Path, tmp_path: Path) -> None:
    code, _, err = cli("user", "add", "choi", "--role", "auditor", case=cli_case,
                       env={"EVIDENCE_KIT_NEW_PASSWORD": "auditor-pass"})
    assert code == 0, err
    code, out, _ = cli("user", "list", "--json", case=cli_case)
    assert {u["name"]: u["role"] for u in json.loads(out)} == {OFFICER: "case_officer", "choi": "auditor"}
    f = tmp_path / "x.txt"
    f.write_text("x")
    code, _, err = cli("ingest", str(f), case=cli_case, user="choi", password="auditor-pass")
    assert code == 4 and "auditor may not capture" in err and err.count("\n") == 1


def test_errors_are_one_line_and_nonzero(cli: Cli, cli_case: Path, tmp_path: Path) -> None:
    code, _, err = cli("list", case=cli_case, password="wrong-password")
    assert code == 3 and "Wrong user name or password" in err and err.count("\n") == 1
    code, _, err = cli("list", case=tmp_path)
    assert code != 0 and "not an Evidence Kit case" in err
    code, _, err = cli("list")
    assert code != 0 and "No case given" in err
    code, _, err = cli("show", "E0042", case=cli_case)
    assert code != 0 and "No item" in err
    code, _, err = cli("ingest", str(tmp_path / "nope.jpg"), case=cli_case)
    assert code == 1 and "nope.jpg" in err
    code, _, err = cli("list", case=cli_case, user=None, password=None)
    assert code != 0 and "EVIDENCE_KIT_USER" in err


def test_verify_fails_with_exit_status_on_tampering(cli: Cli, cli_case: Path) -> None:
    cli("ingest", str(FIXTURES / "exif" / "pillow__exif.png"), case=cli_case)
    obj = next((cli_case / "objects").rglob("*"), None)
    objs = [p for p in (cli_case / "objects").rglob("*") if p.is_file()]
    assert obj is not None and len(objs) == 1
    raw = bytearray(objs[0].read_bytes())
    raw[100] ^= 1
    objs[0].write_bytes(bytes(raw))
    code, out, _ = cli("verify", case=cli_case)
    assert code == 1 and "FAILED" in out and "2026-001-E0001" in out and "pillow__exif.png" in out


def test_console_script_runs_as_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "EVIDENCE_KIT_USER": OFFICER, "EVIDENCE_KIT_PASSWORD": OFFICER_PW}
    path = tmp_path / "proc.ekcase"
    run = [sys.executable, "-m", "evidence_kit"]
    p = subprocess.run([*run, "case", "init", str(path), "--number", "N-1", "--title", "T"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([*run, "--version"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "evidence-kit" in p.stdout
    env["EVIDENCE_KIT_CASE"] = str(path)
    p = subprocess.run([*run, "verify", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and json.loads(p.stdout)["ok"]
