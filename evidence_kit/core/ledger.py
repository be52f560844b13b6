"""The custody ledger: canonical event encoding, hashing, signing and chain verification.

An event is {seq, at, actor, role, action, item, details, prev}. Its `hash` is SHA-256 of the
canonical JSON of those fields (sorted keys, no spaces, UTF-8, only integers, strings, lists,
objects and null), `prev` the hash of the event before (genesis: 64 zeros), and `sig` the
actor's Ed25519 signature over the 32 raw bytes of `hash`, hex-encoded.
The same rules are written out, standard library only, in the bundle's verify.py.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64
EVENT_FIELDS = ("seq", "at", "actor", "role", "action", "item", "details", "prev")

# Actions; strings are stored, so never rename one.
CASE_CREATED = "case_created"
USER_ADDED = "user_added"
CAPTURED = "captured"
IMPORTED = "imported"
VIEWED = "viewed"
REVEALED = "revealed"
EXTRACTED = "extracted"
ANNOTATED = "annotated"
TAGGED = "tagged"
SETTING_CHANGED = "setting_changed"
EXPORTED = "exported"
VERIFIED = "verified"
TIMESTAMPED = "timestamped"
REQUEST_DRAFTED = "request_drafted"
REQUEST_UPDATED = "request_updated"
CHECKED = "checked"
DISPOSED = "disposed"


def check_canonical(value: Any, path: str = "details") -> None:
    """Only integers, strings, lists, objects and null: floats and booleans have more than one
    JSON spelling across languages, so they are refused rather than silently hashed."""
    if value is None or isinstance(value, str):
        return
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{path}: {type(value).__name__} is not allowed in a ledger event")
    if isinstance(value, int):
        return
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            check_canonical(v, f"{path}[{i}]")
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{path}: keys must be strings")
            check_canonical(v, f"{path}.{k}")
        return
    raise TypeError(f"{path}: {type(value).__name__} is not allowed in a ledger event")


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(event: Mapping[str, Any]) -> str:
    body = {k: event[k] for k in EVENT_FIELDS}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def utc_now_ms() -> str:
    return iso_utc(datetime.now(UTC))


def iso_utc(dt: datetime) -> str:
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Event:
    seq: int
    at: str
    actor: str
    role: str
    action: str
    item: str
    details: dict[str, Any]
    prev: str
    hash: str
    sig: str

    def body(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in EVENT_FIELDS}

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash, "sig": self.sig}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Event:
        details = row["details"]
        if isinstance(details, str):
            details = json.loads(details)
        return cls(int(row["seq"]), row["at"], row["actor"], row["role"], row["action"], row["item"],
                   details, row["prev"], row["hash"], row["sig"])


@dataclass
class ChainProblem:
    seq: int
    message: str

    def __str__(self) -> str:
        return f"event #{self.seq}: {self.message}"


@dataclass
class ChainReport:
    events: int = 0
    head: str = GENESIS
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_signatures(batch: list[tuple[int, str, Any, bytes, bytes]]) -> list[ChainProblem]:
    problems = []
    for seq, actor, key, sig, digest in batch:
        try:
            key.verify(sig, digest)
        except (InvalidSignature, ValueError):
            problems.append(ChainProblem(seq, f"signature by {actor!r} is not valid"))
    return problems


def verify_chain(events: Iterable[Event], public_keys: Mapping[str, str], *,
                 complete: bool = True, workers: int | None = None) -> ChainReport:
    """Check every event's hash, its link to the one before and its signature.

    complete=True expects seq 1, 2, 3, … from genesis (a case store). complete=False accepts
    gaps (a bundle holds only the events of its items); then each event's `prev` is checked
    only when the event before it in the chain is present.

    Signatures (the expensive part, ~0.1 ms each) are checked in batches on a thread pool:
    the Ed25519 code releases the GIL, so a million-event ledger uses every core.
    """
    report = ChainReport()
    keys: dict[str, Any] = {}
    for name, hex_key in public_keys.items():
        try:
            keys[name] = Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))
        except ValueError:
            keys[name] = None
    workers = workers or min(8, os.cpu_count() or 1)
    prev_event: Event | None = None
    batch: list[tuple[int, str, Any, bytes, bytes]] = []
    in_flight: deque[Future[list[ChainProblem]]] = deque()
    sig_problems: list[ChainProblem] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify-sig") as pool:
        for ev in events:
            report.events += 1
            if event_hash(ev.body()) != ev.hash:
                report.problems.append(ChainProblem(ev.seq, "its content does not match its hash "
                                                             "(the event was edited)"))
            expected_seq = 1 if prev_event is None else prev_event.seq + 1
            if prev_event is not None and ev.seq <= prev_event.seq:
                report.problems.append(ChainProblem(ev.seq, f"out of order (comes after #{prev_event.seq})"))
            elif ev.seq == expected_seq:
                expected_prev = GENESIS if prev_event is None else prev_event.hash
                if ev.prev != expected_prev:
                    report.problems.append(ChainProblem(
                        ev.seq, "does not link to the event before it (an earlier event was "
                                "changed, removed or re-ordered)"))
            elif complete:
                report.problems.append(ChainProblem(
                    ev.seq, f"events #{expected_seq}–#{ev.seq - 1} are missing (removed)"))
            key = keys.get(ev.actor)
            if key is None:
                report.problems.append(ChainProblem(ev.seq, f"signed by unknown user {ev.actor!r}"))
            else:
                try:
                    sig, digest = bytes.fromhex(ev.sig), bytes.fromhex(ev.hash)
                except ValueError:
                    sig, digest = b"", b""
                batch.append((ev.seq, ev.actor, key, sig, digest))
                if len(batch) >= 2048:
                    in_flight.append(pool.submit(_check_signatures, batch))
                    batch = []
                    while len(in_flight) > 2 * workers:  # bounds memory on huge ledgers
                        sig_problems += in_flight.popleft().result()
            prev_event = ev
            report.head = ev.hash
        if batch:
            in_flight.append(pool.submit(_check_signatures, batch))
        for fut in in_flight:
            sig_problems += fut.result()
    if sig_problems:
        report.problems = sorted(report.problems + sig_problems, key=lambda p: p.seq)
    return report
