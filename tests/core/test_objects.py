"""Encrypted object store: round trips at every size and chunk boundary, and every kind of
tampering (flipped bit, truncation, reordering, extension, swapped header) detected."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_kit.core import objects
from evidence_kit.core.errors import IntegrityError, StorageFullError
from evidence_kit.core.objects import HEADER, TAG_BYTES, ObjectStore

SMALL_CHUNK = 64


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(objects, "CHUNK_SIZE", SMALL_CHUNK)
    return SMALL_CHUNK


def make_store(root: Path) -> ObjectStore:
    return ObjectStore(root, os.urandom(32))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=700),
                      st.integers(0, 6).map(lambda k: os.urandom(k * SMALL_CHUNK)),
                      st.integers(1, 6).map(lambda k: os.urandom(k * SMALL_CHUNK + 1))))
def test_round_trip_any_size(tmp_path_factory: pytest.TempPathFactory, small_chunks: int, data: bytes) -> None:
    store = make_store(tmp_path_factory.mktemp("store"))
    stored = store.put_bytes(data)
    assert stored.size == len(data)
    assert stored.hashes == {"sha256": hashlib.sha256(data).hexdigest(), "md5": hashlib.md5(data).hexdigest(),
                             "sha1": hashlib.sha1(data).hexdigest()}
    assert store.read_all(stored.name) == data
    assert stored.name != stored.sha256  # never named by the bare hash
    raw = store.path_for(stored.name).read_bytes()
    if len(data) >= 16:
        assert data[:16] not in raw  # encrypted at rest


def _chunks(raw: bytes, chunk: int) -> tuple[bytes, list[bytes]]:
    header, body = raw[:HEADER.size], raw[HEADER.size:]
    block = chunk + TAG_BYTES
    return header, [body[i:i + block] for i in range(0, len(body), block)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n_chunks=st.integers(2, 6), tail=st.integers(0, SMALL_CHUNK - 1), how=st.sampled_from(
    ["truncate_chunk", "truncate_bytes", "swap", "drop_middle", "append_copy", "flip", "header"]),
    where=st.integers(0, 10_000))
def test_tampering_is_detected(tmp_path_factory: pytest.TempPathFactory, small_chunks: int, n_chunks: int,
                               tail: int, how: str, where: int) -> None:
    store = make_store(tmp_path_factory.mktemp("store"))
    data = os.urandom(n_chunks * SMALL_CHUNK + tail)
    stored = store.put_bytes(data)
    path = store.path_for(stored.name)
    header, chunks = _chunks(path.read_bytes(), SMALL_CHUNK)
    if how == "truncate_chunk":
        chunks = chunks[:-1]
    elif how == "truncate_bytes":
        chunks[-1] = chunks[-1][:-1 - where % max(1, len(chunks[-1]) - 1)]
    elif how == "swap":
        i = where % (len(chunks) - 1)
        chunks[i], chunks[i + 1] = chunks[i + 1], chunks[i]
    elif how == "drop_middle":
        del chunks[where % (len(chunks) - 1)]
    elif how == "append_copy":
        chunks.append(chunks[0])
    elif how == "flip":
        body = bytearray(b"".join(chunks))
        body[where % len(body)] ^= 0x01
        chunks = [bytes(body)]
    elif how == "header":
        h = bytearray(header)
        h[6 + 4 + (where % 16)] ^= 0x80  # the salt: another key
        header = bytes(h)
    path.write_bytes(header + b"".join(chunks))
    with pytest.raises(IntegrityError):
        store.read_all(stored.name)


def test_same_bytes_stored_once(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    a = store.put_bytes(b"same evidence")
    b = store.put_bytes(b"same evidence")
    assert a.name == b.name and a.created and not b.created
    assert len(list(store.all_names())) == 1
    assert list((tmp_path / "tmp").iterdir()) == []


def test_names_depend_on_the_case_key(tmp_path: Path) -> None:
    a = make_store(tmp_path / "a").put_bytes(b"known file")
    b = make_store(tmp_path / "b").put_bytes(b"known file")
    assert a.sha256 == b.sha256 and a.name != b.name


def test_missing_object_is_named(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    with pytest.raises(IntegrityError, match="missing"):
        store.read_all("ab" * 32)


def test_disk_full_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    store = make_store(tmp_path)
    written = 0
    real_write_all = objects._write_all

    def filling_up(fd: int, data: memoryview | bytes) -> None:
        nonlocal written
        written += len(data)
        if written > 3 << 20:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write_all(fd, data)

    monkeypatch.setattr(objects, "_write_all", filling_up)
    with pytest.raises(StorageFullError):
        store.put_bytes(os.urandom(16 << 20))
    assert list(store.all_names()) == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_cancel_leaves_nothing(tmp_path: Path) -> None:
    from evidence_kit.core.errors import CancelledError
    from evidence_kit.core.progress import CancelToken

    store = make_store(tmp_path)
    token = CancelToken()

    def progress(done: int, total: int, msg: str) -> None:
        if done >= 2 << 20:
            token.cancel()

    with pytest.raises(CancelledError):
        store.put_stream(io.BytesIO(os.urandom(6 << 20)), progress=progress, cancel=token)
    assert list(store.all_names()) == []
    assert list((tmp_path / "tmp").iterdir()) == []
