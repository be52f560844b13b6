"""Verification of a case store: the ledger, the items against their creation events, and
every object's bytes against every hash recorded for it. Each problem names what fails."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from . import ledger
from .case import HEAD_FILE, Problem, VerifyReport, artifact_digest_entry
from .crypto import verify_signature
from .errors import IntegrityError
from .progress import CancelToken, ProgressCallback

if TYPE_CHECKING:
    from .case import Case

CREATION_ACTIONS = (ledger.CAPTURED, ledger.IMPORTED)


def verify_case(case: Case, *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                check_objects: bool = True) -> VerifyReport:
    report = VerifyReport(checked_at=ledger.utc_now_ms())
    conn = case.conn
    keys = case.public_keys()

    # 1. The chain: content hashes, links, signatures. Creation events are kept for step 3.
    # exhibit -> (seq, artifacts listed) of its creation event; kept small for huge ledgers
    creation: dict[str, tuple[int, list[Any]]] = {}
    user_events: dict[str, str] = {}

    def remember(events: Any) -> Any:
        for ev in events:
            if ev.action in CREATION_ACTIONS and ev.item and ev.item not in creation:
                creation[ev.item] = (ev.seq, list(ev.details.get("artifacts") or []))
            elif ev.action == ledger.CASE_CREATED:
                creator = ev.details.get("creator") or {}
                user_events[str(creator.get("name"))] = str(creator.get("public_key"))
            elif ev.action == ledger.USER_ADDED:
                u = ev.details.get("user") or {}
                user_events[str(u.get("name"))] = str(u.get("public_key"))
            yield ev

    rows = (ledger.Event.from_row(r) for r in conn.execute("SELECT * FROM ledger ORDER BY seq"))
    chain = ledger.verify_chain(remember(rows), keys, complete=True)
    report.events, report.head = chain.events, chain.head
    for p in chain.problems:
        report.problems.append(Problem("ledger", p.message, seq=p.seq))
    if report.events == 0:
        report.problems.append(Problem("ledger", "the custody ledger is empty"))

    # 2. The head file: the ledger must still reach the newest event ever recorded.
    _check_head(case, report, keys)

    # Users: each public key must be the one announced in the (signed) ledger.
    for name, key in keys.items():
        announced = user_events.get(name)
        if announced is None:
            report.problems.append(Problem("user", f"user {name!r} was never added through the ledger"))
        elif announced != key:
            report.problems.append(Problem("user", f"the public key of {name!r} differs from the one "
                                                   "recorded when the user was added"))

    # 3. Items and artifacts must be exactly those their creation events recorded.
    objects: dict[str, list[tuple[str, Any]]] = {}
    for item_row in conn.execute("SELECT id, exhibit FROM items ORDER BY id"):
        report.items += 1
        exhibit = item_row["exhibit"]
        arts = conn.execute("SELECT * FROM artifacts WHERE item_id = ? ORDER BY id", (item_row["id"],)).fetchall()
        ev = creation.pop(exhibit, None)
        if ev is None:
            report.problems.append(Problem("item", "no custody event records its capture", exhibit=exhibit))
            recorded: list[dict[str, Any]] = []
        else:
            recorded = ev[1]
        stored_entries = [artifact_digest_entry(a["role"], a["name"], int(a["size"]),
                                                {"sha256": a["sha256"], "md5": a["md5"], "sha1": a["sha1"]})
                          for a in arts]
        if ev is not None:
            for entry in stored_entries:
                if entry in recorded:
                    recorded.remove(entry)
                else:
                    report.problems.append(Problem(
                        "artifact", "its name, size or hashes differ from those recorded at capture "
                                    f"(event #{ev[0]})", exhibit=exhibit, artifact=entry["name"]))
            for entry in recorded:
                report.problems.append(Problem("artifact", f"recorded at capture (event #{ev[0]}) but missing "
                                                           "from the case", exhibit=exhibit,
                                               artifact=str(entry.get("name"))))
        for a in arts:
            report.artifacts += 1
            objects.setdefault(a["object"], []).append((exhibit, a))
    for exhibit, (seq, _) in creation.items():
        report.problems.append(Problem("item", f"captured in event #{seq} but missing from the case",
                                       exhibit=exhibit, seq=seq))

    # 3b. RFC 3161 tokens against what they stamped (items' artifact hashes, ledger events).
    from .timestamps import verify_case_timestamps

    report.problems.extend(verify_case_timestamps(case))

    # 3c. Platform request drafts against their drafting and status events.
    from .requests.verify import verify_case_requests

    report.problems.extend(verify_case_requests(case, check_objects=check_objects))

    # 4. Every object: decrypt, authenticate every chunk, recompute every hash.
    if check_objects:
        total = sum(int(refs[0][1]["size"]) for refs in objects.values())
        done = 0
        for name, refs in objects.items():
            if cancel is not None:
                cancel.raise_if_cancelled()
            report.objects += 1
            hashers = {k: hashlib.new(k) for k in ("sha256", "md5", "sha1")}
            size = 0
            failure = None
            try:
                for chunk in case.objects.iter_chunks(name):
                    for h in hashers.values():
                        h.update(chunk)
                    size += len(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total, refs[0][1]["name"])
            except IntegrityError as exc:
                failure = exc.message
            report.bytes_checked += size
            digests = {k: h.hexdigest() for k, h in hashers.items()}
            if failure is None and case.objects.name_for(digests["sha256"]) != name:
                failure = "the object's name does not match its content"
            for exhibit, a in refs:
                if failure is not None:
                    report.problems.append(Problem("object", failure, exhibit=exhibit, artifact=a["name"]))
                    continue
                wrong = [k.upper().replace("SHA", "SHA-") for k in ("sha256", "md5", "sha1")
                         if a[k] and a[k] != digests[k]]
                if size != int(a["size"]):
                    wrong.append("size")
                if wrong:
                    report.problems.append(Problem(
                        "object", f"stored bytes do not match the recorded {', '.join(wrong)}",
                        exhibit=exhibit, artifact=a["name"]))
    return report


def _check_head(case: Case, report: VerifyReport, keys: dict[str, str]) -> None:
    path = case.path / HEAD_FILE
    try:
        head = json.loads(path.read_text("utf-8"))
        seq, digest, actor, sig = int(head["seq"]), str(head["hash"]), str(head["actor"]), str(head["sig"])
    except FileNotFoundError:
        return
    except (ValueError, KeyError, TypeError):
        report.problems.append(Problem("ledger", f"{HEAD_FILE} is damaged"))
        return
    body = {"seq": seq, "hash": digest, "actor": actor}
    key = keys.get(actor)
    if key is None or not verify_signature(key, bytes.fromhex(sig) if _is_hex(sig) else b"",
                                           ledger.canonical_json(body)):
        report.problems.append(Problem("ledger", f"{HEAD_FILE} carries an invalid signature"))
        return
    row = case.conn.execute("SELECT hash FROM ledger WHERE seq = ?", (seq,)).fetchone()
    last = case.conn.execute("SELECT max(seq) FROM ledger").fetchone()[0] or 0
    if row is None:
        report.problems.append(Problem("ledger", f"the ledger ends at event #{last} but event #{seq} was "
                                                 "recorded: events at the end were removed", seq=seq))
    elif row[0] != digest:
        report.problems.append(Problem("ledger", "differs from the newest event recorded in "
                                                 f"{HEAD_FILE} (the ledger was rewritten)", seq=seq))


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
        return True
    except ValueError:
        return False
