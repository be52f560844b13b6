"""Temporary work files for a capture that never hold plaintext evidence on disk.

A response body can be far larger than memory, so it is streamed to a file in the case's
tmp/ folder. That file is encrypted with AES-256-CTR under a random key that exists only in
this process's memory: if the program crashes, what remains is ciphertext nobody can read
(and `evidence-kit check --clear` removes it). CTR mode allows reading from any offset,
which the WARC writer needs (it reads a payload twice: once to digest, once to copy).
Integrity is not needed here: the bytes are hashed again when they enter the object store.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK = 16


class EncryptedSpool(io.RawIOBase):
    """A write-then-read temp file: write() appends, then seek()/read() anywhere.

    Used as a context manager; closing deletes the file. The file name is random and says
    nothing about the content.
    """

    def __init__(self, folder: Path) -> None:
        super().__init__()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = folder / f"spool-{os.getpid()}-{os.urandom(8).hex()}.enc"
        self._key = os.urandom(32)
        self._iv = int.from_bytes(os.urandom(16), "big") & ~((1 << 64) - 1)  # low 64 bits count blocks
        self._file = open(self.path, "x+b")  # noqa: SIM115 - closed in close()
        self._size = 0
        self._pos = 0
        self._encryptor = self._cipher_at(0).encryptor()

    def _cipher_at(self, block_index: int) -> Cipher[Any]:
        counter = (self._iv + block_index).to_bytes(16, "big")
        return Cipher(algorithms.AES(self._key), modes.CTR(counter))

    # -- io.RawIOBase -----------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    @property
    def size(self) -> int:
        return self._size

    def write(self, data: Any) -> int:
        """Append (writes always go to the end, whatever the read position)."""
        view = bytes(data)
        if not view:
            return 0
        self._file.seek(self._size)
        self._file.write(self._encryptor.update(view))
        self._size += len(view)
        return len(view)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        else:
            pos = self._size + offset
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def flush(self) -> None:
        if not self._file.closed:
            self._file.flush()

    def tell(self) -> int:
        return self._pos

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._size - self._pos
        size = max(0, min(size, self._size - self._pos))
        if size == 0:
            return b""
        self._file.flush()
        start_block, skip = divmod(self._pos, _BLOCK)
        self._file.seek(start_block * _BLOCK)
        raw = self._file.read(skip + size)
        plain = self._cipher_at(start_block).decryptor().update(raw)[skip:skip + size]
        self._pos += len(plain)
        return plain

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        return self.read(-1)

    def close(self) -> None:
        if not self.closed:
            with contextlib.suppress(OSError):
                self._file.close()
            with contextlib.suppress(OSError):
                self.path.unlink()
            self._key = b""
        super().close()

    def __enter__(self) -> EncryptedSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
