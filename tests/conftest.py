"""Shared fixtures. Tests never touch the real user profile and never reach the internet."""

from __future__ import annotations

import os
import tempfile

# Before anything imports Qt or evidence_kit: offscreen Qt, no Chromium sandbox (root in CI),
# fast key derivation for test cases, and a throwaway home for settings and logs.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")
os.environ["EVIDENCE_KIT_INSECURE_FAST_KDF"] = "1"
os.environ["EVIDENCE_KIT_HOME"] = tempfile.mkdtemp(prefix="ek-test-home-")
for _var in ("EVIDENCE_KIT_CASE", "EVIDENCE_KIT_USER", "EVIDENCE_KIT_PASSWORD", "EVIDENCE_KIT_NEW_PASSWORD"):
    os.environ.pop(_var, None)

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# CI runs are reproducible (derandomized); developers' runs explore new examples each time.
settings.register_profile("ci", derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

from evidence_kit.core.case import Case  # noqa: E402

# Shared fixtures from helper modules in tests/: `tsa` (an RFC 3161 authority on 127.0.0.1) and
# `ntp` (an NTP server on 127.0.0.1).
pytest_plugins = ["tests.tsa_testing", "tests.ntp_testing"]

FIXTURES = Path(__file__).parent / "fixtures"
OFFICER, OFFICER_PW = "kim", "officer-pass-1"
CASE_NUMBER = "2026-SEOUL-0042"


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    return tmp_path / "test.ekcase"


@pytest.fixture
def case(case_dir: Path) -> Iterator[Case]:
    c = Case.create(case_dir, number=CASE_NUMBER, title="Deepfake channel", user=OFFICER, password=OFFICER_PW,
                    full_name="Kim Officer", badge="12345", offence="Sexual Violence Punishment Act Art. 14-2",
                    agency="Seoul Metropolitan Police Agency")
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the CLI in-process: cli(*args, user=, password=, case=) -> (exit code, stdout, stderr)."""
    from evidence_kit.cli import main

    def run(*args: str, user: str | None = OFFICER, password: str | None = OFFICER_PW,
            case: Path | None = None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        capsys.readouterr()
        for k, v in {"EVIDENCE_KIT_USER": user, "EVIDENCE_KIT_PASSWORD": password,
                     "EVIDENCE_KIT_CASE": str(case) if case else None, **(env or {})}.items():
            if v is None:
                monkeypatch.delenv(k, raising=False)
            else:
                monkeypatch.setenv(k, v)
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
