"""The case store: one folder per case, opened by a user with a password.

    NAME.ekcase/
      keyslots.json   per-user wrapped case master key and signing key
      case.db         SQLCipher 4 database (items, artifacts, users, custody ledger, …)
      objects/        encrypted, content-addressed evidence bytes (see objects.py)
      tmp/            objects being written (encrypted); removed on success or failure
      ledger-head.json  the newest ledger event seen, signed: detects a truncated ledger
      case.lock       advisory lock between writers and `check --clear`

A Case object owns one database connection and must be used from the thread that opened it;
call clone() to get another handle (no password needed) for a worker thread.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import platform
import shutil
import socket
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from .. import __version__
from . import crypto, db, keyslots, ledger
from .errors import (
    AuthenticationError,
    CaseExistsError,
    EvidenceKitError,
    InputError,
    IntegrityError,
    NotACaseError,
    NotFoundError,
    StorageFullError,
)
from .filetypes import is_image, sniff_mime
from .logs import get_logger
from .objects import ObjectStore, StoredObject
from .progress import CancelToken, ProgressCallback
from .roles import Permission, Role, parse_role, require

_log = get_logger("case")
DB_FILE = "case.db"
HEAD_FILE = "ledger-head.json"
LOCK_FILE = "case.lock"
TOOL = f"Evidence Kit {__version__}"

try:  # POSIX advisory locks; on Windows, orphan clearing falls back to an age check
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


# -- records --------------------------------------------------------------------------------
@dataclass(frozen=True)
class User:
    name: str
    full_name: str
    badge: str
    role: Role
    public_key: str
    created_at: str
    added_by: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "full_name": self.full_name, "badge": self.badge,
                "role": str(self.role), "public_key": self.public_key, "created_at": self.created_at,
                "added_by": self.added_by}


@dataclass(frozen=True)
class CaseInfo:
    case_id: str
    number: str
    title: str
    offence: str
    agency: str
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Artifact:
    id: int
    item_id: int
    role: str
    name: str
    mime: str
    size: int
    sha256: str
    md5: str
    sha1: str
    object: str
    metadata: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k not in ("object", "item_id")}
        return d


@dataclass
class Item:
    id: int
    exhibit: str
    kind: str
    title: str
    source: str
    platform: str
    captured_at: str
    collector: str
    acquisition: dict[str, Any]
    metadata: dict[str, Any]
    notes: str
    sensitive: bool
    tags: list[str] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)

    @property
    def original(self) -> Artifact | None:
        for a in self.artifacts:
            if a.role == "original":
                return a
        return self.artifacts[0] if self.artifacts else None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "exhibit": self.exhibit, "kind": self.kind, "title": self.title,
                "source": self.source, "platform": self.platform, "captured_at": self.captured_at,
                "collector": self.collector, "acquisition": self.acquisition,
                "metadata": self.metadata, "notes": self.notes, "sensitive": self.sensitive,
                "tags": self.tags, "artifacts": [a.to_json() for a in self.artifacts]}


@dataclass
class Problem:
    """One thing that failed verification, named as precisely as possible."""

    kind: str  # "ledger", "item", "artifact", "object", "user", "timestamp"
    message: str
    seq: int | None = None
    exhibit: str | None = None
    artifact: str | None = None

    def __str__(self) -> str:
        where = []
        if self.seq is not None:
            where.append(f"event #{self.seq}")
        if self.exhibit:
            where.append(self.exhibit)
        if self.artifact:
            where.append(self.artifact)
        return (" / ".join(where) + ": " if where else "") + self.message

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "seq": self.seq,
                "exhibit": self.exhibit, "artifact": self.artifact, "text": str(self)}


@dataclass
class VerifyReport:
    events: int = 0
    items: int = 0
    artifacts: int = 0
    objects: int = 0
    bytes_checked: int = 0
    head: str = ledger.GENESIS
    problems: list[Problem] = field(default_factory=list)
    checked_at: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "items": self.items, "artifacts": self.artifacts,
                "objects": self.objects, "bytes_checked": self.bytes_checked, "ledger_head": self.head,
                "checked_at": self.checked_at, "problems": [p.to_json() for p in self.problems]}


@dataclass
class IngestFailure:
    path: str
    message: str


@dataclass
class IngestResult:
    items: list[Item] = field(default_factory=list)
    failures: list[IngestFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class CheckReport:
    orphans: list[str] = field(default_factory=list)
    temp_files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # objects referenced but absent
    cleared: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"orphans": len(self.orphans), "temp_files": len(self.temp_files),
                "missing": self.missing, "cleared": self.cleared}


# -- helpers --------------------------------------------------------------------------------
def _now() -> str:
    return ledger.utc_now_ms()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def local_zone() -> dict[str, Any]:
    now = datetime.now().astimezone()
    offset = now.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return {"name": now.tzname() or "", "utc_offset_minutes": minutes}


def _fs_time(ts: float) -> str:
    return ledger.iso_utc(datetime.fromtimestamp(ts, UTC))


class _CaseLock:
    """Shared while writing objects, exclusive to clear orphans (so a concurrent writer's
    not-yet-committed objects are never mistaken for orphans)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        with open(self.path, "a+b") as f:
            fcntl.flock(f, fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def exclusive_nowait(self) -> Iterator[bool]:
        if fcntl is None:
            yield True
            return
        with open(self.path, "a+b") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


# -- the case -------------------------------------------------------------------------------
class Case:
    def __init__(self, path: Path, conn: db.Connection, unlocked: keyslots.Unlocked, user: User) -> None:
        self.path = path
        self._conn = conn
        self._cmk = unlocked.cmk
        self._unlocked = unlocked
        self._signing_key = unlocked.signing_key
        self.user = user
        self.objects = ObjectStore(path, unlocked.cmk)
        self._lock = _CaseLock(path / LOCK_FILE)
        self.info = self._load_info()

    # ---- opening and creating ----
    @classmethod
    def create(cls, path: Path | str, *, number: str, title: str, user: str, password: str,
               full_name: str = "", badge: str = "", offence: str = "", agency: str = "") -> Case:
        """Create a new case; its creator is a case officer. Built in a sibling folder and
        renamed into place, so a failure never leaves a half-made case."""
        path = Path(path).absolute()
        number, title, user = number.strip(), title.strip(), user.strip()
        _validate_user_name(user)
        if not number:
            raise InputError("A case number is required. / 사건 번호가 필요합니다.")
        if not title:
            raise InputError("A case title is required. / 사건 제목이 필요합니다.")
        if "/" in number or "\\" in number or len(number) > 64:
            raise InputError("The case number may not contain slashes and must be at most 64 characters.")
        _validate_password(password)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise CaseExistsError(f"{path} already exists and is not empty. / 이미 존재하는 경로입니다.")
        if not path.parent.is_dir():
            raise InputError(f"The folder {path.parent} does not exist. / 상위 폴더가 없습니다.")
        staging = path.parent / f".{path.name}.creating-{os.getpid()}"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(mode=0o700)
        try:
            (staging / "objects").mkdir(mode=0o700)
            (staging / "tmp").mkdir(mode=0o700)
            case_id = keyslots.new_case_id()
            cmk = crypto.random_bytes(crypto.KEY_BYTES)
            signing_key = crypto.SigningKey.generate()
            slots = keyslots.new_file(case_id)
            keyslots.replace_slot(slots, keyslots.make_slot(case_id, user, password, cmk, signing_key))
            keyslots.write(staging, slots)
            conn = db.connect(staging / DB_FILE, crypto.hkdf(cmk, crypto.LABEL_DATABASE), create=True)
            try:
                db.migrate(conn)
                created = _now()
                creator = User(user, full_name.strip(), badge.strip(), Role.CASE_OFFICER,
                               signing_key.public_hex(), created, "")
                with db.write_transaction(conn):
                    meta = {"case_id": case_id, "number": number, "title": title.strip(),
                            "offence": offence.strip(), "agency": agency.strip(), "created_at": created}
                    conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", list(meta.items()))
                    _insert_user(conn, creator)
                    _append_event(conn, signing_key, creator, ledger.CASE_CREATED, "",
                                  {**meta, "creator": creator.to_json(), "tool": TOOL})
            finally:
                conn.close()
            if path.exists():
                path.rmdir()
            os.replace(staging, path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        case = cls.open(path, user=user, password=password)
        case._write_head()
        return case

    @classmethod
    def open(cls, path: Path | str, *, user: str, password: str) -> Case:
        path = Path(path).absolute()
        if not path.is_dir():
            raise NotACaseError(f"{path} is not an Evidence Kit case (no such folder). / 사건 폴더가 없습니다.")
        slots = keyslots.read(path)
        if not (path / DB_FILE).is_file():
            raise NotACaseError(f"{path} is not an Evidence Kit case (no {DB_FILE}).")
        try:
            unlocked = keyslots.unlock(slots, user, password)
        except AuthenticationError:
            _log.warning("unlock refused (wrong user name or password)")
            raise
        case = cls._open_unlocked(path, user, unlocked)
        _log.info("case %s opened by %s (%s)", case.info.number, user, case.user.role)
        return case

    @staticmethod
    def unlock_keys(path: Path | str, *, user: str, password: str) -> keyslots.Unlocked:
        """The slow half of open() (Argon2), safe on any thread; finish with open_unlocked() on
        the thread that will use the case (the GUI unlocks without freezing its window)."""
        path = Path(path).absolute()
        if not path.is_dir():
            raise NotACaseError(f"{path} is not an Evidence Kit case (no such folder). / 사건 폴더가 없습니다.")
        slots = keyslots.read(path)
        if not (path / DB_FILE).is_file():
            raise NotACaseError(f"{path} is not an Evidence Kit case (no {DB_FILE}).")
        return keyslots.unlock(slots, user, password)

    @classmethod
    def open_unlocked(cls, path: Path | str, *, user: str, unlocked: keyslots.Unlocked) -> Case:
        return cls._open_unlocked(Path(path).absolute(), user, unlocked)

    @classmethod
    def _open_unlocked(cls, path: Path, user: str, unlocked: keyslots.Unlocked) -> Case:
        conn = db.connect(path / DB_FILE, crypto.hkdf(unlocked.cmk, crypto.LABEL_DATABASE))
        try:
            db.migrate(conn)
            row = conn.execute("SELECT * FROM users WHERE name = ?", (user,)).fetchone()
            if row is None:
                raise AuthenticationError("Wrong user name or password. / 사용자 이름 또는 비밀번호가 틀렸습니다.")
            record = _user_from_row(row)
            if record.public_key != unlocked.signing_key.public_hex():
                raise IntegrityError(f"The signing key of {user!r} does not match the case's record; "
                                     "keyslots.json may have been tampered with.")
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, unlocked, record)

    def clone(self) -> Case:
        """Another handle on the same case (own DB connection) for use in another thread."""
        return Case._open_unlocked(self.path, self.user.name, self._unlocked)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.close()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def conn(self) -> db.Connection:
        """The database connection, for feature modules in core (requests, telegram, …)."""
        return self._conn

    @property
    def role(self) -> Role:
        return self.user.role

    def require(self, permission: Permission) -> None:
        require(self.user.role, permission)

    def _load_info(self) -> CaseInfo:
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        return CaseInfo(meta.get("case_id", ""), meta.get("number", ""), meta.get("title", ""),
                        meta.get("offence", ""), meta.get("agency", ""), meta.get("created_at", ""))

    # ---- settings (case-wide, each change logged) ----
    def setting(self, key: str, default: str = "") -> str:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (f"setting:{key}",)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        self.require(Permission.SETTINGS)
        with db.write_transaction(self._conn):
            self._conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                               "SET value = excluded.value", (f"setting:{key}", value))
            self._event(ledger.SETTING_CHANGED, "", {"key": key, "value": value})
        self._write_head()

    def hash_algorithms(self) -> tuple[str, ...]:
        """SHA-256 always; MD5 and SHA-1 too unless the case turned them off (setting
        `legacy_hashes` = "0"), for hash-set interop and Korean practice."""
        if self.setting("legacy_hashes", "1") == "0":
            return ("sha256",)
        return ("sha256", "md5", "sha1")

    # ---- users ----
    def add_user(self, name: str, password: str, role: Role | str, *, full_name: str = "",
                 badge: str = "") -> User:
        self.require(Permission.MANAGE_USERS)
        name = name.strip()
        _validate_user_name(name)
        _validate_password(password)
        role = parse_role(str(role))
        if self._conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise InputError(f"User {name!r} already exists in this case. / 이미 있는 사용자입니다.")
        signing_key = crypto.SigningKey.generate()
        user = User(name, full_name.strip(), badge.strip(), role, signing_key.public_hex(), _now(),
                    self.user.name)
        # Key slot first: if the database write then fails, a slot without a user opens nothing.
        slots = keyslots.read(self.path)
        keyslots.replace_slot(slots, keyslots.make_slot(self.info.case_id, name, password, self._cmk,
                                                        signing_key))
        keyslots.write(self.path, slots)
        try:
            with db.write_transaction(self._conn):
                _insert_user(self._conn, user)
                self._event(ledger.USER_ADDED, "", {"user": user.to_json()})
        except BaseException:
            slots = keyslots.read(self.path)
            keyslots.remove_slot(slots, name)
            keyslots.write(self.path, slots)
            raise
        self._write_head()
        return user

    def users(self) -> list[User]:
        self.require(Permission.READ)
        return [_user_from_row(r) for r in self._conn.execute("SELECT * FROM users ORDER BY created_at, name")]

    def public_keys(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self._conn.execute("SELECT name, public_key FROM users")}

    # ---- ledger ----
    def _event(self, action: str, item: str, details: dict[str, Any]) -> ledger.Event:
        """Append an event; the caller holds a write transaction."""
        return _append_event(self._conn, self._signing_key, self.user, action, item, details)

    def record_event(self, action: str, item: str = "", details: dict[str, Any] | None = None,
                     permission: Permission = Permission.READ) -> ledger.Event:
        """Append one event in its own transaction (for actions that change nothing else)."""
        self.require(permission)
        with db.write_transaction(self._conn):
            ev = self._event(action, item, details or {})
        self._write_head()
        return ev

    @contextlib.contextmanager
    def transaction(self, permission: Permission) -> Iterator[Callable[[str, str, dict[str, Any]], ledger.Event]]:
        """A write transaction for feature modules: yields `event(action, item, details)`; the
        rows they write and the events they append commit together or not at all."""
        self.require(permission)
        with db.write_transaction(self._conn):
            yield self._event
        self._write_head()

    def events(self, *, item: str | None = None, actor: str | None = None, action: str | None = None,
               since_seq: int = 0, limit: int | None = None) -> list[ledger.Event]:
        self.require(Permission.READ)
        return list(self.iter_events(item=item, actor=actor, action=action, since_seq=since_seq, limit=limit))

    def iter_events(self, *, item: str | None = None, actor: str | None = None,
                    action: str | None = None, since_seq: int = 0,
                    limit: int | None = None) -> Iterator[ledger.Event]:
        sql = "SELECT * FROM ledger WHERE seq > ?"
        args: list[Any] = [since_seq]
        for col, val in (("item", item), ("actor", actor), ("action", action)):
            if val is not None:
                sql += f" AND {col} = ?"
                args.append(val)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        for row in self._conn.execute(sql, args):
            yield ledger.Event.from_row(row)

    def sign(self, message: bytes) -> str:
        """This user's Ed25519 signature over `message`, hex-encoded (e.g. an export manifest's digest)."""
        return self._signing_key.sign(message).hex()

    def ledger_head(self) -> tuple[int, str]:
        row = self._conn.execute("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), row[1]) if row else (0, ledger.GENESIS)

    def _write_head(self) -> None:
        """Keep ledger-head.json at the newest event: if rows are later cut off the end of the
        ledger, verification sees the head is missing. Best effort; a lagging head is harmless."""
        seq, head = self.ledger_head()
        path = self.path / HEAD_FILE
        with contextlib.suppress(OSError, ValueError):
            try:
                current = json.loads(path.read_text("utf-8"))
                if int(current.get("seq", 0)) >= seq:
                    return
            except (FileNotFoundError, json.JSONDecodeError):
                pass
            body = {"seq": seq, "hash": head, "actor": self.user.name}
            body["sig"] = self._signing_key.sign(ledger.canonical_json(body)).hex()
            tmp = path.with_name(f".{HEAD_FILE}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(body), "utf-8")
            os.replace(tmp, path)

    # ---- items ----
    def new_item(self, kind: str, *, source: str = "", title: str = "", action: str = ledger.IMPORTED,
                 platform: str = "", sensitive: bool = True) -> ItemDraft:
        self.require(Permission.CAPTURE)
        return ItemDraft(self, kind=kind, source=source, title=title, action=action, platform=platform,
                         sensitive=sensitive)

    def acquisition_record(self) -> dict[str, Any]:
        """Who captured, where, with what: the fixed part of every item's acquisition record."""
        return {
            "collector": {"user": self.user.name, "name": self.user.full_name, "badge": self.user.badge},
            "role": str(self.user.role),
            "workstation": socket.gethostname(),
            "os_user": _os_user(),
            "os": platform.platform(),
            "tool": TOOL,
            "python": platform.python_version(),
            "local_zone": local_zone(),
        }

    def item_count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM items").fetchone()[0])

    def items(self, *, offset: int = 0, limit: int | None = None, with_artifacts: bool = True) -> list[Item]:
        self.require(Permission.READ)
        sql = "SELECT * FROM items ORDER BY id"
        args: list[Any] = []
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args = [limit, offset]
        rows = self._conn.execute(sql, args).fetchall()
        items = [_item_from_row(r) for r in rows]
        if items:
            self._attach(items, with_artifacts)
        return items

    def _attach(self, items: list[Item], with_artifacts: bool) -> None:
        by_id = {it.id: it for it in items}
        lo, hi = min(by_id), max(by_id)
        for r in self._conn.execute("SELECT item_id, tag FROM item_tags WHERE item_id BETWEEN ? AND ? "
                                    "ORDER BY tag", (lo, hi)):
            if r[0] in by_id:
                by_id[r[0]].tags.append(r[1])
        if with_artifacts:
            for r in self._conn.execute("SELECT * FROM artifacts WHERE item_id BETWEEN ? AND ? ORDER BY id",
                                        (lo, hi)):
                if r["item_id"] in by_id:
                    by_id[r["item_id"]].artifacts.append(_artifact_from_row(r))

    def item(self, ref: str | int) -> Item:
        """An item by exhibit number (full, or the short `E0001` form) or database id."""
        self.require(Permission.READ)
        row = None
        text = str(ref).strip()
        if isinstance(ref, int) or text.isdigit():
            row = self._conn.execute("SELECT * FROM items WHERE id = ?", (int(text),)).fetchone()
        if row is None:
            row = self._conn.execute("SELECT * FROM items WHERE exhibit = ?", (text,)).fetchone()
        if row is None and text.upper().startswith("E"):
            row = self._conn.execute("SELECT * FROM items WHERE exhibit = ?",
                                     (f"{self.info.number}-{text.upper()}",)).fetchone()
        if row is None:
            raise NotFoundError(f"No item {text!r} in this case. / 해당 증거물이 없습니다.")
        item = _item_from_row(row)
        self._attach([item], True)
        return item

    def artifact(self, artifact_id: int) -> Artifact:
        row = self._conn.execute("SELECT * FROM artifacts WHERE id = ?", (artifact_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"No artifact {artifact_id}.")
        return _artifact_from_row(row)

    def find_by_sha256(self, sha256: str) -> list[Artifact]:
        return [_artifact_from_row(r) for r in
                self._conn.execute("SELECT * FROM artifacts WHERE sha256 = ?", (sha256.lower(),))]

    def open_artifact(self, artifact: Artifact) -> BinaryIO:
        """Decrypted, authenticated bytes of an artifact (read access; not logged: callers that
        show media log views and reveals themselves)."""
        self.require(Permission.READ)
        return self.objects.open_reader(artifact.object)  # type: ignore[return-value]

    def read_artifact(self, artifact: Artifact, max_bytes: int = 256 << 20) -> bytes:
        if artifact.size > max_bytes:
            raise InputError(f"{artifact.name} is too large to load into memory.")
        return self.objects.read_all(artifact.object)

    # ---- notes, tags, views ----
    def set_notes(self, ref: str, notes: str) -> None:
        self.require(Permission.ANNOTATE)
        item = self.item(ref)
        with db.write_transaction(self._conn):
            self._conn.execute("UPDATE items SET notes = ? WHERE id = ?", (notes, item.id))
            self._event(ledger.ANNOTATED, item.exhibit, {"notes": notes})
        self._write_head()

    def set_tags(self, ref: str, tags: Iterable[str]) -> None:
        self.require(Permission.ANNOTATE)
        item = self.item(ref)
        new = sorted({t.strip() for t in tags if t.strip()})
        with db.write_transaction(self._conn):
            self._conn.execute("DELETE FROM item_tags WHERE item_id = ?", (item.id,))
            self._conn.executemany("INSERT INTO item_tags(item_id, tag) VALUES (?, ?)",
                                   [(item.id, t) for t in new])
            self._event(ledger.TAGGED, item.exhibit, {"tags": new, "previous": item.tags})
        self._write_head()

    def record_view(self, ref: str, *, revealed: bool, artifact: str = "") -> ledger.Event:
        """Log that media was looked at; `revealed` means shown unblurred."""
        item = self.item(ref)
        return self.record_event(ledger.REVEALED if revealed else ledger.VIEWED, item.exhibit,
                                 {"artifact": artifact},
                                 permission=Permission.REVEAL if revealed else Permission.READ)

    # ---- extraction ----
    def extract(self, ref: str, dest: Path | str, *, progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None) -> list[Path]:
        """Write decrypted copies of an item's artifacts into `dest` (a folder; created), each
        checked against its SHA-256 while written. Logged with destination and hashes."""
        self.require(Permission.EXTRACT)
        item = self.item(ref)
        dest = Path(dest).absolute()
        if dest.exists() and not dest.is_dir():
            raise InputError(f"{dest} exists and is not a folder. / 대상이 폴더가 아닙니다.")
        dest.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        total = sum(a.size for a in item.artifacts)
        done = 0
        import hashlib

        for art in item.artifacts:
            target = dest / _safe_file_name(art.name if len(item.artifacts) == 1 else f"{art.role}-{art.name}")
            if target.exists():
                raise InputError(f"{target} already exists; choose an empty folder. / 이미 파일이 있습니다.")
            part = target.with_name(target.name + ".part")
            h = hashlib.sha256()
            try:
                with open(part, "xb") as out:
                    for chunk in self.objects.iter_chunks(art.object):
                        if cancel is not None:
                            cancel.raise_if_cancelled()
                        h.update(chunk)
                        out.write(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total, art.name)
                if h.hexdigest() != art.sha256:
                    raise IntegrityError(f"{item.exhibit} / {art.name}: the stored bytes do not match "
                                         "the recorded SHA-256.")
                os.replace(part, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    part.unlink()
                raise
            written.append(target)
        self.record_event(ledger.EXTRACTED, item.exhibit,
                          {"destination": str(dest),
                           "files": [{"name": p.name, "sha256": a.sha256}
                                     for p, a in zip(written, item.artifacts, strict=True)]},
                          permission=Permission.EXTRACT)
        return written

    # ---- file ingest ----
    def ingest(self, paths: Iterable[Path | str], *, note: str = "", tags: Iterable[str] = (),
               progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
               on_item: Callable[[Item], None] | None = None) -> IngestResult:
        """Ingest files and folders (recursively). Each file becomes one item; a file that cannot
        be read is reported and skipped, the others go on. Cancel stops before the next file
        and discards the one in progress."""
        self.require(Permission.CAPTURE)
        files, failures = _collect_files(paths)
        result = IngestResult(failures=failures)
        total = 0
        for f in files:
            with contextlib.suppress(OSError):
                total += f.stat().st_size
        done_before = 0
        tag_list = list(tags)
        for f in files:
            if cancel is not None:
                cancel.raise_if_cancelled()

            def file_progress(done: int, _total: int, _msg: str, base: int = done_before,
                              name: str = f.name) -> None:
                if progress is not None:
                    progress(base + done, total, name)

            try:
                item = self._ingest_file(f, note=note, tags=tag_list, progress=file_progress, cancel=cancel)
            except StorageFullError as exc:
                # Every later file would fail too: report them as not ingested and stop.
                result.failures.append(IngestFailure(str(f), exc.message))
                rest = files[files.index(f) + 1:]
                result.failures += [IngestFailure(str(r), "not ingested: the disk is full / 디스크 공간 부족")
                                    for r in rest]
                break
            except (OSError, InputError) as exc:
                msg = exc.message if isinstance(exc, EvidenceKitError) else (exc.strerror or str(exc))
                result.failures.append(IngestFailure(str(f), msg))
                continue
            result.items.append(item)
            if on_item:
                on_item(item)
            with contextlib.suppress(OSError):
                done_before += f.stat().st_size
        return result

    def _ingest_file(self, path: Path, *, note: str, tags: list[str], progress: ProgressCallback,
                     cancel: CancelToken | None) -> Item:
        draft = self.new_item("file", source=str(path), title=path.name, action=ledger.IMPORTED)
        with open(path, "rb") as f:
            before = os.fstat(f.fileno())
            if not stat.S_ISREG(before.st_mode):
                raise InputError(f"{path} is not a regular file.")
            head = f.read(8192)
            f.seek(0)
            mime = sniff_mime(head, path.name)
            stored = draft.add_stream(f, role="original", name=path.name, mime=mime, size_hint=before.st_size,
                                      progress=progress, cancel=cancel)
            after = os.fstat(f.fileno())
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or stored.size != before.st_size:
            raise InputError(f"{path} changed while it was being read; nothing was saved for it. / "
                             "읽는 동안 파일이 바뀌었습니다.")
        file_meta: dict[str, Any] = {
            "original_path": str(path), "size": before.st_size,
            "modified": _fs_time(before.st_mtime), "accessed": _fs_time(before.st_atime),
            "changed": _fs_time(before.st_ctime), "mode": oct(stat.S_IMODE(before.st_mode)),
        }
        birth = getattr(before, "st_birthtime", None)
        if birth:
            file_meta["created"] = _fs_time(birth)
        draft.metadata["file"] = file_meta
        if is_image(mime) or mime in ("image/tiff",):
            from .exif import read_exif_file

            exif = read_exif_file(path)
            if exif:
                draft.metadata["exif"] = exif
        draft.notes = note
        draft.tags = tags
        return draft.commit()

    # ---- verification ----
    def verify(self, *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
               record: bool = True, check_objects: bool = True) -> VerifyReport:
        """Check the ledger chain and signatures, that each item's artifacts are those its
        creation event recorded, and every object's bytes against every recorded hash."""
        self.require(Permission.VERIFY)
        from .verify import verify_case

        report = verify_case(self, progress=progress, cancel=cancel, check_objects=check_objects)
        _log.info("verification: ok=%s events=%d items=%d problems=%d", report.ok, report.events, report.items,
                  len(report.problems))
        if record:
            self.record_event(ledger.VERIFIED, "", {"ok": 1 if report.ok else 0,
                                                    "problems": len(report.problems),
                                                    "events": report.events, "items": report.items,
                                                    "ledger_head": report.head},
                              permission=Permission.VERIFY)
        return report

    # ---- maintenance ----
    def check(self, *, clear: bool = False) -> CheckReport:
        """Find objects no artifact refers to (left by a crash or a cancelled capture) and
        stale temporary files; with clear=True remove them, but only when no other process is
        writing to the case."""
        self.require(Permission.MAINTAIN)
        referenced = {r[0] for r in self._conn.execute("SELECT DISTINCT object FROM artifacts")}
        extra = _extra_object_refs(self._conn)
        referenced |= extra
        report = CheckReport()
        on_disk = set(self.objects.all_names())
        report.orphans = sorted(on_disk - referenced)
        report.missing = sorted(referenced - on_disk)
        if self.objects.tmp_dir.is_dir():
            report.temp_files = sorted(p.name for p in self.objects.tmp_dir.iterdir())
        if clear and (report.orphans or report.temp_files):
            with self._lock.exclusive_nowait() as got:
                if not got:
                    from .errors import CaseBusyError

                    raise CaseBusyError("Another program is writing to this case; run check again when it "
                                        "has finished. / 다른 프로그램이 사건에 쓰는 중입니다.")
                cutoff = time.time() - 3600
                for name in report.orphans:
                    path = self.objects.path_for(name)
                    if fcntl is None and path.stat().st_mtime > cutoff:
                        continue
                    self.objects.delete(name)
                for tmp_name in report.temp_files:
                    with contextlib.suppress(OSError):
                        (self.objects.tmp_dir / tmp_name).unlink()
            report.cleared = True
            self.record_event(ledger.CHECKED, "", {"orphans_removed": len(report.orphans),
                                                   "temp_files_removed": len(report.temp_files)},
                              permission=Permission.MAINTAIN)
        return report


def _extra_object_refs(conn: db.Connection) -> set[str]:
    """Objects referenced by feature tables (request drafts, timestamp tokens, …): any table with
    an `object` column counts, so feature migrations need not register themselves here."""
    refs: set[str] = set()
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for t in tables:
        if t == "artifacts":
            continue
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({t})")]
        if "object" in cols:
            refs |= {r[0] for r in conn.execute(f"SELECT DISTINCT object FROM {t} WHERE object IS NOT NULL "  # noqa: S608
                                                "AND object != ''")}
    return refs


# -- item drafts ----------------------------------------------------------------------------
@dataclass
class _PendingArtifact:
    role: str
    name: str
    mime: str
    stored: StoredObject
    metadata: dict[str, Any]


class ItemDraft:
    """An item being captured. Add artifacts (each stored encrypted at once), fill metadata,
    then commit(): the item, its artifacts and its ledger event are written in one transaction.
    Leaving a `with` block by an exception commits nothing.

    finalizers run inside the commit's transaction with the exhibit number just assigned (for
    artifacts that must show it, such as a screenshot banner).
    """

    def __init__(self, case: Case, *, kind: str, source: str, title: str, action: str, platform: str,
                 sensitive: bool) -> None:
        self.case = case
        self.kind = kind
        self.source = source
        self.title = title
        self.action = action
        self.platform = platform
        self.sensitive = sensitive
        self.started = datetime.now(UTC)
        self.acquisition: dict[str, Any] = case.acquisition_record()
        self.acquisition["started_utc"] = ledger.iso_utc(self.started)
        self.metadata: dict[str, Any] = {}
        self.details: dict[str, Any] = {}  # extra fields for the ledger event
        self.notes = ""
        self.tags: list[str] = []
        self.artifacts: list[_PendingArtifact] = []
        self.finalizers: list[Callable[[ItemDraft, str], None]] = []
        self.item: Item | None = None
        self.hook_failures: list[str] = []
        self.algorithms = case.hash_algorithms()

    def __enter__(self) -> ItemDraft:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None and self.item is None:
            self.commit()

    def add_stream(self, stream: BinaryIO, *, role: str, name: str, mime: str = "", size_hint: int = 0,
                   metadata: dict[str, Any] | None = None, progress: ProgressCallback | None = None,
                   cancel: CancelToken | None = None) -> StoredObject:
        if not mime:
            head = stream.read(8192) if stream.seekable() else b""
            if stream.seekable():
                stream.seek(0)
            mime = sniff_mime(head, name)
        with self.case._lock.shared():
            stored = self.case.objects.put_stream(stream, size_hint=size_hint, progress=progress,
                                                  cancel=cancel, progress_label=name,
                                                  algorithms=self.algorithms)
        self.artifacts.append(_PendingArtifact(role, _safe_file_name(name), mime, stored, metadata or {}))
        return stored

    def add_bytes(self, data: bytes, *, role: str, name: str, mime: str = "",
                  metadata: dict[str, Any] | None = None) -> StoredObject:
        import io

        return self.add_stream(io.BytesIO(data), role=role, name=name, mime=mime or sniff_mime(data[:8192], name),
                               size_hint=len(data), metadata=metadata)

    def add_file(self, path: Path | str, *, role: str, name: str = "", mime: str = "",
                 metadata: dict[str, Any] | None = None, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None) -> StoredObject:
        path = Path(path)
        with open(path, "rb") as f:
            return self.add_stream(f, role=role, name=name or path.name, mime=mime,
                                   size_hint=os.fstat(f.fileno()).st_size, metadata=metadata,
                                   progress=progress, cancel=cancel)

    def add_stored(self, stored: StoredObject, *, role: str, name: str, mime: str,
                   metadata: dict[str, Any] | None = None) -> StoredObject:
        """An object this case already holds (e.g. one export file shared by several items),
        added without reading its bytes again."""
        if not self.case.objects.exists(stored.name):
            raise InputError(f"{name}: the object is not in this case.")
        self.artifacts.append(_PendingArtifact(role, _safe_file_name(name), mime, stored, metadata or {}))
        return stored

    def commit(self) -> Item:
        if self.item is not None:
            return self.item
        case = self.case
        conn = case.conn
        with db.write_transaction(conn):
            n = int(conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]) + 1
            exhibit = f"{case.info.number}-E{n:04d}"
            for fn in self.finalizers:
                fn(self, exhibit)
            if not self.artifacts:
                raise InputError("Nothing was captured, so no item was created.")
            ended = datetime.now(UTC)
            self.acquisition["ended_utc"] = ledger.iso_utc(ended)
            captured_at = ledger.iso_utc(self.started)
            cur = conn.execute(
                "INSERT INTO items(id, exhibit, kind, title, source, platform, captured_at, collector, "
                "acquisition, metadata, notes, sensitive) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (n, exhibit, self.kind, self.title, self.source, self.platform, captured_at, case.user.name,
                 _json(self.acquisition), _json(self.metadata), self.notes, 1 if self.sensitive else 0))
            item_id = int(cur.lastrowid)
            for a in self.artifacts:
                conn.execute(
                    "INSERT INTO artifacts(item_id, role, name, mime, size, sha256, md5, sha1, object, metadata) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (item_id, a.role, a.name, a.mime, a.stored.size, a.stored.sha256,
                     a.stored.hashes.get("md5", ""), a.stored.hashes.get("sha1", ""), a.stored.name,
                     _json(a.metadata)))
            tags = sorted({t.strip() for t in self.tags if t.strip()})
            conn.executemany("INSERT INTO item_tags(item_id, tag) VALUES (?, ?)", [(item_id, t) for t in tags])
            details = {
                "kind": self.kind, "source": self.source, "title": self.title,
                "captured_at": captured_at, "ended_at": self.acquisition["ended_utc"],
                "artifacts": [artifact_digest_entry(a.role, a.name, a.stored.size, a.stored.hashes)
                              for a in self.artifacts],
                **_canonical_only(self.details),
            }
            if self.notes:
                details["notes"] = self.notes
            if tags:
                details["tags"] = tags
            case._event(self.action, exhibit, details)
        case._write_head()
        self.item = case.item(item_id)
        _log.info("item %s committed: kind=%s artifacts=%d", exhibit, self.kind, len(self.artifacts))
        from .hooks import run_item_committed

        self.hook_failures = run_item_committed(case, self.item)
        return self.item


def artifact_digest_entry(role: str, name: str, size: int, hashes: dict[str, str]) -> dict[str, Any]:
    """How an artifact is listed in its item's creation event (and checked by verification)."""
    return {"role": role, "name": _safe_file_name(name), "size": size, "sha256": hashes["sha256"],
            "md5": hashes.get("md5", ""), "sha1": hashes.get("sha1", "")}


def _canonical_only(value: Any) -> Any:
    """Make details fit the ledger's canonical form: floats to strings, booleans to 0/1."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _canonical_only(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_only(v) for v in value]
    return value


# -- module helpers -------------------------------------------------------------------------
def _append_event(conn: db.Connection, key: crypto.SigningKey, user: User, action: str, item: str,
                  details: dict[str, Any]) -> ledger.Event:
    details = _canonical_only(details)
    ledger.check_canonical(details)
    row = conn.execute("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (int(row[0]) + 1, row[1]) if row else (1, ledger.GENESIS)
    at = _now()
    body: dict[str, Any] = {"seq": seq, "at": at, "actor": user.name, "role": str(user.role), "action": action,
            "item": item, "details": details, "prev": prev}
    digest = ledger.event_hash(body)
    sig = key.sign(bytes.fromhex(digest)).hex()
    conn.execute("INSERT INTO ledger(seq, at, actor, role, action, item, details, prev, hash, sig) "
                 "VALUES (?,?,?,?,?,?,?,?,?,?)",
                 (seq, at, user.name, str(user.role), action, item,
                  ledger.canonical_json(details).decode("utf-8"), prev, digest, sig))
    return ledger.Event(seq, at, user.name, str(user.role), action, item, details, prev, digest, sig)


def _insert_user(conn: db.Connection, user: User) -> None:
    conn.execute("INSERT INTO users(name, full_name, badge, role, public_key, created_at, added_by) "
                 "VALUES (?,?,?,?,?,?,?)", (user.name, user.full_name, user.badge, str(user.role),
                                            user.public_key, user.created_at, user.added_by))


def _user_from_row(r: Any) -> User:
    return User(r["name"], r["full_name"], r["badge"], Role(r["role"]), r["public_key"], r["created_at"],
                r["added_by"])


def _item_from_row(r: Any) -> Item:
    return Item(int(r["id"]), r["exhibit"], r["kind"], r["title"], r["source"], r["platform"], r["captured_at"],
                r["collector"], json.loads(r["acquisition"]), json.loads(r["metadata"]), r["notes"],
                bool(r["sensitive"]))


def _artifact_from_row(r: Any) -> Artifact:
    return Artifact(int(r["id"]), int(r["item_id"]), r["role"], r["name"], r["mime"], int(r["size"]), r["sha256"],
                    r["md5"], r["sha1"], r["object"], json.loads(r["metadata"]))


def _validate_user_name(name: str) -> None:
    if not name or len(name) > 64 or any(c in name for c in "\n\r\t\0/\\"):
        raise InputError("A user name of 1 to 64 characters without slashes or control characters is required. / "
                         "사용자 이름이 올바르지 않습니다.")


MIN_PASSWORD = 8


def _validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"The password must be at least {MIN_PASSWORD} characters. / "
                         f"비밀번호는 {MIN_PASSWORD}자 이상이어야 합니다.")


def _safe_file_name(name: str) -> str:
    """A name that is safe as one path component on every OS (used in extract and bundles)."""
    name = name.replace("\\", "/").split("/")[-1]
    cleaned = "".join("_" if (ord(c) < 32 or c in '<>:"|?*') else c for c in name).strip(" .")
    if cleaned in ("", ".", ".."):
        cleaned = "file"
    return cleaned[:200]


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return ""


def _collect_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[IngestFailure]]:
    files: list[Path] = []
    failures: list[IngestFailure] = []
    for p in paths:
        path = Path(p).absolute()
        if path.is_symlink() and not path.exists():
            failures.append(IngestFailure(str(path), "broken symbolic link"))
        elif path.is_file():
            files.append(path)
        elif path.is_dir():
            for root, dirs, names in os.walk(path, followlinks=False):
                dirs.sort()
                for n in sorted(names):
                    fp = Path(root) / n
                    if fp.is_symlink():
                        continue  # a link may point outside the folder the user chose
                    if fp.is_file():
                        files.append(fp)
        elif not path.exists():
            failures.append(IngestFailure(str(path), "no such file or folder / 파일이나 폴더가 없습니다"))
        else:
            failures.append(IngestFailure(str(path), "not a regular file or folder"))
    return files, failures
