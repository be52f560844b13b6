"""Read-only, paged queries for large views of a case (the GUI's evidence table and custody
log, 100,000 items / 1,000,000 events): a filtered, sorted list of row keys first (one small
integer per row), then the rows of one page at a time.

No Qt here; the GUI's models call these with the case on their own thread.
"""

from __future__ import annotations

import bisect
import json
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .roles import Permission

if TYPE_CHECKING:
    from .case import Case

# Sortable evidence columns -> SQL expression.
ITEM_SORT = {
    "exhibit": "items.id",
    "kind": "items.kind",
    "title": "CASE WHEN items.title != '' THEN items.title ELSE items.source END",
    "platform": "items.platform",
    "captured_at": "items.captured_at",
    "collector": "items.collector",
    "sha256": "(SELECT sha256 FROM artifacts WHERE artifacts.item_id = items.id "
              "ORDER BY role != 'original', id LIMIT 1)",
    "flags": "items.sensitive",
}


@dataclass(frozen=True)
class ItemFilter:
    search: str = ""        # substring of exhibit, title, source, notes, platform (case-insensitive)
    kind: str = ""
    tag: str = ""


@dataclass
class ItemRow:
    """What one line of the evidence table shows (no artifact bytes, no JSON blobs)."""

    id: int
    exhibit: str
    kind: str
    title: str
    source: str
    platform: str
    captured_at: str
    collector: str
    sensitive: bool
    has_notes: bool
    tags: list[str] = field(default_factory=list)
    sha256: str = ""
    mime: str = ""
    artifact_count: int = 0
    thumb_artifact: int = 0   # the artifact a thumbnail is made from (an image), 0 = none
    thumb_size: int = 0


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def item_ids(case: Case, flt: ItemFilter = ItemFilter(), *, sort: str = "exhibit",
             descending: bool = False) -> array[int]:
    """Ids of the items matching `flt`, in display order."""
    case.require(Permission.READ)
    where: list[str] = []
    args: list[Any] = []
    if flt.search.strip():
        where.append("(items.exhibit LIKE ? ESCAPE '\\' OR items.title LIKE ? ESCAPE '\\' OR "
                      "items.source LIKE ? ESCAPE '\\' OR items.notes LIKE ? ESCAPE '\\' OR "
                      "items.platform LIKE ? ESCAPE '\\')")
        args += [_like(flt.search.strip())] * 5
    if flt.kind:
        where.append("items.kind = ?")
        args.append(flt.kind)
    if flt.tag:
        where.append("items.id IN (SELECT item_id FROM item_tags WHERE tag = ?)")
        args.append(flt.tag)
    order = ITEM_SORT.get(sort, "items.id")
    direction = "DESC" if descending else "ASC"
    sql = "SELECT items.id FROM items"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order} {direction}, items.id {direction}"
    out = array("q")
    cur = case.conn.execute(sql, args)
    while True:
        rows = cur.fetchmany(10000)
        if not rows:
            break
        out.extend(r[0] for r in rows)
    return out


def item_rows(case: Case, ids: list[int]) -> dict[int, ItemRow]:
    """The table rows of these items (one page), keyed by id."""
    case.require(Permission.READ)
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows: dict[int, ItemRow] = {}
    for r in case.conn.execute(
            "SELECT id, exhibit, kind, title, source, platform, captured_at, collector, sensitive, "  # noqa: S608
            f"notes != '' AS has_notes FROM items WHERE id IN ({marks})", ids):
        rows[int(r[0])] = ItemRow(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), bool(r[9]))
    for r in case.conn.execute(f"SELECT item_id, tag FROM item_tags WHERE item_id IN ({marks}) "  # noqa: S608
                               "ORDER BY tag", ids):
        rows[int(r[0])].tags.append(r[1])
    seen_original: dict[int, bool] = {}
    thumb_rank = {"thumbnail": 0, "screenshot": 1, "original": 2, "media": 3}
    best: dict[int, int] = {}
    for r in case.conn.execute(f"SELECT item_id, role, sha256, mime, id, size FROM artifacts "  # noqa: S608
                               f"WHERE item_id IN ({marks}) ORDER BY id", ids):
        row = rows[int(r[0])]
        row.artifact_count += 1
        # The original when there is one, else the first artifact stored.
        if not row.sha256 or (r[1] == "original" and not seen_original.get(row.id)):
            row.sha256, row.mime = r[2], r[3]
            seen_original[row.id] = r[1] == "original"
        rank = thumb_rank.get(r[1], 9)
        if str(r[3]).startswith("image/") and r[3] != "image/svg+xml" and rank < best.get(row.id, 10):
            best[row.id] = rank
            row.thumb_artifact, row.thumb_size = int(r[4]), int(r[5])
    return rows


def item_kinds(case: Case) -> list[str]:
    return [r[0] for r in case.conn.execute("SELECT DISTINCT kind FROM items ORDER BY kind")]


def item_tags(case: Case) -> list[str]:
    return [r[0] for r in case.conn.execute("SELECT DISTINCT tag FROM item_tags ORDER BY tag")]


# -- the custody ledger ---------------------------------------------------------------------
@dataclass(frozen=True)
class EventFilter:
    item: str = ""
    actor: str = ""
    action: str = ""

    @property
    def empty(self) -> bool:
        return not (self.item or self.actor or self.action)


@dataclass
class EventRow:
    seq: int
    at: str
    actor: str
    role: str
    action: str
    item: str
    details: dict[str, Any]
    hash: str


class EventIndex:
    """Row number -> ledger seq for a filter. The unfiltered ledger of a healthy case is seq
    1..N without gaps, so no list is built for it (1,000,000 events open instantly)."""

    def __init__(self, case: Case, flt: EventFilter = EventFilter()) -> None:
        case.require(Permission.READ)
        self._seqs: array[int] | None = None
        self._first = 0
        if flt.empty:
            lo, hi, n = case.conn.execute("SELECT min(seq), max(seq), count(*) FROM ledger").fetchone()
            n = int(n)
            if n and int(hi) - int(lo) + 1 == n:
                self._first, self._count = int(lo), n
                return
            if not n:
                self._count = 0
                return
        where: list[str] = []
        args: list[Any] = []
        for col, val in (("item", flt.item), ("actor", flt.actor), ("action", flt.action)):
            if val:
                where.append(f"{col} = ?")
                args.append(val)
        # fixed column names, bound values
        sql = "SELECT seq FROM ledger" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq"  # noqa: S608
        seqs = array("q")
        cur = case.conn.execute(sql, args)
        while True:
            rows = cur.fetchmany(20000)
            if not rows:
                break
            seqs.extend(r[0] for r in rows)
        self._seqs = seqs
        self._count = len(seqs)

    def __len__(self) -> int:
        return self._count

    def seq(self, row: int) -> int:
        return self._seqs[row] if self._seqs is not None else self._first + row

    def row_of(self, seq: int) -> int:
        """The row showing event `seq`, or -1."""
        if self._seqs is None:
            row = seq - self._first
            return row if 0 <= row < self._count else -1
        row = bisect.bisect_left(self._seqs, seq)
        return row if row < self._count and self._seqs[row] == seq else -1

    def seqs(self, start: int, stop: int) -> list[int]:
        stop = min(stop, self._count)
        if self._seqs is not None:
            return list(self._seqs[start:stop])
        return list(range(self._first + start, self._first + stop))


def event_rows(case: Case, seqs: list[int]) -> dict[int, EventRow]:
    case.require(Permission.READ)
    if not seqs:
        return {}
    out: dict[int, EventRow] = {}
    if seqs == list(range(seqs[0], seqs[0] + len(seqs))):
        cur = case.conn.execute("SELECT seq, at, actor, role, action, item, details, hash FROM ledger "
                                "WHERE seq BETWEEN ? AND ?", (seqs[0], seqs[-1]))
    else:
        marks = ",".join("?" * len(seqs))
        cur = case.conn.execute("SELECT seq, at, actor, role, action, item, details, hash FROM ledger "  # noqa: S608
                                f"WHERE seq IN ({marks})", seqs)
    for r in cur:
        try:
            details = json.loads(r[6])
        except ValueError:
            details = {"unreadable": r[6][:200]}
        out[int(r[0])] = EventRow(int(r[0]), r[1], r[2], r[3], r[4], r[5], details, r[7])
    return out


def event_actors(case: Case) -> list[str]:
    return [r[0] for r in case.conn.execute("SELECT name FROM users ORDER BY name")]


def event_actions(case: Case) -> list[str]:
    """The actions a filter offers: every action the ledger module defines (no scan of a
    ledger that may hold millions of events; there is no index on action)."""
    from . import ledger

    return sorted({v for k, v in vars(ledger).items() if k.isupper() and isinstance(v, str)
                   and v.replace("_", "").isalpha() and v.islower() and k != "GENESIS"})
