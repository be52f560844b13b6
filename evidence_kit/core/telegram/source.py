"""Reading a Telegram Desktop export safely, from its folder or from a zip of it.

An export is suspect-controlled input: result.json names the media files, and a hostile (or
damaged) export can name paths outside itself (`../../etc/passwd`, `/home/…`, a symlink pointing
out), or be a zip bomb. Every path goes through resolve(); nothing outside the export is opened.
Zip members are read straight from the archive (decompressed in memory, chunk by chunk), so
plaintext evidence is never unpacked to disk.
"""

from __future__ import annotations

import contextlib
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from ..errors import InputError

RESULT_JSON = "result.json"


@dataclass(frozen=True)
class ZipLimits:
    """Limits that stop a zip bomb before it is decompressed. The defaults fit real exports
    (Telegram caps a file at 4 GB; an account export can have many thousands of files)."""

    max_entries: int = 200_000
    max_entry_bytes: int = 4 << 30
    max_total_bytes: int = 64 << 30
    max_ratio: int = 200            # uncompressed / compressed, for members above ratio_floor
    ratio_floor: int = 1 << 20


class MediaPathError(InputError):
    """A media path in result.json that points outside the export (refused, nothing read)."""


class ExportSource:
    """The files of one export, addressed by their path relative to result.json's folder."""

    description: str = ""

    def open_result(self) -> BinaryIO:
        return self.open(RESULT_JSON)

    def result_size(self) -> int:
        return self.size(RESULT_JSON)

    def normalise(self, rel: str) -> str:
        """The clean relative path, or MediaPathError if it could leave the export."""
        if not isinstance(rel, str) or not rel or "\0" in rel:
            raise MediaPathError(f"invalid media path {rel!r} / 잘못된 미디어 경로")
        text = rel.replace("\\", "/")
        if text.startswith("/") or (len(text) > 1 and text[1] == ":") or text.startswith("//"):
            raise MediaPathError(f"absolute media path {rel!r} refused / 절대 경로는 거부됩니다")
        parts = [p for p in text.split("/") if p not in ("", ".")]
        if any(p == ".." for p in parts) or not parts:
            raise MediaPathError(f"media path {rel!r} leaves the export folder; refused / "
                                 "내보내기 폴더 밖을 가리키는 경로는 거부됩니다")
        return "/".join(parts)

    def exists(self, rel: str) -> bool:
        raise NotImplementedError

    def size(self, rel: str) -> int:
        raise NotImplementedError

    def open(self, rel: str) -> BinaryIO:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> ExportSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FolderSource(ExportSource):
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.description = str(root)

    def _path(self, rel: str) -> Path:
        clean = self.normalise(rel)
        path = self.root.joinpath(*clean.split("/"))
        # A symlink (of the file or of a folder on the way) may point out of the export.
        resolved = path.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise MediaPathError(f"media path {rel!r} resolves outside the export folder (symbolic link); "
                                 "refused / 내보내기 폴더 밖을 가리키는 링크는 거부됩니다")
        return resolved

    def exists(self, rel: str) -> bool:
        path = self._path(rel)
        try:
            return stat.S_ISREG(path.stat().st_mode)
        except OSError:
            return False

    def size(self, rel: str) -> int:
        return self._path(rel).stat().st_size

    def open(self, rel: str) -> BinaryIO:
        path = self._path(rel)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)  # the resolved path: a link swapped in meanwhile is not followed
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise InputError(f"{rel} is not a regular file / 일반 파일이 아닙니다")
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise


class _LimitedReader:
    """A zip member stream that refuses to produce more than the member declared."""

    def __init__(self, raw: IO[bytes], limit: int, name: str) -> None:
        self._raw = raw
        self._left = limit
        self._name = name

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._raw.read(n if n is not None and n >= 0 else self._left + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise InputError(f"{self._name}: the zip member is damaged ({exc}) / ZIP 항목이 손상되었습니다") from None
        self._left -= len(data)
        if self._left < 0:
            raise InputError(f"{self._name}: the zip member is larger than its header says (zip bomb?); "
                             "refused / 압축 항목 크기가 헤더와 다릅니다")
        return data

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> _LimitedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ZipSource(ExportSource):
    def __init__(self, path: Path, limits: ZipLimits | None = None) -> None:
        self.description = str(path)
        self.limits = limits or ZipLimits()
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"{path} is not a readable zip file ({exc}). / 올바른 ZIP 파일이 아닙니다.") from None
        try:
            self._members = self._check_members()
            self.prefix = self._find_root()
        except BaseException:
            self._zip.close()
            raise

    def _check_members(self) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        lim = self.limits
        if len(infos) > lim.max_entries:
            raise InputError(f"The zip has {len(infos)} entries, more than the limit of {lim.max_entries}; "
                             "refused (zip bomb?). / ZIP 항목 수가 한도를 넘었습니다.")
        total = 0
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if info.is_dir():
                continue
            mode = (info.external_attr >> 16) & 0xFFFF
            if stat.S_ISLNK(mode):
                continue  # a symbolic link inside a zip is never followed; media naming it is "missing"
            if info.file_size > lim.max_entry_bytes:
                raise InputError(f"{info.filename}: {info.file_size} bytes uncompressed is over the per-file "
                                 f"limit of {lim.max_entry_bytes}; refused. / ZIP 항목이 너무 큽니다.")
            if (info.file_size > lim.ratio_floor
                    and info.file_size > lim.max_ratio * max(1, info.compress_size)):
                raise InputError(f"{info.filename}: compression ratio over {lim.max_ratio}:1; refused "
                                 "(zip bomb?). / 압축률이 비정상적으로 높습니다.")
            total += info.file_size
            if total > lim.max_total_bytes:
                raise InputError(f"The zip expands to more than {lim.max_total_bytes} bytes; refused "
                                 "(zip bomb?). / ZIP 전체 크기가 한도를 넘었습니다.")
            name = info.filename.replace("\\", "/")
            try:
                clean = ExportSource.normalise(self, name)
            except MediaPathError:
                continue  # a member named ../x can never be reached through normalise() anyway
            members[clean] = info
        return members

    def _find_root(self) -> str:
        if RESULT_JSON in self._members:
            return ""
        candidates = sorted(n for n in self._members if n.count("/") == 1 and n.endswith("/" + RESULT_JSON))
        if len(candidates) == 1:
            return candidates[0][: -len(RESULT_JSON)]
        if len(candidates) > 1:
            raise InputError("The zip holds several exports (several result.json); give one. / "
                             "ZIP 안에 내보내기가 여러 개 있습니다.")
        raise InputError("No result.json in the zip: is it a Telegram Desktop JSON export? / "
                         "ZIP 안에 result.json이 없습니다 (텔레그램 데스크톱 JSON 내보내기인지 확인하세요).")

    def _info(self, rel: str) -> zipfile.ZipInfo | None:
        return self._members.get(self.prefix + self.normalise(rel))

    def exists(self, rel: str) -> bool:
        return self._info(rel) is not None

    def size(self, rel: str) -> int:
        info = self._info(rel)
        if info is None:
            raise FileNotFoundError(rel)
        return info.file_size

    def open(self, rel: str) -> BinaryIO:
        info = self._info(rel)
        if info is None:
            raise FileNotFoundError(rel)
        try:
            raw = self._zip.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
            raise InputError(f"{rel}: cannot read it from the zip ({exc}) / ZIP에서 읽을 수 없습니다") from None
        return _LimitedReader(raw, info.file_size, rel)  # type: ignore[return-value]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._zip.close()


def open_export(path: Path | str, *, zip_limits: ZipLimits | None = None) -> ExportSource:
    """The export at `path`: a folder with result.json, the result.json itself, or a zip."""
    p = Path(path).absolute()
    if not p.exists():
        raise InputError(f"{p} does not exist. / 경로가 없습니다.")
    if p.is_dir():
        if not (p / RESULT_JSON).is_file():
            raise InputError(f"No result.json in {p}: choose the folder Telegram Desktop exported "
                             "(format: JSON). / 폴더에 result.json이 없습니다 (JSON 형식으로 내보내야 합니다).")
        return FolderSource(p)
    if p.name.lower() == RESULT_JSON or p.suffix.lower() == ".json":
        src = FolderSource(p.parent)
        if p.name != RESULT_JSON:
            return _SingleJsonSource(p)
        return src
    if zipfile.is_zipfile(p):
        return ZipSource(p, zip_limits)
    raise InputError(f"{p} is neither a Telegram export folder, a result.json nor a zip. / "
                     "텔레그램 내보내기 폴더, result.json, ZIP 중 하나가 아닙니다.")


class _SingleJsonSource(FolderSource):
    """A result.json saved under another name (media are looked up beside it)."""

    def __init__(self, json_path: Path) -> None:
        super().__init__(json_path.parent)
        self._json = json_path.name

    def open_result(self) -> BinaryIO:
        return self.open(self._json)

    def result_size(self) -> int:
        return self.size(self._json)


__all__ = ["RESULT_JSON", "ExportSource", "FolderSource", "MediaPathError", "ZipLimits", "ZipSource",
           "open_export"]
