"""`evidence-kit request …` end to end through the CLI entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from evidence_kit.core.case import Case
from evidence_kit.core.requests import RequestSpec, draft_request
from tests.core.requests_helpers import FIELDS, add_sample

Run = Callable[..., tuple[int, str, str]]


def _fields(**skip: bool) -> list[str]:
    out: list[str] = []
    for k, v in FIELDS.items():
        if not skip.get(k):
            out += ["--field", f"{k}={v}"]
    return out


def test_draft_list_show_update_due_stats(case: Case, case_dir: Path, cli: Run, tmp_path: Path) -> None:
    add_sample(case, "x")
    add_sample(case, "telegram", seed=1)
    # drafted 85 days ago (through core: the CLI always dates a draft today)
    draft_request(case, RequestSpec("x", "preservation", ["E0001"], fields=FIELDS),
                  on=date.today() - timedelta(days=85))
    case.close()
    out_dir = tmp_path / "out"
    summary = tmp_path / "summary.txt"
    summary.write_text("여러 줄의\n사건 개요", "utf-8")
    code, out, err = cli("request", "draft", "--platform", "x", "--type", "preservation", "E0001", "--lang", "en",
                         "--out", str(out_dir), *_fields(summary=True), "--field", f"summary=@{summary}", case=case_dir)
    assert code == 0, err
    assert "2026-SEOUL-0042-R002" in out and "https://legalrequests.x.com" in out
    assert sorted(p.suffix for p in out_dir.iterdir()) == [".docx", ".pdf", ".txt"]
    assert "여러 줄의" in (out_dir / "2026-SEOUL-0042-R002_x_preservation_en.txt").read_text("utf-8")

    code, out, err = cli("request", "draft", "--platform", "telegram", "--type", "removal", "E0002", "--json",
                         *_fields(), case=case_dir)
    assert code == 0, err
    data = json.loads(out)
    assert data["reference"].endswith("R003") and {o["format"] for o in data["outputs"]} == {"pdf", "docx", "txt",
                                                                                              "eml"}
    assert data["send_to"][0]["address"] == "abuse@telegram.org"

    code, out, _ = cli("request", "list", "--json", case=case_dir)
    assert [r["status"] for r in json.loads(out)] == ["drafted", "drafted", "drafted"]
    code, out, _ = cli("request", "list", case=case_dir)
    assert "R001" in out and "preservation" in out
    code, out, _ = cli("request", "list", "--item", "E0002", "--json", case=case_dir)
    assert [r["platform"] for r in json.loads(out)] == ["telegram"]
    code, out, err = cli("request", "list", "--platform", "myspace", case=case_dir)
    assert code == 2 and "Unknown platform" in err
    code, out, _ = cli("request", "list", "--platform", "twitter", "--status", "drafted", "--json", case=case_dir)
    assert [r["reference"][-4:] for r in json.loads(out)] == ["R001", "R002"]

    sent = (date.today() - timedelta(days=85)).isoformat()
    code, out, err = cli("request", "update", "R001", "--status", "sent", "--date", sent, "--channel", "portal",
                         "--reference", "X-LRS-1", case=case_dir)
    assert code == 0, err
    expires = (date.today() - timedelta(days=85) + timedelta(days=90)).isoformat()
    assert f"expires {expires}" in out

    code, out, _ = cli("request", "due", "--json", case=case_dir)
    entries = {e["request"]: e for e in json.loads(out)}
    assert entries["2026-SEOUL-0042-R001"]["kind"] == "extension_due"
    assert entries["2026-SEOUL-0042-R001"]["overdue"] is True
    assert entries["2026-SEOUL-0042-R003"]["kind"] == "not_sent"
    code, out, _ = cli("request", "due", case=case_dir)
    assert "overdue by" in out and "Send a preservation extension" in out

    # dates default to today in Korea; give it explicitly so the test does not depend on the hour
    code, out, _ = cli("request", "update", "R001", "--status", "answered", "--date", date.today().isoformat(),
                       "--json", case=case_dir)
    assert json.loads(out)["answered_date"] == date.today().isoformat()
    code, out, _ = cli("request", "show", "R001", case=case_dir)
    assert "X-LRS-1" in out and "answered" in out and "send to:" in out
    code, out, _ = cli("request", "show", "2026-SEOUL-0042-R001", "--json", case=case_dir)
    assert [h["status"] for h in json.loads(out)["history"]] == ["drafted", "sent", "answered"]

    csv_path = tmp_path / "stats.csv"
    code, out, _ = cli("request", "stats", "--csv", str(csv_path), case=case_dir)
    assert code == 0 and "x" in out and csv_path.is_file()
    lines = csv_path.read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("platform,type,drafted,sent") and "x,preservation,2,1,1,0,0,85" in lines
    code, out, _ = cli("request", "stats", "--json", case=case_dir)
    assert json.loads(out)[-1]["platform"] == "*"

    exported = tmp_path / "again"
    code, out, _ = cli("request", "export", "R003", "--out", str(exported), "--format", "eml", case=case_dir)
    assert code == 0 and [p.suffix for p in exported.iterdir()] == [".eml"]
    code, _, err = cli("request", "export", "R003", "--out", str(exported), "--format", "eml", case=case_dir)
    assert code == 2 and "already exists" in err

    code, out, _ = cli("log", "--action", "request_updated", "--json", case=case_dir)
    assert len(json.loads(out)) == 2


def test_refusals_are_clear_and_non_zero(case: Case, case_dir: Path, cli: Run, tmp_path: Path) -> None:
    add_sample(case, "x")
    add_sample(case, "tiktok", seed=2)
    case.close()
    code, out, err = cli("request", "draft", "--platform", "x", "--type", "disclosure_content", "E0001",
                         *_fields(legal_process=True, officer_email=True), case=case_dir)
    assert code == 2 and out == ""
    assert "missing: Official e-mail, Legal process (warrant / order)" in err and "누락" in err
    code, _, err = cli("request", "draft", "--platform", "x", "--type", "preservation", "E0001", "E0002",
                       *_fields(), case=case_dir)
    assert code == 2 and "one platform" in err
    code, _, err = cli("request", "draft", "--platform", "x", "--type", "preservation", "E0001", "--field", "oops",
                       case=case_dir)
    assert code == 2 and "KEY=VALUE" in err
    code, _, err = cli("request", "draft", "--platform", "x", "--type", "preservation", "E0001", "--field",
                       f"summary=@{tmp_path / 'missing.txt'}", case=case_dir)
    assert code == 2 and "cannot read" in err
    code, _, err = cli("request", "draft", "--platform", "x", "--type", "preservation", "E0001", "--message",
                       "E0001", case=case_dir)
    assert code == 2 and "ITEM:ID" in err
    code, _, err = cli("request", "draft", "--platform", "x", "--type", "preservation", "E0001", "--message",
                       "E0001:2", *_fields(), case=case_dir)
    assert code == 2 and "not a Telegram chat" in err
    code, _, err = cli("request", "show", "R042", case=case_dir)
    assert code == 1 and "No request" in err
    code, _, err = cli("request", "update", "R042", "--status", "sent", case=case_dir)
    assert code == 1
    code, _, _ = cli("request", "draft", "--platform", "x", "--type", "preservation", "E0001", *_fields(),
                     case=case_dir)
    assert code == 0
    code, _, err = cli("request", "update", "R001", "--status", "answered", case=case_dir)
    assert code == 2 and "cannot become" in err
    code, _, err = cli("request", "update", "R001", "--status", "sent", "--date", "2999-01-01", case=case_dir)
    assert code == 2 and "future" in err
    code, out, _ = cli("request", "list", "--json", case=case_dir)
    assert len(json.loads(out)) == 1  # the refused drafts left nothing behind


def test_investigators_may_not_draft(case: Case, case_dir: Path, cli: Run) -> None:
    add_sample(case, "x")
    case.add_user("lee", "investigator-pw", "investigator")
    case.close()
    code, _, err = cli("request", "draft", "--platform", "x", "--type", "preservation", "E0001", *_fields(),
                       case=case_dir, user="lee", password="investigator-pw")
    assert code == 4 and "may not request" in err


def test_platforms_listing_needs_no_case(cli: Run) -> None:
    code, out, _ = cli("request", "platforms")
    assert code == 0 and "legalrequests.x.com" in out and "kcsc" in out
    code, out, _ = cli("request", "platforms", "--json")
    data = json.loads(out)
    assert data["tiktok"]["preservation"]["max_extensions"] == 1
    assert data["discord"]["facts"]["preservation"]["status"] == "unverified"
