"""Known-content hash lists: import (CSV or JSON of MD5, SHA-1, SHA-256 and PDQ with a label and
source), matching the case against them (at ingest through the post-commit hook, and on demand),
and exporting the case's own hashes as a list for takedown requests (never the images).

Every imported line is validated; bad lines are reported by number and, unless the caller
accepts skipping them, nothing is imported. Imports, matches and exports are ledger events.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import ledger
from .errors import InputError
from .perceptual import DEFAULT_THRESHOLD, MIN_QUALITY, HammingIndex, check_threshold
from .roles import Permission

if TYPE_CHECKING:
    from .case import Case, Item

HASHLIST_IMPORTED = "hashlist_imported"
HASHLIST_MATCHED = "hashlist_matched"
HASHLIST_EXPORTED = "hashlist_exported"

ALGOS = ("md5", "sha1", "sha256", "pdq")
HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}
MAX_LIST_BYTES = 256 << 20
MAX_REPORTED_BAD = 50
_ALIASES = {"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha256": "sha256", "sha-256": "sha256",
            "pdq": "pdq", "pdqhash": "pdq", "pdq_hash": "pdq"}
_HASH_COLUMNS = ("hash", "value", "digest")
_TYPE_COLUMNS = ("type", "algorithm", "algo", "hash_type", "kind")
_LABEL_COLUMNS = ("label", "description", "name", "category", "classification")
_SOURCE_COLUMNS = ("source", "origin", "provider")


@dataclass(frozen=True)
class HashEntry:
    algo: str
    value: str
    label: str
    source: str
    line: int


@dataclass(frozen=True)
class BadLine:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class HashListError(InputError):
    """A list with invalid lines; `bad` names each by number."""

    def __init__(self, message: str, bad: list[BadLine]) -> None:
        super().__init__(message)
        self.bad = bad


@dataclass
class HashList:
    id: int
    label: str
    source: str
    file_name: str
    file_sha256: str
    format: str
    entries: int
    imported_at: str
    imported_by: str
    by_algo: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Match:
    exhibit: str
    item_id: int
    artifact_id: int
    artifact: str
    list_id: int
    list_label: str
    algo: str
    value: str
    distance: int
    label: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @property
    def flag(self) -> str:
        return f"known: {self.label or self.list_label}"


# ---- parsing -------------------------------------------------------------------------------
def _normalise_algo(text: str) -> str | None:
    return _ALIASES.get(text.strip().lower().replace(" ", ""))


def _check_value(algo: str, raw: str) -> str:
    value = raw.strip().lower()
    if value.startswith("0x"):
        value = value[2:]
    if len(value) != HEX_LENGTHS[algo] or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"{raw.strip()[:80]!r} is not a {algo.upper()} ({HEX_LENGTHS[algo]} hex digits)")
    return value


def _infer_algo(value: str, default_type: str | None) -> str:
    v = value.strip().lower()
    if default_type:
        return default_type
    if len(v) == 32:
        return "md5"
    if len(v) == 40:
        return "sha1"
    if len(v) == 64:
        raise ValueError("64 hex digits may be SHA-256 or PDQ: add a type column or give the list's type")
    raise ValueError(f"{v[:80]!r} is not an MD5, SHA-1, SHA-256 or PDQ hash")


def parse_list(data: bytes, *, default_type: str | None = None, label: str = "",
               source: str = "") -> tuple[list[HashEntry], list[BadLine], str]:
    """(entries, bad lines, format) of a hash list. CSV (a header naming md5/sha1/sha256/pdq
    columns, or hash + type columns; label/source columns optional), JSON (a list of objects,
    or {"label", "source", "entries": [...]}) or plain lines of hashes."""
    if default_type is not None:
        norm = _normalise_algo(default_type)
        if norm is None:
            raise InputError(f"Unknown hash type {default_type!r}: use md5, sha1, sha256 or pdq.")
        default_type = norm
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("The hash list is not UTF-8 text. / 해시 목록이 UTF-8 텍스트가 아닙니다.") from None
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        entries, bad = _parse_json(text, default_type, label, source)
        return entries, bad, "json"
    entries, bad, fmt = _parse_csv(text, default_type, label, source)
    return entries, bad, fmt


def _parse_json(text: str, default_type: str | None, label: str,
                source: str) -> tuple[list[HashEntry], list[BadLine]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HashListError(f"The hash list is not valid JSON (line {exc.lineno}: {exc.msg}). / "
                            "해시 목록 JSON이 올바르지 않습니다.", [BadLine(exc.lineno, exc.msg)]) from None
    if isinstance(doc, dict):
        label = str(doc.get("label") or label)
        source = str(doc.get("source") or source)
        items = doc.get("entries", doc.get("hashes"))
        if not isinstance(items, list):
            raise HashListError("The JSON hash list has no \"entries\" list. / JSON에 entries 목록이 없습니다.",
                                [BadLine(1, "no entries list")])
    elif isinstance(doc, list):
        items = doc
    else:
        raise HashListError("The JSON hash list must be a list or an object.", [BadLine(1, "not a list")])
    entries: list[HashEntry] = []
    bad: list[BadLine] = []
    for n, obj in enumerate(items, start=1):
        if isinstance(obj, str):
            obj = {"hash": obj}
        if not isinstance(obj, dict):
            bad.append(BadLine(n, "an entry must be an object or a string"))
            continue
        lower = {str(k).lower(): v for k, v in obj.items()}
        found = _entries_from_fields(lower, n, default_type, label, source, bad)
        entries.extend(found)
    return entries, bad


def _first(fields: dict[str, Any], names: Iterable[str]) -> str:
    for n in names:
        v = fields.get(n)
        if v not in (None, ""):
            return str(v).strip()
    return ""


def _entries_from_fields(fields: dict[str, Any], line: int, default_type: str | None, label: str, source: str,
                         bad: list[BadLine]) -> list[HashEntry]:
    lab = _first(fields, _LABEL_COLUMNS) or label
    src = _first(fields, _SOURCE_COLUMNS) or source
    out: list[HashEntry] = []
    try:
        for key, raw in fields.items():
            algo = _normalise_algo(key)
            if algo is not None and raw not in (None, ""):
                if not isinstance(raw, str):
                    raise ValueError(f"{key} must be a string of hex digits")
                out.append(HashEntry(algo, _check_value(algo, raw), lab, src, line))
        raw_hash = _first(fields, _HASH_COLUMNS)
        if raw_hash:
            type_text = _first(fields, _TYPE_COLUMNS)
            algo_opt = _normalise_algo(type_text) if type_text else None
            if type_text and algo_opt is None:
                raise ValueError(f"unknown hash type {type_text!r}")
            algo = algo_opt or _infer_algo(raw_hash, default_type)
            out.append(HashEntry(algo, _check_value(algo, raw_hash), lab, src, line))
        if not out:
            raise ValueError("no hash on this line")
    except ValueError as exc:
        bad.append(BadLine(line, str(exc)))
        return []
    return out


def _parse_csv(text: str, default_type: str | None, label: str,
               source: str) -> tuple[list[HashEntry], list[BadLine], str]:
    sample = "\n".join(text.splitlines()[:20])
    delimiter = "\t" if "\t" in sample else (";" if sample.count(";") > sample.count(",") else ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    entries: list[HashEntry] = []
    bad: list[BadLine] = []
    header: list[str] | None = None
    fmt = "lines"
    for row in reader:
        line = reader.line_num
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if header is None and fmt == "lines":
            lowered = [c.lower() for c in cells]
            known = set(_HASH_COLUMNS + _TYPE_COLUMNS + _LABEL_COLUMNS + _SOURCE_COLUMNS) | set(_ALIASES)
            if any(c in known for c in lowered) and not any(_looks_hex(c) for c in cells):
                header = lowered
                fmt = "csv"
                if not any(c in _ALIASES or c in _HASH_COLUMNS for c in header):
                    raise HashListError("The CSV header names no hash column (md5, sha1, sha256, pdq or hash). / "
                                        "CSV 머리글에 해시 열이 없습니다.", [BadLine(line, "no hash column")])
                continue
            fmt = "lines" if len(cells) <= 3 else "csv"
        if header is not None:
            if len(cells) > len(header):
                bad.append(BadLine(line, f"{len(cells)} cells but the header has {len(header)}"))
                continue
            fields = dict(zip(header, cells, strict=False))
        else:
            fields = {"hash": cells[0]}
            if len(cells) > 1:
                fields["label"] = cells[1]
            if len(cells) > 2:
                fields["source"] = cells[2]
        entries.extend(_entries_from_fields(fields, line, default_type, label, source, bad))
    return entries, bad, fmt


def _looks_hex(text: str) -> bool:
    t = text.strip().lower()
    return len(t) in (32, 40, 64) and all(c in "0123456789abcdef" for c in t)


# ---- import --------------------------------------------------------------------------------
def import_list(case: Case, path: Path | str, *, label: str = "", source: str = "",
                default_type: str | None = None, skip_bad: bool = False) -> tuple[HashList, list[BadLine]]:
    """Import a list; returns it and the bad lines that were skipped (only with skip_bad)."""
    case.require(Permission.CAPTURE)
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_LIST_BYTES:
            raise InputError(f"{p.name} is larger than {MAX_LIST_BYTES >> 20} MiB. / 해시 목록이 너무 큽니다.")
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {p}: {exc.strerror or exc}. / 파일을 읽을 수 없습니다.") from None
    label = label.strip() or p.stem
    entries, bad, fmt = parse_list(data, default_type=default_type, label=label, source=source.strip())
    if bad and not skip_bad:
        shown = "; ".join(str(b) for b in bad[:10]) + (f"; … ({len(bad)} in all)" if len(bad) > 10 else "")
        raise HashListError(f"{len(bad)} bad line(s) in {p.name}, nothing imported: {shown}. / "
                            f"잘못된 줄 {len(bad)}개가 있어 가져오지 않았습니다.", bad)
    if not entries:
        raise InputError(f"{p.name} holds no hashes. / 해시가 없습니다.")
    unique = list({(e.algo, e.value, e.label, e.source): e for e in entries}.values())
    file_sha = hashlib.sha256(data).hexdigest()
    with case._lock.shared():  # keeps `check --clear` from taking the object for an orphan meanwhile
        stored = case.objects.put_bytes(data)
        with case.transaction(Permission.CAPTURE) as event:
            now = ledger.utc_now_ms()
            cur = case.conn.execute(
                "INSERT INTO hashlists(label, source, file_name, file_sha256, object, format, entries, imported_at, "
                "imported_by) VALUES (?,?,?,?,?,?,?,?,?)",
                (label, source.strip(), p.name, file_sha, stored.name, fmt, len(unique), now, case.user.name))
            list_id = int(cur.lastrowid)
            case.conn.executemany(
                "INSERT INTO hashlist_entries(list_id, algo, value, label, source, line) VALUES (?,?,?,?,?,?)",
                [(list_id, e.algo, e.value, e.label, e.source, e.line) for e in unique])
            counts = _count_algos(unique)
            event(HASHLIST_IMPORTED, "", {"list_id": list_id, "label": label, "source": source.strip(),
                                          "file": p.name, "sha256": file_sha, "format": fmt,
                                          "entries": len(unique), "by_algo": counts,
                                          "bad_lines_skipped": [b.line for b in bad[:MAX_REPORTED_BAD]]})
    return get_list(case, list_id), bad


def _count_algos(entries: Iterable[HashEntry]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.algo] = counts.get(e.algo, 0) + 1
    return counts


def get_list(case: Case, list_id: int) -> HashList:
    for hl in lists(case):
        if hl.id == list_id:
            return hl
    from .errors import NotFoundError

    raise NotFoundError(f"No hash list {list_id}. / 해시 목록이 없습니다.")


def lists(case: Case) -> list[HashList]:
    case.require(Permission.READ)
    counts: dict[int, dict[str, int]] = {}
    for r in case.conn.execute("SELECT list_id, algo, count(*) FROM hashlist_entries GROUP BY list_id, algo"):
        counts.setdefault(r[0], {})[r[1]] = int(r[2])
    return [HashList(r["id"], r["label"], r["source"], r["file_name"], r["file_sha256"], r["format"],
                     int(r["entries"]), r["imported_at"], r["imported_by"], counts.get(r["id"], {}))
            for r in case.conn.execute("SELECT * FROM hashlists ORDER BY id")]


# ---- matching ------------------------------------------------------------------------------
def pdq_threshold(case: Case) -> int:
    text = case.setting("hashlist.pdq_threshold", str(DEFAULT_THRESHOLD))
    try:
        value = int(text)
        check_threshold(value)
        return value
    except (ValueError, InputError):
        return DEFAULT_THRESHOLD


def match_items(case: Case, items: Iterable[Item], *, threshold: int | None = None,
                permission: Permission = Permission.ANNOTATE) -> list[Match]:
    """Match the items' artifacts (exact hashes, and PDQ within the threshold) against every
    imported list; record new matches with one ledger event per item. Returns the new matches."""
    case.require(permission)
    conn = case.conn
    if conn.execute("SELECT 1 FROM hashlist_entries LIMIT 1").fetchone() is None:
        return []
    thr = pdq_threshold(case) if threshold is None else threshold
    check_threshold(thr)
    item_list = list(items)
    labels = {hl.id: hl.label for hl in lists(case)}
    found: list[Match] = []
    arts = {a.id: (it, a) for it in item_list for a in it.artifacts}
    for it, a in arts.values():
        for algo, value in (("md5", a.md5), ("sha1", a.sha1), ("sha256", a.sha256)):
            if not value:
                continue
            for r in conn.execute("SELECT list_id, label, source FROM hashlist_entries WHERE algo = ? AND value = ?",
                                  (algo, value)):
                found.append(Match(it.exhibit, it.id, a.id, a.name, r[0], labels.get(r[0], ""), algo, value, 0,
                                   r[1], r[2]))
    pdq_rows = conn.execute("SELECT list_id, value, label, source FROM hashlist_entries WHERE algo = 'pdq'").fetchall()
    if pdq_rows and arts:
        index = HammingIndex([int(r[1], 16) for r in pdq_rows], thr)
        marks = ",".join("?" * len(arts))
        hashes = conn.execute(f"SELECT artifact_id, pdq, quality FROM perceptual_hashes WHERE artifact_id IN ({marks}) "  # noqa: S608
                              "AND quality >= ?", [*arts, MIN_QUALITY]).fetchall()
        best: dict[tuple[int, int, str], Match] = {}
        for h in hashes:
            it, a = arts[h[0]]
            for idx, dist in index.query(int(h[1], 16)):
                r = pdq_rows[idx]
                key = (a.id, r[0], r[1])
                if key not in best or dist < best[key].distance:
                    best[key] = Match(it.exhibit, it.id, a.id, a.name, r[0], labels.get(r[0], ""), "pdq", r[1], dist,
                                      r[2], r[3])
        found.extend(best.values())
    if not found:
        return []
    new: list[Match] = []
    with case.transaction(permission) as event:
        now = ledger.utc_now_ms()
        by_item: dict[str, list[Match]] = {}
        for m in found:
            cur = conn.execute(
                "INSERT OR IGNORE INTO hashlist_matches(item_id, artifact_id, list_id, algo, value, distance, label, "
                "source, matched_at, matched_by) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (m.item_id, m.artifact_id, m.list_id, m.algo, m.value, m.distance, m.label, m.source, now,
                 case.user.name))
            if cur.rowcount:
                new.append(m)
                by_item.setdefault(m.exhibit, []).append(m)
        for exhibit, ms in by_item.items():
            event(HASHLIST_MATCHED, exhibit, {"threshold": thr, "matches": [
                {"list_id": m.list_id, "list": m.list_label, "label": m.label, "source": m.source, "algo": m.algo,
                 "value": m.value, "distance": m.distance, "artifact": m.artifact} for m in ms]})
    return new


def match_case(case: Case, *, threshold: int | None = None) -> list[Match]:
    """On demand: compute missing PDQ hashes, then match every item against every list."""
    case.require(Permission.ANNOTATE)
    from .perceptual import index_case

    index_case(case)
    return match_items(case, case.items(), threshold=threshold)


def matches(case: Case, item: Item | None = None) -> list[Match]:
    case.require(Permission.READ)
    sql = ("SELECT m.*, i.exhibit, a.name AS artifact_name, l.label AS list_label FROM hashlist_matches m "
           "JOIN items i ON i.id = m.item_id JOIN artifacts a ON a.id = m.artifact_id "
           "JOIN hashlists l ON l.id = m.list_id")
    args: list[Any] = []
    if item is not None:
        sql += " WHERE m.item_id = ?"
        args.append(item.id)
    sql += " ORDER BY m.item_id, m.id"
    return [Match(r["exhibit"], r["item_id"], r["artifact_id"], r["artifact_name"], r["list_id"], r["list_label"],
                  r["algo"], r["value"], r["distance"], r["label"], r["source"])
            for r in case.conn.execute(sql, args)]


def flags_by_item(case: Case) -> dict[int, list[str]]:
    """Flags for `list` and `show`: "known: <label>" per item with a hash-list match."""
    out: dict[int, list[str]] = {}
    for r in case.conn.execute("SELECT DISTINCT m.item_id, coalesce(nullif(m.label, ''), l.label) FROM "
                               "hashlist_matches m JOIN hashlists l ON l.id = m.list_id ORDER BY 1, 2"):
        out.setdefault(int(r[0]), []).append(f"known: {r[1]}")
    return out


# ---- export --------------------------------------------------------------------------------
EXPORT_COLUMNS = ("exhibit", "artifact", "role", "mime", "size", "md5", "sha1", "sha256", "pdq", "pdq_quality",
                  "frame", "label", "source")


def case_hash_rows(case: Case, items: Iterable[Item] | None = None) -> Iterator[dict[str, Any]]:
    from .perceptual import artifact_hashes

    item_list = list(items) if items is not None else case.items()
    pdqs = artifact_hashes(case, [a.id for it in item_list for a in it.artifacts])
    source = " ".join(x for x in (case.info.agency, case.info.number) if x)
    for it in item_list:
        for a in it.artifacts:
            base = {"exhibit": it.exhibit, "artifact": a.name, "role": a.role, "mime": a.mime, "size": a.size,
                    "md5": a.md5, "sha1": a.sha1, "sha256": a.sha256, "pdq": "", "pdq_quality": "",
                    "frame": "", "label": f"{case.info.number} {it.exhibit}", "source": source}
            frames = pdqs.get(a.id, [])
            if not frames:
                yield base
            for n, f in enumerate(frames):
                row = dict(base)
                row.update({"pdq": f.pdq.hex, "pdq_quality": f.pdq.quality, "frame": f.frame})
                if n:  # further video frames: the PDQ only, so exact hashes are listed once
                    row.update({"md5": "", "sha1": "", "sha256": ""})
                yield row


def export_hashes(case: Case, out: Path | str, *, fmt: str = "csv", items: Iterable[Item] | None = None) -> int:
    """Write the case's hashes (never the content) as CSV or JSON, importable as a hash list
    elsewhere; written under a temporary name and renamed. Returns the number of rows."""
    case.require(Permission.EXPORT)
    if fmt not in ("csv", "json"):
        raise InputError("The format must be csv or json. / 형식은 csv 또는 json이어야 합니다.")
    dest = Path(out).absolute()
    if dest.is_dir():
        raise InputError(f"{dest} is a folder; give a file name. / 파일 이름을 지정하세요.")
    if not dest.parent.is_dir():
        raise InputError(f"The folder {dest.parent} does not exist. / 폴더가 없습니다.")
    rows = list(case_hash_rows(case, items))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        data = buf.getvalue().encode("utf-8")
    else:
        doc = {"format": "evidence-kit hash list 1", "case": case.info.number, "label": case.info.number,
               "source": case.info.agency, "generated_at": ledger.utc_now_ms(), "entries": rows}
        data = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    try:
        case.record_event(HASHLIST_EXPORTED, "", {"destination": str(dest), "format": fmt, "rows": len(rows),
                                                  "sha256": hashlib.sha256(data).hexdigest(),
                                                  "exhibits": sorted({str(r["exhibit"]) for r in rows})},
                          permission=Permission.EXPORT)
    except BaseException:
        with contextlib.suppress(OSError):
            dest.unlink()  # an export the ledger does not know of must not remain
        raise
    return len(rows)
