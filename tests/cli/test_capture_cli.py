"""`evidence-kit capture URL`: exhibit number or JSON on stdout, progress on stderr, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import PySide6.QtWebEngineWidgets  # noqa: F401 - before any QApplication exists
import pytest

from evidence_kit.core.case import Case
from tests.conftest import CASE_NUMBER, OFFICER, OFFICER_PW
from tests.webcapture_servers import closed_port, site  # noqa: F401

Cli = Callable[..., tuple[int, str, str]]


def test_capture_no_render_json(cli: Cli, case: Case, site) -> None:  # noqa: F811
    code, out, err = cli("--case", str(case.path), "capture", site.url("/page.html"), "--no-render", "--json",
                         "--note", "posted 3 Nov", "--tag", "deepfake", "--tag", "channel")
    assert code == 0, err
    data = json.loads(out)
    assert data["exhibit"] == f"{CASE_NUMBER}-E0001" and data["kind"] == "web"
    assert data["notes"] == "posted 3 Nov" and data["tags"] == ["channel", "deepfake"]
    roles = {a["role"] for a in data["artifacts"]}
    assert {"original", "warc", "headers", "media"} <= roles and "screenshot" not in roles
    assert "Fetching" in err  # progress goes to stderr, never stdout


@pytest.mark.webengine
def test_capture_rendered_prints_exhibit(cli: Cli, case: Case, site, qapp) -> None:  # noqa: F811
    code, out, err = cli("--case", str(case.path), "capture", site.url("/page.html"), "--no-media")
    assert code == 0, err
    assert out.strip() == f"{CASE_NUMBER}-E0001"
    code, out, _ = cli("--case", str(case.path), "show", "E0001", "--json")
    roles = {a["role"] for a in json.loads(out)["artifacts"]}
    assert {"screenshot", "screenshot_banner", "pdf", "mhtml", "dom", "warc"} <= roles


@pytest.mark.parametrize(("url", "code", "words"), [
    ("javascript:alert(1)", 2, "http"),
    ("file:///etc/passwd", 2, "http"),
    ("not a url", 2, "spaces"),
    ("http://no-such-host.invalid/", 7, "DNS"),
])
def test_capture_errors(cli: Cli, case: Case, url: str, code: int, words: str) -> None:
    got, out, err = cli("--case", str(case.path), "capture", url, "--no-render")
    assert got == code and out == "" and words in err
    assert "Traceback" not in err


def test_connection_refused_exit_code(cli: Cli, case: Case) -> None:
    got, _, err = cli("--case", str(case.path), "capture", f"http://127.0.0.1:{closed_port()}/", "--no-render")
    assert got == 7 and "refused" in err


def test_insecure_flag(cli: Cli, case: Case, site) -> None:  # noqa: F811
    got, out, err = cli("--case", str(case.path), "capture", site.https("/page.html"), "--no-render")
    assert got == 8 and "certificate" in err.lower() and out == ""
    got, out, err = cli("--case", str(case.path), "capture", site.https("/page.html"), "--no-render", "--insecure",
                        "--no-media", "--json")
    assert got == 0, err
    data = json.loads(out)
    assert "tls_invalid" in data["metadata"]["flags"] and "marked" in err
    got, out, err = cli("--case", str(case.path), "capture", site.https("/page.html"), "--no-render", "--no-media",
                        "--ca-bundle", str(site.ca_pem))
    assert got == 0, err
    assert out.strip().endswith("E0002")


def test_auditor_may_not_capture(cli: Cli, case: Case, site, tmp_path: Path) -> None:  # noqa: F811
    case.add_user("audit", "auditor-pass-1", "auditor")
    got, out, err = cli("--case", str(case.path), "capture", site.url("/page.html"), "--no-render",
                        user="audit", password="auditor-pass-1")
    assert got == 4 and out == "" and "auditor" in err.lower()
    assert OFFICER and OFFICER_PW
