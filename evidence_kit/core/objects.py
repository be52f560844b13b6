"""Encrypted, chunked, content-addressed evidence objects.

File layout (all integers big-endian):

    header  = b"EKOBJ1" ‖ chunk_size (u32) ‖ salt (16) ‖ nonce_prefix (7)
    chunk_i = AES-256-GCM(key, nonce_prefix ‖ i (u32) ‖ last (u8), plaintext_i, aad=header)

key = HKDF-SHA256(CMK, salt, "evidence-kit/v1/object"). This is the STREAM construction: the
counter stops reordering, the last-chunk flag stops truncation at a chunk boundary, the tag
stops any other change. Every chunk but the last holds exactly chunk_size bytes; an empty
object is one empty last chunk.

Objects are named HMAC-SHA256(names key, SHA-256 of plaintext), so the disk never shows
which known files a case holds, and the same bytes are stored once.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import crypto
from .errors import IntegrityError, StorageFullError
from .hashing import DEFAULT_ALGORITHMS, MultiHasher
from .progress import CancelToken, ProgressCallback

MAGIC = b"EKOBJ1"
HEADER = struct.Struct(">6sI16s7s")
CHUNK_SIZE = 1 << 20
TAG_BYTES = 16
MAX_CHUNK_SIZE = 64 << 20
FLUSH_EVERY_CHUNKS = 32  # start write-back every 32 MiB


@dataclass(frozen=True)
class StoredObject:
    name: str
    size: int
    hashes: dict[str, str]  # sha256 always; md5, sha1 by default
    created: bool  # False when identical bytes were already stored

    @property
    def sha256(self) -> str:
        return self.hashes["sha256"]


class _BackgroundFlusher:
    """fdatasync()s a file being written from a side thread every few dozen MiB, so the disk
    writes overlap hashing and encryption instead of all waiting for the final fsync."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="object-flush", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            with contextlib.suppress(OSError):
                os.fdatasync(self._fd) if hasattr(os, "fdatasync") else os.fsync(self._fd)

    def kick(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        if not self._stopping:
            self._stopping = True
            self._wake.set()
            self._thread.join()


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ObjectStore:
    def __init__(self, root: Path, cmk: bytes) -> None:
        self.root = root
        self.objects_dir = root / "objects"
        self.tmp_dir = root / "tmp"
        self._cmk = cmk
        self._names_key = crypto.hkdf(cmk, crypto.LABEL_OBJECT_NAMES)

    # -- naming -------------------------------------------------------------------------
    def name_for(self, sha256_hex: str) -> str:
        return hmac.new(self._names_key, bytes.fromhex(sha256_hex), hashlib.sha256).hexdigest()

    def path_for(self, name: str) -> Path:
        if len(name) != 64 or any(c not in "0123456789abcdef" for c in name):
            raise IntegrityError(f"invalid object name {name!r}")
        return self.objects_dir / name[:2] / name

    def exists(self, name: str) -> bool:
        return self.path_for(name).is_file()

    def all_names(self) -> Iterator[str]:
        if not self.objects_dir.is_dir():
            return
        for sub in sorted(self.objects_dir.iterdir()):
            if sub.is_dir():
                for f in sorted(sub.iterdir()):
                    if f.is_file():
                        yield f.name

    def _key(self, salt: bytes) -> AESGCM:
        return AESGCM(crypto.hkdf(self._cmk, crypto.LABEL_OBJECT, salt=salt))

    # -- writing ------------------------------------------------------------------------
    def put_stream(self, source: BinaryIO, *, size_hint: int = 0,
                   algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS,
                   progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                   progress_label: str = "") -> StoredObject:
        """Encrypt and hash `source` in one pass; the object appears under its final name only
        when complete (write to tmp/, fsync, rename). Raises StorageFullError on a full disk and
        CancelledError when cancelled; in both cases nothing is left behind."""
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.objects_dir.mkdir(parents=True, exist_ok=True)
        salt, prefix = os.urandom(16), os.urandom(7)
        header = HEADER.pack(MAGIC, CHUNK_SIZE, salt, prefix)
        aead = self._key(salt)
        hasher = MultiHasher(algorithms)
        tmp_path = self.tmp_dir / f"put-{os.getpid()}-{os.urandom(8).hex()}.part"
        total = 0
        flusher: _BackgroundFlusher | None = None
        try:
            with open(tmp_path, "xb") as out:
                out.write(header)
                flusher = _BackgroundFlusher(out.fileno())
                counter = 0
                current = source.read(CHUNK_SIZE)
                while True:
                    if cancel is not None:
                        cancel.raise_if_cancelled()
                    nxt = source.read(CHUNK_SIZE) if len(current) == CHUNK_SIZE else b""
                    last = not nxt
                    hasher.update(current)
                    out.write(aead.encrypt(_nonce(prefix, counter, last), current, header))
                    total += len(current)
                    counter += 1
                    if counter % FLUSH_EVERY_CHUNKS == 0:
                        out.flush()
                        flusher.kick()
                    if progress is not None:
                        progress(total, size_hint, progress_label)
                    if last:
                        break
                    current = nxt
                out.flush()
                flusher.stop()
                os.fsync(out.fileno())
            hashes = hasher.hexdigests()
            name = self.name_for(hashes["sha256"])
            final = self.path_for(name)
            if final.exists():
                tmp_path.unlink()
                return StoredObject(name, total, hashes, created=False)
            final.parent.mkdir(exist_ok=True)
            os.replace(tmp_path, final)
            _fsync_dir(final.parent)
            return StoredObject(name, total, hashes, created=True)
        except OSError as exc:
            hasher.close()
            if flusher is not None:
                flusher.stop()
            with contextlib.suppress(OSError):
                tmp_path.unlink()
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFullError(
                    "The disk is full; nothing was saved. Free some space and try again. / "
                    "디스크가 가득 찼습니다. 저장된 것이 없습니다.") from None
            raise
        except BaseException:
            hasher.close()
            if flusher is not None:
                flusher.stop()
            with contextlib.suppress(OSError):
                tmp_path.unlink()
            raise

    def put_bytes(self, data: bytes, algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS) -> StoredObject:
        import io

        return self.put_stream(io.BytesIO(data), size_hint=len(data), algorithms=algorithms)

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_for(name).unlink()

    # -- reading ------------------------------------------------------------------------
    def iter_chunks(self, name: str) -> Iterator[bytes]:
        """Plaintext chunks, each authenticated before it is yielded. IntegrityError names the
        object and the chunk when anything was altered, truncated, reordered or extended."""
        path = self.path_for(name)
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed in finally
        except FileNotFoundError:
            raise IntegrityError(f"object {name[:16]}… is missing from the case") from None
        try:
            header = f.read(HEADER.size)
            if len(header) != HEADER.size:
                raise IntegrityError(f"object {name[:16]}… is truncated (no header)")
            magic, chunk_size, salt, prefix = HEADER.unpack(header)
            if magic != MAGIC or not 0 < chunk_size <= MAX_CHUNK_SIZE:
                raise IntegrityError(f"object {name[:16]}… has an unknown format")
            aead = self._key(salt)
            block = chunk_size + TAG_BYTES
            counter = 0
            current = f.read(block)
            while True:
                nxt = f.read(block) if len(current) == block else b""
                last = not nxt
                try:
                    plain = aead.decrypt(_nonce(prefix, counter, last), current, header)
                except InvalidTag:
                    raise IntegrityError(
                        f"object {name[:16]}…: chunk {counter} fails authentication "
                        "(altered, truncated or reordered)") from None
                yield plain
                if last:
                    return
                counter += 1
                current = nxt
        finally:
            f.close()

    def read_all(self, name: str) -> bytes:
        return b"".join(self.iter_chunks(name))

    def open_reader(self, name: str) -> ObjectReader:
        return ObjectReader(self.iter_chunks(name))


class ObjectReader:
    """A read-only file-like view of a decrypted object (for Pillow, zipfile, shutil)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""
        self._eof = False

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = [self._buf, *self._chunks]
            self._buf = b""
            self._eof = True
            return b"".join(parts)
        while len(self._buf) < n and not self._eof:
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                self._eof = True
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._eof = True
        self._buf = b""

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
