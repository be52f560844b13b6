"""Verification of an exported evidence bundle, with nothing but the bundle (no case, no password).

`verify_bundle(path, progress=None, cancel=None) -> BundleVerification` checks a bundle ZIP (or
its unzipped folder): the ZIP's paths, SHA256SUMS, the signed manifest against the files, the
custody ledger's hashes, links and Ed25519 signatures, the users' keys against the keys the
ledger announced, every item against its signed capture event, and the RFC 3161 timestamp
tokens. The checks themselves live in bundle_check.py, which is also the bundle's standalone
verify.py, so `python verify.py` and `evidence-kit verify` reach the same verdict; this module
adds typed results, the token checks and cancellation.

Result JSON (`BundleVerification.to_json()`, also read by report.write_verification_report and
the GUI's auditor view):

    {
      "ok": bool,                          # true only when no problem of severity "error"
      "bundle": str, "bundle_name": str,   # path as given, and its file name
      "bundle_sha256": str, "bundle_size": int,   # of the .zip ("" / 0 for a folder)
      "format": str, "format_version": int,        # "evidence-kit-bundle", 1
      "checked_at": str,                   # UTC ISO 8601 with ms and "Z"
      "tool": str,                         # "Evidence Kit x.y.z"
      "case": {"case_id", "number", "title", "offence", "agency", "created_at"},
      "export": {"exported_at": str, "lang": str, "blur": bool, "wacz": bool, "tool": str,
                 "items": [exhibit, ...],
                 "exporter": {"name", "full_name", "badge", "role", "public_key"}},
      "ledger": {"events": int, "first_seq": int, "last_seq": int,
                 "head": {"seq": int, "hash": str}},   # the case ledger's head at export
      "evidence_digest": str,              # SHA-256 over the evidence/ lines of SHA256SUMS
      "root_key": {"name": str, "public_key": str},  # the case creator's key, as the ledger
                                           # announced it: compare with the agency's record
      "files_checked": int, "bytes_checked": int,
      "checks": [{"name": str, "status": "ok" | "failed" | "skipped" | "absent",
                  "detail": str, "detail_ko": str}, ...],
          # names: "zip", "files", "manifest", "manifest_signature", "ledger", "signatures",
          #        "keys", "items", "timestamps"
      "items": [{"exhibit": str, "title": str, "kind": str, "source": str, "platform": str,
                 "captured_at": str, "collector": str, "ok": bool,
                 "events": int, "creation_event": int | null, "timestamps": int,
                 "artifacts": [{"path": str, "role": str, "name": str, "mime": str, "size": int,
                                "sha256": str, "ok": bool}],
                 "problems": [problem, ...]}],
      "timestamps": [{"path": str, "subject_kind": "item" | "ledger", "subject": str,
                      "gen_time": str, "tsa": str, "ok": bool | null, "message": str}],
      "problems": [problem, ...]           # every problem, the items' ones included
    }

    problem = {"code": str, "severity": "error" | "warning", "message": str (English),
               "message_ko": str (Korean), "path": str | null, "exhibit": str | null,
               "seq": int | null}

Problem codes (stable; see bundle_check.MESSAGES for the wording): file_changed, file_removed,
file_added, file_unreadable, sums_malformed, manifest_missing, manifest_malformed,
manifest_mismatch, manifest_signature_missing, manifest_signature_bad, ledger_missing,
ledger_malformed, ledger_edited, ledger_link, ledger_order, ledger_removed, ledger_genesis,
signature_bad, signature_unknown_user, signatures_unchecked, key_swapped, key_unannounced,
keys_missing, item_no_capture_event, artifact_mismatch, artifact_missing,
artifact_not_recorded, ledger_head_mismatch, evidence_digest_mismatch, timestamp_bad,
timestamp_unchecked, zip_case_collision, item_removed, ledger_added, ledger_replaced.
A problem of severity "warning" (signatures_unchecked, timestamp_unchecked, file_added for
file-manager clutter such as .DS_Store) does not fail the bundle.

Errors that make a bundle impossible to check at all (not a ZIP, a truncated ZIP, a path that
escapes the folder, a newer format version) raise BundleError instead of returning a result.
"""


from __future__ import annotations

import hashlib
import importlib
import os
from dataclasses import dataclass, field
from typing import Any

from ... import __version__
from ..crypto import verify_signature
from ..errors import InputError
from ..ledger import utc_now_ms
from ..progress import CancelToken, ProgressCallback
from . import bundle_check


class BundleError(InputError):
    """The bundle cannot be checked at all: not a ZIP, truncated, unsafe paths, newer format."""


@dataclass
class BundleProblem:
    code: str
    severity: str
    message: str
    message_ko: str
    path: str | None = None
    exhibit: str | None = None
    seq: int | None = None

    @classmethod
    def from_check(cls, p: bundle_check.Problem) -> BundleProblem:
        return cls(p.code, p.severity, p.message, p.message_ko, p.path, p.exhibit, p.seq)

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ArtifactResult:
    path: str
    role: str
    name: str
    mime: str
    size: int
    sha256: str
    ok: bool

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ItemResult:
    exhibit: str
    title: str
    kind: str
    source: str
    platform: str
    captured_at: str
    collector: str
    ok: bool
    events: int
    creation_event: int | None
    timestamps: int = 0
    artifacts: list[ArtifactResult] = field(default_factory=list)
    problems: list[BundleProblem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k not in ("artifacts", "problems")}
        d["artifacts"] = [a.to_json() for a in self.artifacts]
        d["problems"] = [p.to_json() for p in self.problems]
        return d


@dataclass
class CheckStep:
    name: str
    status: str  # ok | failed | skipped | absent
    detail: str = ""
    detail_ko: str = ""

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class TimestampResult:
    path: str
    subject_kind: str
    subject: str
    gen_time: str
    tsa: str
    ok: bool | None  # None: not checked
    message: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class BundleVerification:
    bundle: str
    bundle_name: str
    bundle_sha256: str = ""
    bundle_size: int = 0
    format: str = ""
    format_version: int = 0
    checked_at: str = ""
    tool: str = f"Evidence Kit {__version__}"
    case: dict[str, Any] = field(default_factory=dict)
    export: dict[str, Any] = field(default_factory=dict)
    ledger: dict[str, Any] = field(default_factory=dict)
    evidence_digest: str = ""
    root_key: dict[str, str] = field(default_factory=dict)
    files_checked: int = 0
    bytes_checked: int = 0
    checks: list[CheckStep] = field(default_factory=list)
    items: list[ItemResult] = field(default_factory=list)
    timestamps: list[TimestampResult] = field(default_factory=list)
    problems: list[BundleProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> list[BundleProblem]:
        return [p for p in self.problems if p.severity == "error"]

    def step(self, name: str) -> CheckStep | None:
        return next((s for s in self.checks if s.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "bundle": self.bundle, "bundle_name": self.bundle_name,
            "bundle_sha256": self.bundle_sha256, "bundle_size": self.bundle_size, "format": self.format,
            "format_version": self.format_version, "checked_at": self.checked_at, "tool": self.tool,
            "case": self.case, "export": self.export, "ledger": self.ledger,
            "evidence_digest": self.evidence_digest, "root_key": self.root_key,
            "files_checked": self.files_checked, "bytes_checked": self.bytes_checked,
            "checks": [c.to_json() for c in self.checks], "items": [i.to_json() for i in self.items],
            "timestamps": [t.to_json() for t in self.timestamps],
            "problems": [p.to_json() for p in self.problems],
        }


def _file_sha256(path: str, cancel: CancelToken | None) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while True:
            if cancel is not None:
                cancel.raise_if_cancelled()
            chunk = f.read(bundle_check.CHUNK)
            if not chunk:
                return h.hexdigest(), size
            h.update(chunk)
            size += len(chunk)


def verify_bundle(path: str | os.PathLike[str], *, progress: ProgressCallback | None = None,
                  cancel: CancelToken | None = None) -> BundleVerification:
    """Check a bundle ZIP or its unzipped folder. Raises BundleError when it cannot be checked
    at all; otherwise every failure is a problem in the result (result.ok is False)."""
    path = os.fspath(path)
    result = BundleVerification(bundle=path, bundle_name=os.path.basename(os.path.normpath(path)),
                                checked_at=utc_now_ms())
    check_cancel = cancel.raise_if_cancelled if cancel is not None else None
    try:
        r, source = bundle_check.check(path, verify=verify_signature, progress=progress, check_cancel=check_cancel)
    except bundle_check.BundleError as exc:
        raise BundleError(exc.message) from None
    try:
        if source.kind == "zip":
            result.bundle_sha256, result.bundle_size = _file_sha256(path, cancel)
        _check_timestamps(r, source, result)
    finally:
        source.close()
    m = r.manifest
    result.format = str(m.get("format", ""))
    result.format_version = int(m.get("format_version") or 0) if isinstance(m.get("format_version"), int) else 0
    result.case = dict(m.get("case") or {})
    export = dict(m.get("export") or {})
    result.export = {k: export.get(k) for k in ("exported_at", "lang", "blur", "wacz", "tool", "items", "exporter")}
    ledger = m.get("ledger") or {}
    seqs = [e["seq"] for e in r.events]
    result.ledger = {"events": len(r.events), "first_seq": min(seqs) if seqs else 0,
                     "last_seq": max(seqs) if seqs else 0, "head": ledger.get("head") or {}}
    result.evidence_digest = str(m.get("evidence_digest", ""))
    result.root_key = dict(r.root_key)
    result.files_checked = len(r.hashes)
    result.bytes_checked = r.bytes_checked
    result.problems = [BundleProblem.from_check(p) for p in r.problems]
    by_problem = {id(p): bp for p, bp in zip(r.problems, result.problems, strict=True)}
    for it in r.items:
        stamps = sum(1 for t in result.timestamps if t.subject_kind == "item" and t.subject == it["exhibit"])
        result.items.append(ItemResult(
            exhibit=it["exhibit"], title=str(it["title"] or ""), kind=str(it["kind"] or ""),
            source=str(it["source"] or ""), platform=str(it["platform"] or ""),
            captured_at=str(it["captured_at"] or ""), collector=str(it["collector"] or ""), ok=it["ok"],
            events=it["events"], creation_event=it["creation_event"], timestamps=stamps,
            artifacts=[ArtifactResult(str(a["path"]), str(a["role"] or ""), str(a["name"] or ""),
                                      str(a["mime"] or ""), int(a["size"] or 0), str(a["sha256"] or ""), a["ok"])
                       for a in it["artifacts"]],
            problems=[by_problem[id(p)] for p in it["problems"] if id(p) in by_problem]))
    for item in result.items:  # a broken token fails its item too
        bad = [p for p in result.problems if p.code == "timestamp_bad" and p.exhibit == item.exhibit]
        if bad:
            item.problems += bad
            item.ok = False
    steps = r.step_status()
    for s in steps:
        if s["name"] == "timestamps":
            s.update(_timestamp_step(result))
    result.checks = [CheckStep(**s) for s in steps]
    return result


def _timestamp_step(result: BundleVerification) -> dict[str, str]:
    if not result.timestamps:
        return {"status": "absent", "detail": "no timestamp tokens in the bundle",
                "detail_ko": "타임스탬프 토큰 없음"}
    bad = [t for t in result.timestamps if t.ok is False]
    unchecked = [t for t in result.timestamps if t.ok is None]
    if bad:
        return {"status": "failed", "detail": f"{len(bad)} of {len(result.timestamps)} token(s) fail",
                "detail_ko": f"토큰 {len(result.timestamps)}개 중 {len(bad)}개 실패"}
    if unchecked:
        return {"status": "skipped", "detail": unchecked[0].message, "detail_ko": "확인하지 않음"}
    return {"status": "ok", "detail": f"{len(result.timestamps)} token(s) verified",
            "detail_ko": f"토큰 {len(result.timestamps)}개 확인"}


def _check_timestamps(r: bundle_check.Result, source: bundle_check.Source, result: BundleVerification) -> None:
    """Each RFC 3161 token must verify and stamp what it claims: an item's artifact digest
    (recomputed from the bundle's files) or a ledger event's hash."""
    entries = r.manifest.get("timestamps") or []
    if not isinstance(entries, list) or not entries:
        return
    ts_module: Any
    try:  # the RFC 3161 module lands separately; without it tokens are reported unchecked
        ts_module = importlib.import_module("evidence_kit.core.timestamps")
    except ImportError:
        ts_module = None
    events = {e["seq"]: e for e in r.events}
    items = {str(i.get("exhibit")): i for i in (r.manifest.get("items") or []) if isinstance(i, dict)}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        token_path = str(entry.get("token") or "")
        kind, subject = str(entry.get("subject_kind") or ""), str(entry.get("subject") or "")
        tr = TimestampResult(token_path, kind, subject, str(entry.get("gen_time") or ""),
                             str(entry.get("tsa_url") or ""), None, "")
        result.timestamps.append(tr)
        exhibit = subject if kind == "item" else None
        if token_path not in r.hashes:
            tr.ok, tr.message = False, "the token file is missing"
            continue  # already reported as a removed file
        if ts_module is None or not hasattr(ts_module, "verify_token"):
            tr.message = "this build cannot check RFC 3161 tokens"
            r.add("timestamp_unchecked", severity="warning", path=token_path, exhibit=exhibit, reason=tr.message)
            continue
        try:
            token = source.read(token_path)
            certs_path = entry.get("certs")
            certs = source.read(str(certs_path)) if certs_path and str(certs_path) in r.hashes else None
            expected = _expected_digest(ts_module, kind, subject, entry, items, events)
            check = ts_module.verify_token(token, expected, tsa_certs=certs)
        except Exception as exc:  # a hostile token must not stop the other checks
            tr.ok, tr.message = False, str(exc)[:200] or type(exc).__name__
        else:
            tr.ok = bool(getattr(check, "ok", False))
            tr.message = str(getattr(check, "message", "") or ("verified" if tr.ok else "does not verify"))
            tr.gen_time = str(getattr(check, "gen_time", "") or tr.gen_time)
            tr.tsa = str(getattr(check, "tsa_name", "") or tr.tsa)
            recorded = _recorded_token_hashes(events.get(entry.get("event_seq")))
            if tr.ok and recorded is not None and hashlib.sha256(token).hexdigest() not in recorded:
                tr.ok, tr.message = False, (f"not the token the custody ledger recorded in event "
                                            f"#{entry.get('event_seq')} (swapped)")
        if not tr.ok:
            r.add("timestamp_bad", path=token_path, exhibit=exhibit, reason=tr.message)


def _expected_digest(ts_module: Any, kind: str, subject: str, entry: dict[str, Any], items: dict[str, Any],
                     events: dict[int, dict[str, Any]]) -> bytes:
    """What the token must stamp, recomputed from the bundle rather than taken from the entry."""
    if kind == "ledger":
        seq = int(subject) if subject.isdigit() else -1
        if seq in events:
            return bytes.fromhex(str(events[seq]["hash"]))
        return bytes.fromhex(str(entry.get("digest") or ""))
    item = items.get(subject)
    if item is not None and hasattr(ts_module, "item_digest_from_listing"):
        listing = [a for a in (item.get("artifacts") or []) if isinstance(a, dict)]
        return bytes(ts_module.item_digest_from_listing(subject, listing))
    return bytes.fromhex(str(entry.get("digest") or ""))


def _recorded_token_hashes(event: dict[str, Any] | None) -> set[str] | None:
    """SHA-256 of the tokens a signed `timestamped` event lists, or None without that event."""
    if event is None or not isinstance(event.get("details"), dict):
        return None
    tokens = event["details"].get("tokens")
    if not isinstance(tokens, list):
        return None
    return {str(t.get("token_sha256")) for t in tokens if isinstance(t, dict)}
