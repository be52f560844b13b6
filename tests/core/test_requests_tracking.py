"""Request lifecycle in the ledger, preservation deadlines and response statistics, computed on a
constructed history with explicit dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.errors import InputError
from evidence_kit.core.requests import (
    RequestSpec,
    draft_request,
    due,
    get_request,
    stats,
    stats_csv,
    update_request,
    write_stats_csv,
)
from tests.core.requests_helpers import FIELDS, add_sample

D = date.fromisoformat
TODAY = D("2026-11-01")


def _draft(case: Case, platform: str, rtype: str, on: str, exhibit: str = "E0001", **extra: str) -> int:
    return draft_request(case, RequestSpec(platform, rtype, [exhibit], fields={**FIELDS, **extra}), on=D(on)).id


def _up(case: Case, rid: int, status: str, on: str, **kw: str) -> None:
    update_request(case, rid, status, on=on, today=TODAY, **kw)


def test_lifecycle_is_in_the_ledger(case: Case) -> None:
    add_sample(case, "google")
    rid = _draft(case, "google", "preservation", "2026-03-01")
    _up(case, rid, "sent", "2026-03-02", channel="LERS", reference="LERS-77")
    _up(case, rid, "acknowledged", "2026-03-03")
    _up(case, rid, "answered", "2026-03-09", note="preservation confirmed")
    _up(case, rid, "extended", "2026-05-20")
    _up(case, rid, "expired", "2026-08-29")
    req = get_request(case, "R001")
    assert [h.status for h in req.history] == ["drafted", "sent", "acknowledged", "answered", "extended", "expired"]
    assert req.sent_date == "2026-03-02" and req.answered_date == "2026-03-09"
    assert req.channel == "LERS" and req.platform_reference == "LERS-77"
    # 90 days from sending, then 90 more from the previous expiry (Google's published rule)
    assert req.history[1].expires == "2026-05-31" and req.expires_date == "2026-08-29" and req.extensions == 1
    evs = case.events(action=ledger.REQUEST_UPDATED)
    assert [(e.details["previous"], e.details["status"], e.details["date"]) for e in evs] == [
        ("drafted", "sent", "2026-03-02"), ("sent", "acknowledged", "2026-03-03"),
        ("acknowledged", "answered", "2026-03-09"), ("answered", "extended", "2026-05-20"),
        ("extended", "expired", "2026-08-29")]
    assert evs[0].details["channel"] == "LERS" and evs[0].details["reference"] == "LERS-77"
    assert [h.seq for h in req.history[1:]] == [e.seq for e in evs]
    assert case.verify(record=False).ok
    # closed: nothing follows expired
    with pytest.raises(InputError, match="cannot become"):
        _up(case, rid, "answered", "2026-09-01")


def test_status_changes_are_checked(case: Case) -> None:
    add_sample(case, "x")
    rid = _draft(case, "x", "disclosure_subscriber", "2026-04-01")
    seq = case.ledger_head()[0]
    with pytest.raises(InputError, match="cannot become"):
        _up(case, rid, "answered", "2026-04-02")           # never sent
    with pytest.raises(InputError, match="before the request was drafted"):
        _up(case, rid, "sent", "2026-03-31")
    with pytest.raises(InputError, match="future"):
        _up(case, rid, "sent", "2026-11-02")
    with pytest.raises(InputError, match="not a date"):
        _up(case, rid, "sent", "04/02/2026")
    with pytest.raises(InputError, match="Unknown status"):
        _up(case, rid, "lost", "2026-04-02")
    _up(case, rid, "sent", "2026-04-02")
    with pytest.raises(InputError, match="before the request was sent"):
        _up(case, rid, "answered", "2026-04-01")
    with pytest.raises(InputError, match="only preservations are extended"):
        _up(case, rid, "extended", "2026-04-05")
    with pytest.raises(InputError, match="Only preservation requests have an expiry"):
        update_request(case, rid, "acknowledged", on="2026-04-03", expires="2026-07-01", today=TODAY)
    assert case.ledger_head()[0] == seq + 1  # only the valid change was logged
    assert get_request(case, rid).status == "sent"


def test_extension_limits_and_unknown_periods(case: Case) -> None:
    add_sample(case, "tiktok")
    add_sample(case, "discord", seed=2)
    tt = _draft(case, "tiktok", "preservation", "2026-01-01")
    _up(case, tt, "sent", "2026-01-01")
    assert get_request(case, tt).expires_date == "2026-04-01"
    _up(case, tt, "extended", "2026-03-25")
    assert get_request(case, tt).expires_date == "2026-06-30"
    with pytest.raises(InputError, match="allows 1 extension"):
        _up(case, tt, "extended", "2026-06-20")
    # Discord publishes no period: no expiry until the officer records the one it confirms
    dc = _draft(case, "discord", "preservation", "2026-02-01", exhibit="E0002")
    _up(case, dc, "sent", "2026-02-01")
    assert get_request(case, dc).expires_date == ""
    with pytest.raises(InputError, match="--expires"):
        _up(case, dc, "extended", "2026-02-10")
    update_request(case, dc, "acknowledged", on="2026-02-03", expires="2026-05-03", today=TODAY)
    assert get_request(case, dc).expires_date == "2026-05-03"


def test_sending_an_extension_extends_its_parent(case: Case) -> None:
    add_sample(case, "meta")
    parent = _draft(case, "meta", "preservation", "2026-01-10")
    _up(case, parent, "sent", "2026-01-10", reference="META-1")
    child = _draft(case, "meta", "preservation_extension", "2026-04-01", parent="R001")
    assert get_request(case, child).parent_id == parent
    _up(case, child, "sent", "2026-04-02")
    p = get_request(case, parent)
    assert p.status == "extended" and p.extensions == 1
    assert p.expires_date == "2026-07-09"  # 2026-04-10 + 90 days
    assert p.history[-1].note == f"extension {get_request(case, child).reference} sent"
    with pytest.raises(InputError, match="only a preservation extension"):
        _draft(case, "meta", "preservation", "2026-04-01", parent="R001")


def test_due_lists_extensions_seven_days_before_expiry(case: Case) -> None:
    add_sample(case, "x")
    add_sample(case, "google", seed=1)
    add_sample(case, "tiktok", seed=2)
    pres = _draft(case, "x", "preservation", "2026-01-01")
    _up(case, pres, "sent", "2026-01-02")                      # expires 2026-04-02, extension due 2026-03-26
    disc = _draft(case, "google", "disclosure_noncontent", "2026-01-05", exhibit="E0002")
    _up(case, disc, "sent", "2026-01-06")                      # follow up after 30 days: 2026-02-05
    unsent = _draft(case, "tiktok", "preservation", "2026-03-20", exhibit="E0003")
    assert get_request(case, pres).extension_due == "2026-03-26"

    entries = due(case, today=D("2026-03-20"))
    kinds = {(e.request.id, e.kind): e for e in entries}
    assert kinds[(pres, "extension_due")].days_left == 6 and not kinds[(pres, "extension_due")].overdue
    assert kinds[(disc, "answer_overdue")].days_left == -43 and kinds[(disc, "answer_overdue")].overdue
    assert kinds[(unsent, "not_sent")].days_left == 0
    assert [e.due_date for e in entries] == sorted(e.due_date for e in entries)

    assert [e.kind for e in due(case, today=D("2026-03-01"), horizon_days=14) if e.request.id == pres] == []
    late = {e.request.id: e for e in due(case, today=D("2026-03-27"))}
    assert late[pres].kind == "extension_due" and late[pres].days_left == -1
    lapsed = {e.request.id: e for e in due(case, today=D("2026-04-03"))}
    assert lapsed[pres].kind == "lapsed" and lapsed[pres].due_date == "2026-04-02"
    # an answered disclosure and an expired preservation are no longer due
    _up(case, disc, "answered", "2026-03-21")
    _up(case, pres, "expired", "2026-04-03")
    assert {e.request.id for e in due(case, today=D("2026-04-04"))} == {unsent}
    assert [e.to_json()["kind"] for e in due(case, today=D("2026-04-04"))] == ["not_sent"]


def test_due_after_the_last_possible_extension(case: Case) -> None:
    add_sample(case, "tiktok")
    rid = _draft(case, "tiktok", "preservation", "2026-01-01")
    _up(case, rid, "sent", "2026-01-01")
    _up(case, rid, "extended", "2026-03-20")
    [entry] = due(case, today=D("2026-06-25"))
    assert entry.kind == "extension_impossible" and "cannot be extended again" in entry.message_en


def test_statistics_on_a_constructed_history(case: Case, tmp_path: Path) -> None:
    add_sample(case, "x")
    add_sample(case, "telegram", seed=1)
    # X preservation: answered after 3, 8, 2 and 10 days (even count: median (3+8)/2 = 5.5)
    for sent, answered in (("2026-01-01", "2026-01-04"), ("2026-01-01", "2026-01-09"),
                           ("2026-02-01", "2026-02-03"), ("2026-02-01", "2026-02-11")):
        rid = _draft(case, "x", "preservation", "2026-01-01")
        _up(case, rid, "sent", sent)
        _up(case, rid, "answered", answered)
    # X preservation: one refused, one never answered then lapsed, one still waiting, one only drafted
    rid = _draft(case, "x", "preservation", "2026-01-01")
    _up(case, rid, "sent", "2026-01-02")
    _up(case, rid, "refused", "2026-01-20")
    rid = _draft(case, "x", "preservation", "2026-01-01")
    _up(case, rid, "sent", "2026-01-02")
    _up(case, rid, "expired", "2026-04-02")
    rid = _draft(case, "x", "preservation", "2026-01-01")
    _up(case, rid, "sent", "2026-01-02")
    _draft(case, "x", "preservation", "2026-01-01")
    # Telegram removal: one marked no answer, then answered late after 40 days; one no answer
    rid = _draft(case, "telegram", "removal", "2026-01-01", exhibit="E0002")
    _up(case, rid, "sent", "2026-01-01")
    _up(case, rid, "no_answer", "2026-02-01")
    _up(case, rid, "answered", "2026-02-10")
    rid = _draft(case, "telegram", "removal", "2026-01-01", exhibit="E0002")
    _up(case, rid, "sent", "2026-01-01")
    _up(case, rid, "no_answer", "2026-02-01")

    rows = {(r.platform, r.type): r for r in stats(case)}
    x = rows[("x", "preservation")]
    assert (x.drafted, x.sent, x.answered, x.refused, x.unanswered) == (8, 7, 4, 1, 2)
    assert x.median_days == 5.5 and x.median_text() == "5.5"
    tg = rows[("telegram", "removal")]
    assert (tg.drafted, tg.sent, tg.answered, tg.refused, tg.unanswered) == (2, 2, 1, 0, 1)
    assert tg.median_days == 40 and tg.median_text() == "40"
    total = rows[("*", "*")]
    assert (total.drafted, total.sent, total.answered, total.refused, total.unanswered) == (10, 9, 5, 1, 3)
    assert total.median_days == 8  # days 2, 3, 8, 10, 40
    assert list(rows) == [("telegram", "removal"), ("x", "preservation"), ("*", "*")]
    assert stats_csv(stats(case)).splitlines() == [
        "platform,type,drafted,sent,answered,refused,unanswered,median_days_to_answer",
        "telegram,removal,2,2,1,0,1,40",
        "x,preservation,8,7,4,1,2,5.5",
        "*,*,10,9,5,1,3,8",
    ]
    path = write_stats_csv(stats(case), tmp_path / "stats.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfplatform,")  # Excel-friendly BOM
    with pytest.raises(InputError, match="does not exist"):
        write_stats_csv(stats(case), tmp_path / "nope" / "stats.csv")


def test_empty_case_has_no_statistics_or_deadlines(case: Case) -> None:
    assert stats(case) == [] and due(case) == []
    assert stats_csv([]).strip() == "platform,type,drafted,sent,answered,refused,unanswered,median_days_to_answer"


def test_verify_finds_tampered_requests(case: Case) -> None:
    add_sample(case, "x")
    rid = _draft(case, "x", "preservation", "2026-03-01")
    _up(case, rid, "sent", "2026-03-02")
    report = case.verify(record=False)
    assert report.ok, [str(p) for p in report.problems]
    req = get_request(case, rid)
    # someone with the database key edits the status and a recorded hash behind the ledger's back
    case.conn.execute("UPDATE requests SET status = 'answered' WHERE id = ?", (rid,))
    case.conn.execute("DROP TRIGGER request_outputs_no_update")
    case.conn.execute("UPDATE request_outputs SET sha256 = ? WHERE format = 'docx'", ("0" * 64,))
    obj = case.objects.path_for(req.output("pdf").object)
    data = bytearray(obj.read_bytes())
    data[-20] ^= 0xFF
    obj.write_bytes(bytes(data))
    problems = [str(p) for p in case.verify(record=False).problems if p.kind == "request"]
    assert any("status is 'answered' but the ledger says 'sent'" in p for p in problems)
    assert any("stored files differ from those logged" in p for p in problems)
    assert any(req.output("pdf").name in p for p in problems)
    # a request row no event drafted
    case.conn.execute("INSERT INTO requests(reference, platform, type, lang, created_at, created_by, draft_date, "
                      "updated_at) VALUES ('FORGED-R9', 'x', 'preservation', 'en', '', '', '2026-01-01', '')")
    assert any("FORGED-R9" in str(p) for p in case.verify(record=False, check_objects=False).problems)
