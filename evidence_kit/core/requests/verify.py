"""Verification of request drafts: the rows and stored letters must be what the signed
`request_drafted` / `request_updated` events recorded (called from core/verify.py)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from .. import ledger
from ..errors import IntegrityError

if TYPE_CHECKING:
    from ..case import Case, Problem


def verify_case_requests(case: Case, *, check_objects: bool = True) -> list[Problem]:
    from ..case import Problem

    conn = case.conn
    problems: list[Problem] = []
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'requests'").fetchone():
        return problems
    drafted: dict[str, tuple[int, dict[str, Any]]] = {}
    updates: dict[str, list[tuple[int, str]]] = {}
    for row in conn.execute("SELECT seq, action, details FROM ledger WHERE action IN (?, ?) ORDER BY seq",
                            (ledger.REQUEST_DRAFTED, ledger.REQUEST_UPDATED)):
        ev = ledger.Event.from_row({**dict(zip(("seq", "action", "details"), row, strict=True)), "at": "",
                                    "actor": "", "role": "", "item": "", "prev": "", "hash": "", "sig": ""})
        ref = str(ev.details.get("request", ""))
        if ev.action == ledger.REQUEST_DRAFTED:
            drafted[ref] = (ev.seq, ev.details)
        else:
            updates.setdefault(ref, []).append((ev.seq, str(ev.details.get("status", ""))))
    rows = {r["reference"]: r for r in conn.execute("SELECT * FROM requests")}
    for ref, (seq, details) in drafted.items():
        row = rows.pop(ref, None)
        if row is None:
            problems.append(Problem("request", f"request {ref} was drafted but is missing from the case", seq=seq))
            continue
        for key in ("platform", "type", "lang"):
            if str(row[key]) != str(details.get(key, "")):
                problems.append(Problem("request", f"request {ref}: its {key} differs from the drafting event",
                                        seq=seq))
        logged = {(o.get("format"), o.get("name"), o.get("sha256"), o.get("size")) for o in details.get("outputs", [])}
        stored = {(o["format"], o["name"], o["sha256"], int(o["size"])): o["object"] for o in conn.execute(
            "SELECT * FROM request_outputs WHERE request_id = ?", (row["id"],))}
        if set(stored) != logged:
            problems.append(Problem("request", f"request {ref}: its stored files differ from those logged",
                                    seq=seq))
        history = [(int(h[0]), str(h[1])) for h in conn.execute(
            "SELECT seq, status FROM request_history WHERE request_id = ? AND status != 'drafted' ORDER BY id",
            (row["id"],))]
        if history != updates.get(ref, []):
            problems.append(Problem("request", f"request {ref}: its status history differs from the ledger",
                                    seq=seq))
        last = updates.get(ref, [(seq, "drafted")])[-1][1]
        if str(row["status"]) != last:
            problems.append(Problem("request", f"request {ref}: its status is {row['status']!r} but the ledger "
                                               f"says {last!r}", seq=seq))
        if check_objects:
            for (_fmt, name, sha256, size), obj in stored.items():
                try:
                    data = case.objects.read_all(obj)
                except (IntegrityError, OSError) as exc:
                    problems.append(Problem("request", f"request {ref}: {exc}", seq=seq, artifact=name))
                    continue
                if hashlib.sha256(data).hexdigest() != sha256 or len(data) != size:
                    problems.append(Problem("request", f"request {ref}: the stored file does not match its "
                                                       "recorded SHA-256", seq=seq, artifact=name))
    for ref in rows:
        problems.append(Problem("request", f"request {ref} is in the case but no ledger event drafted it"))
    return problems
