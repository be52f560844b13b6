"""The SQLCipher database of a case: opening with a raw key, WAL, migrations."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlcipher3 import dbapi2

from .errors import AuthenticationError, CaseBusyError, NewerSchemaError, StorageFullError

Connection = Any  # sqlcipher3's Connection; its stubs are not published
BUSY_TIMEOUT_MS = 15000


def migrations() -> list[tuple[str, str]]:
    """(name, sql) of every migration this version knows, in order. Feature migrations are
    independent files numbered by feature (0100 capture, 0200 export, …)."""
    folder = resources.files("evidence_kit.core").joinpath("migrations")
    found = sorted((p.name, p.read_text("utf-8")) for p in folder.iterdir()
                   if p.name.endswith(".sql"))
    return [(name.removesuffix(".sql"), sql) for name, sql in found]


def connect(path: Path, key: bytes, *, create: bool = False) -> Connection:
    """Open (or create) the database with a raw 256-bit key. A wrong key is reported as a
    wrong password: the key only ever comes from an unwrapped key slot."""
    if not create and not path.is_file():
        raise FileNotFoundError(path)
    conn = sqlcipher3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                              check_same_thread=True)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA cipher_memory_security = ON")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi2.DatabaseError:
        conn.close()
        raise AuthenticationError(
            "The case database could not be unlocked. / 사건 데이터베이스를 열 수 없습니다.") from None
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.row_factory = dbapi2.Row
    return conn


def applied_migrations(conn: Connection) -> list[str]:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'").fetchone()
    if not exists:
        return []
    return [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]


def migrate(conn: Connection) -> list[str]:
    """Apply missing migrations, each in its own transaction. Refuse a case that has one this
    version does not know (it was written by a newer Evidence Kit)."""
    known = migrations()
    known_names = {n for n, _ in known}
    done = applied_migrations(conn)
    unknown = [n for n in done if n not in known_names]
    if unknown:
        raise NewerSchemaError(
            "This case was written by a newer version of Evidence Kit (schema "
            f"{', '.join(unknown)}); update Evidence Kit to open it. / "
            "이 사건은 더 새로운 버전의 Evidence Kit으로 만들어졌습니다. 프로그램을 업데이트하세요.")
    applied: list[str] = []
    for name, sql in known:
        if name in done:
            continue
        with write_transaction(conn):
            if name in applied_migrations(conn):  # another process migrated meanwhile
                continue
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, "
                         "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))")
            for statement in split_sql(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations(name) VALUES (?)", (name,))
        applied.append(name)
    return applied


def split_sql(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows about triggers)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not current.strip():
            continue
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


@contextlib.contextmanager
def write_transaction(conn: Connection) -> Iterator[Connection]:
    """BEGIN IMMEDIATE: takes the write lock up front, so two processes never interleave
    their writes (and never fork the ledger). Waits up to BUSY_TIMEOUT_MS for the lock."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except dbapi2.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise CaseBusyError("Another program is writing to this case; try again in a moment. / "
                                "다른 프로그램이 이 사건에 쓰는 중입니다. 잠시 후 다시 시도하세요.") from None
        raise
    try:
        yield conn
    except BaseException as exc:
        with contextlib.suppress(Exception):
            conn.execute("ROLLBACK")
        if isinstance(exc, dbapi2.OperationalError) and "full" in str(exc):
            raise StorageFullError("The disk is full; the change was not saved. / "
                                   "디스크가 가득 차서 저장하지 못했습니다.") from None
        raise
    try:
        conn.execute("COMMIT")
    except dbapi2.OperationalError as exc:
        with contextlib.suppress(Exception):
            conn.execute("ROLLBACK")
        if "full" in str(exc):
            raise StorageFullError("The disk is full; the change was not saved. / "
                                   "디스크가 가득 차서 저장하지 못했습니다.") from None
        raise
