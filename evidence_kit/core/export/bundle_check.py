#!/usr/bin/env python3
"""verify.py: check an Evidence Kit evidence bundle with nothing but Python (3.9 or newer).

Usage:
    python verify.py                 check the folder this file is in (the unzipped bundle)
    python verify.py BUNDLE.zip      check a bundle ZIP without unzipping it
    python verify.py FOLDER [--json]

It uses the Python standard library only. Ed25519 signatures are checked when the
`cryptography` package happens to be installed; otherwise it says so and checks everything else.
Exit status: 0 verified, 1 a check failed, 2 the bundle could not be read at all.

What is checked (the same checks `evidence-kit verify BUNDLE.zip` runs):
 1. ZIP safety: no path that is absolute, contains "..", a drive letter or a backslash; no
    duplicate names; no symbolic links.
 2. SHA256SUMS: every listed file is present and has that SHA-256; no file is missing from it.
 3. manifest.json: the files, items and artifacts it lists match the files; manifest.sig is the
    exporting officer's Ed25519 signature over SHA-256(manifest.json).
 4. custody/ledger.jsonl, the custody events: each event's `hash` is SHA-256 of its canonical
    JSON (keys sorted, no spaces, UTF-8) of seq, at, actor, role, action, item, details, prev;
    `sig` is the actor's Ed25519 signature over the 32 bytes of `hash`.
    The bundle holds only the events of the exported items and the case-level events that
    introduce the users and their keys, so the chain has gaps. A chain with gaps is checked so:
      - every included event's hash and signature, on its own;
      - seq strictly increasing (a re-ordered line is caught);
      - where two included events are consecutive (seq n and n+1), the second's `prev` equals
        the first's `hash`; event #1's `prev` is 64 zeros;
      - the signed manifest lists the (seq, hash) of every included event, so a removed, added
        or replaced line is caught even across a gap.
 5. custody/keys.json: each user's public key must be the one the ledger announced when the
    case was created or the user was added (a swapped key is caught).
 6. Each item: its capture event (signed by the collector) records each artifact's role, name,
    size and hashes; the files under evidence/ must be exactly those.
Timestamp tokens (custody/timestamps/) are checked against SHA256SUMS here; their RFC 3161
signatures are checked by `evidence-kit verify` or `openssl ts -verify`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import stat
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from typing import IO, Any

FORMAT = "evidence-kit-bundle"
FORMAT_VERSION = 1
GENESIS = "0" * 64
EVENT_FIELDS = ("seq", "at", "actor", "role", "action", "item", "details", "prev")
CREATION_ACTIONS = ("captured", "imported")
ARTIFACT_KEYS = ("role", "name", "size", "sha256", "md5", "sha1")
CHUNK = 1 << 20

MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.sig"
SUMS = "SHA256SUMS"
LEDGER = "custody/ledger.jsonl"
KEYS = "custody/keys.json"
UNLISTED = (SUMS,)  # the one file SHA256SUMS cannot list
# Files an operating system's file manager drops into a folder it shows: reported, not failed.
OS_CLUTTER = (".DS_Store", "Thumbs.db", "desktop.ini", "._.DS_Store")

# code: (step, English, Korean). Parameters in braces come from the problem's params.
MESSAGES: dict[str, tuple[str, str, str]] = {
    "zip_case_collision": ("zip", "{path}: two files differ only in upper/lower case",
                           "{path}: 대소문자만 다른 파일이 두 개 있습니다"),
    "file_changed": ("files", "{path}: changed (its SHA-256 differs from SHA256SUMS)",
                     "{path}: 변경됨 (SHA-256이 SHA256SUMS와 다릅니다)"),
    "file_removed": ("files", "{path}: removed (listed in SHA256SUMS but missing)",
                     "{path}: 삭제됨 (SHA256SUMS에 있으나 파일이 없습니다)"),
    "file_added": ("files", "{path}: added (not listed in SHA256SUMS)",
                   "{path}: 추가됨 (SHA256SUMS에 없는 파일입니다)"),
    "file_unreadable": ("files", "{path}: cannot be read ({reason})", "{path}: 읽을 수 없습니다 ({reason})"),
    "sums_malformed": ("files", "SHA256SUMS line {line} is malformed or names an unsafe path",
                       "SHA256SUMS {line}번째 줄이 잘못되었거나 안전하지 않은 경로입니다"),
    "manifest_missing": ("manifest", "manifest.json is missing", "manifest.json이 없습니다"),
    "manifest_malformed": ("manifest", "manifest.json is not valid ({reason})",
                           "manifest.json이 올바르지 않습니다 ({reason})"),
    "manifest_mismatch": ("manifest", "{path}: the manifest and SHA256SUMS disagree ({reason})",
                          "{path}: manifest와 SHA256SUMS가 일치하지 않습니다 ({reason})"),
    "evidence_digest_mismatch": ("manifest", "the evidence digest in the manifest does not match SHA256SUMS",
                                 "manifest의 증거 다이제스트가 SHA256SUMS와 다릅니다"),
    "item_removed": ("manifest", "{exhibit}: has custody events in the bundle but is missing from the manifest",
                     "{exhibit}: 보관 기록은 있으나 manifest에서 빠져 있습니다"),
    "manifest_signature_missing": ("manifest_signature", "manifest.sig is missing or damaged",
                                   "manifest.sig가 없거나 손상되었습니다"),
    "manifest_signature_bad": ("manifest_signature",
                               "the manifest's signature by {actor!r} is not valid (the manifest was edited)",
                               "{actor!r}의 manifest 서명이 유효하지 않습니다 (manifest가 수정됨)"),
    "ledger_missing": ("ledger", "custody/ledger.jsonl is missing", "custody/ledger.jsonl이 없습니다"),
    "ledger_malformed": ("ledger", "custody/ledger.jsonl line {line} is not a valid event",
                         "custody/ledger.jsonl {line}번째 줄이 올바른 이벤트가 아닙니다"),
    "ledger_edited": ("ledger", "event #{seq}: its content does not match its hash (the event was edited)",
                      "이벤트 #{seq}: 내용이 해시와 다릅니다 (이벤트가 수정됨)"),
    "ledger_replaced": ("ledger", "event #{seq}: differs from the event the manifest lists (replaced)",
                        "이벤트 #{seq}: manifest에 기록된 이벤트와 다릅니다 (교체됨)"),
    "ledger_link": ("ledger", "event #{seq}: does not link to event #{prev_seq} before it "
                              "(an event was changed, removed or re-ordered)",
                    "이벤트 #{seq}: 직전 이벤트 #{prev_seq}와 연결되지 않습니다 (변경, 삭제 또는 순서 변경)"),
    "ledger_genesis": ("ledger", "event #1 does not start the chain (prev is not 64 zeros)",
                       "이벤트 #1이 체인의 시작이 아닙니다"),
    "ledger_order": ("ledger", "event #{seq}: out of order (comes after #{prev_seq}; lines were re-ordered)",
                     "이벤트 #{seq}: 순서가 잘못되었습니다 (#{prev_seq} 뒤에 있음; 줄 순서 변경)"),
    "ledger_removed": ("ledger", "event #{seq}: listed in the manifest but missing from the ledger (removed)",
                       "이벤트 #{seq}: manifest에 있으나 원장에서 빠졌습니다 (삭제됨)"),
    "ledger_added": ("ledger", "event #{seq}: in the ledger but not listed in the manifest (added)",
                     "이벤트 #{seq}: manifest에 없는 이벤트가 원장에 있습니다 (추가됨)"),
    "ledger_head_mismatch": ("ledger", "event #{seq}: differs from the ledger head recorded at export",
                             "이벤트 #{seq}: 내보내기 시점의 원장 헤드와 다릅니다"),
    "signature_bad": ("signatures", "event #{seq}: the signature by {actor!r} is not valid",
                      "이벤트 #{seq}: {actor!r}의 서명이 유효하지 않습니다"),
    "signature_unknown_user": ("signatures", "event #{seq}: signed by {actor!r}, who is not in keys.json",
                               "이벤트 #{seq}: keys.json에 없는 사용자 {actor!r}가 서명했습니다"),
    "signatures_unchecked": ("signatures", "signatures not checked: the Python package 'cryptography' "
                                           "is not installed (pip install cryptography)",
                             "서명을 확인하지 못했습니다: 'cryptography' 패키지가 없습니다"),
    "keys_missing": ("keys", "custody/keys.json is missing or damaged", "custody/keys.json이 없거나 손상되었습니다"),
    "key_swapped": ("keys", "the public key of {actor!r} in keys.json differs from the one the ledger "
                            "announced in event #{seq} (swapped key)",
                    "keys.json의 {actor!r} 공개키가 원장 이벤트 #{seq}에 기록된 키와 다릅니다 (키 교체)"),
    "key_unannounced": ("keys", "the key of {actor!r} was never announced in the ledger",
                        "{actor!r}의 키가 원장에 기록된 적이 없습니다"),
    "item_no_capture_event": ("items", "{exhibit}: no custody event records its capture",
                              "{exhibit}: 수집을 기록한 보관 이벤트가 없습니다"),
    "artifact_mismatch": ("items", "{exhibit} / {path}: the file's {what} differs from the capture record "
                                   "(event #{seq})",
                          "{exhibit} / {path}: 파일의 {what}이(가) 수집 기록(이벤트 #{seq})과 다릅니다"),
    "artifact_missing": ("items", "{exhibit} / {name}: recorded at capture (event #{seq}) but not in the bundle",
                         "{exhibit} / {name}: 수집 시 기록되었으나(이벤트 #{seq}) 묶음에 없습니다"),
    "artifact_not_recorded": ("items", "{exhibit} / {path}: not recorded by the capture event (event #{seq})",
                              "{exhibit} / {path}: 수집 이벤트(#{seq})에 기록되지 않은 파일입니다"),
    "timestamp_bad": ("timestamps", "{path}: the timestamp token does not verify ({reason})",
                      "{path}: 타임스탬프 토큰 검증 실패 ({reason})"),
    "timestamp_unchecked": ("timestamps", "{path}: the timestamp token was not checked ({reason})",
                            "{path}: 타임스탬프 토큰을 확인하지 못했습니다 ({reason})"),
}

STEPS = ("zip", "files", "manifest", "manifest_signature", "ledger", "signatures", "keys", "items",
         "timestamps")


class BundleError(Exception):
    """The bundle cannot be checked at all (not a ZIP, truncated, unsafe paths, newer format)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Problem:
    def __init__(self, code: str, severity: str = "error", path: str | None = None,
                 exhibit: str | None = None, seq: int | None = None, **params: Any) -> None:
        self.code = code
        self.severity = severity
        self.path = path
        self.exhibit = exhibit
        self.seq = seq
        self.params = dict(params, path=path, exhibit=exhibit, seq=seq)

    @property
    def step(self) -> str:
        return MESSAGES[self.code][0]

    def _format(self, template: str) -> str:
        class Missing(dict):  # type: ignore[type-arg,unused-ignore]
            def __missing__(self, key: str) -> str:
                return "?"

        return template.format_map(Missing(self.params))

    @property
    def message(self) -> str:
        return self._format(MESSAGES[self.code][1])

    @property
    def message_ko(self) -> str:
        return self._format(MESSAGES[self.code][2])

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "message_ko": self.message_ko, "path": self.path, "exhibit": self.exhibit, "seq": self.seq}


# -- canonical JSON, the same as the case store's ledger ----------------------------------
def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(event: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json({k: event[k] for k in EVENT_FIELDS})).hexdigest()


def crypto_verifier() -> Callable[[str, bytes, bytes], bool] | None:
    """An Ed25519 verifier from `cryptography`, or None when it is not installed."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return None

    def verify(public_hex: str, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(signature, message)
            return True
        except (InvalidSignature, ValueError):
            return False

    return verify


# -- reading a bundle: a ZIP or its unzipped folder ---------------------------------------
_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_path(name: str) -> str | None:
    """Why `name` may not be used as a path inside the bundle folder, or None when it is safe."""
    if not name or "\x00" in name:
        return "empty or NUL"
    if "\\" in name:
        return "backslash"
    if name.startswith("/") or _DRIVE.match(name):
        return "absolute path"
    parts = name.rstrip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "'..' or empty component"
    if any(ord(c) < 32 for c in name):
        return "control character"
    return None


class Source:
    """The files of a bundle by relative POSIX path."""

    kind = ""
    path = ""

    def names(self) -> list[str]:
        raise NotImplementedError

    def size(self, name: str) -> int:
        raise NotImplementedError

    def open(self, name: str) -> IO[bytes]:
        raise NotImplementedError

    def read(self, name: str, limit: int = 64 << 20) -> bytes:
        with self.open(name) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise ValueError("too large")
        return data

    def close(self) -> None:
        pass


class ZipSource(Source):
    kind = "zip"

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            with open(path, "rb") as f:
                head = f.read(4)
        except OSError as exc:
            raise BundleError(f"{path}: cannot be read ({exc.strerror or exc}). / 파일을 읽을 수 없습니다.") \
                from None
        if not head.startswith(b"PK"):
            raise BundleError(f"{path} is not a ZIP file (nor a bundle folder). / ZIP 파일이 아닙니다.")
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            raise BundleError(f"{path} is truncated or damaged: its ZIP directory cannot be read; get a complete copy "
                              "of the bundle. / ZIP 파일이 잘렸거나 손상되었습니다.") from None
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in self.zf.infolist():
            name = info.filename
            why = unsafe_path(name)
            if why is not None:
                self.zf.close()
                raise BundleError(f"The ZIP holds a path that would escape its folder or is unsafe ({name!r}: {why}); "
                                  "it was refused. / 안전하지 않은 경로가 있어 거부했습니다.")
            if stat.S_ISLNK(info.external_attr >> 16):
                self.zf.close()
                raise BundleError(f"The ZIP holds a symbolic link ({name!r}); it was refused. / "
                                  "심볼릭 링크가 있어 거부했습니다.")
            if name.endswith("/"):
                continue
            key = unicodedata.normalize("NFC", name)
            if key in self.infos:
                self.zf.close()
                raise BundleError(f"The ZIP holds {name!r} twice; which copy is meant is ambiguous, so it was "
                                  "refused. / "
                                  "같은 이름의 파일이 두 번 있습니다.")
            self.infos[key] = info

    def names(self) -> list[str]:
        return list(self.infos)

    def size(self, name: str) -> int:
        return self.infos[name].file_size

    def open(self, name: str) -> IO[bytes]:
        return self.zf.open(self.infos[name])

    def close(self) -> None:
        self.zf.close()


class FolderSource(Source):
    kind = "folder"

    def __init__(self, path: str) -> None:
        self.path = path
        self.root = os.path.realpath(path)
        self.files: dict[str, str] = {}
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            for d in list(dirnames):
                if os.path.islink(os.path.join(dirpath, d)):
                    raise BundleError(f"The folder holds a symbolic link ({os.path.join(dirpath, d)}); it was "
                                      "refused. / "
                                      "심볼릭 링크가 있어 거부했습니다.")
            for fn in filenames:
                full = os.path.join(dirpath, fn)
                if os.path.islink(full):
                    raise BundleError(f"The folder holds a symbolic link ({full}); it was refused. / "
                                      "심볼릭 링크가 있어 거부했습니다.")
                rel = os.path.relpath(full, self.root).replace(os.sep, "/")
                if fn.endswith((".pyc",)) or "/__pycache__/" in "/" + rel:
                    continue
                self.files[unicodedata.normalize("NFC", rel)] = full

    def names(self) -> list[str]:
        return list(self.files)

    def size(self, name: str) -> int:
        return os.path.getsize(self.files[name])

    def open(self, name: str) -> IO[bytes]:
        return open(self.files[name], "rb")


def open_source(path: str) -> Source:
    if os.path.isdir(path):
        return FolderSource(path)
    if not os.path.exists(path):
        raise BundleError(f"{path}: no such file or folder. / 파일이나 폴더가 없습니다.")
    return ZipSource(path)


# -- the checks -------------------------------------------------------------------------
class Result:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.manifest: dict[str, Any] = {}
        self.manifest_sha256 = ""
        self.events: list[dict[str, Any]] = []
        self.keys: dict[str, dict[str, Any]] = {}
        self.hashes: dict[str, tuple[str, int]] = {}  # path -> (sha256, size) as found
        self.sums: dict[str, str] = {}
        self.items: list[dict[str, Any]] = []
        self.signatures_checked = False
        self.root_key: dict[str, str] = {}
        self.bytes_checked = 0
        self.skipped_steps: dict[str, str] = {}

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def add(self, code: str, **kw: Any) -> Problem:
        p = Problem(code, **kw)
        self.problems.append(p)
        return p

    def step_status(self) -> list[dict[str, str]]:
        out = []
        for step in STEPS:
            errors = [p for p in self.problems if p.step == step and p.severity == "error"]
            if errors:
                status = "failed"
                detail = f"{len(errors)} problem(s)"
                detail_ko = f"문제 {len(errors)}건"
            elif step == "timestamps" and not self.manifest.get("timestamps"):
                status, detail, detail_ko = "absent", "no timestamp tokens", "타임스탬프 토큰 없음"
            elif step in self.skipped_steps:
                status = "skipped"
                detail = self.skipped_steps[step]
                detail_ko = "확인하지 않음"
            else:
                status, detail, detail_ko = "ok", "", ""
            out.append({"name": step, "status": status, "detail": detail, "detail_ko": detail_ko})
        return out


class Checker:
    def __init__(self, source: Source, *, verify: Callable[[str, bytes, bytes], bool] | None = None,
                 progress: Callable[[int, int, str], None] | None = None,
                 check_cancel: Callable[[], None] | None = None) -> None:
        self.source = source
        self.verify = verify
        self.progress = progress
        self.check_cancel = check_cancel
        self.r = Result()

    # ---- helpers ----
    def _hash(self, name: str, done: int, total: int) -> tuple[str, int]:
        h = hashlib.sha256()
        size = 0
        with self.source.open(name) as f:
            while True:
                if self.check_cancel is not None:
                    self.check_cancel()
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                h.update(chunk)
                size += len(chunk)
                if self.progress is not None:
                    self.progress(done + size, total, name)
        return h.hexdigest(), size

    def _json(self, name: str) -> Any:
        return json.loads(self.source.read(name).decode("utf-8"))

    def _sig_ok(self, public_hex: str, sig_hex: str, message: bytes) -> bool:
        assert self.verify is not None
        try:
            sig = bytes.fromhex(sig_hex)
        except (ValueError, TypeError):
            return False
        return self.verify(public_hex, sig, message)

    # ---- run ----
    def run(self) -> Result:
        r = self.r
        if self.verify is None:
            r.add("signatures_unchecked", severity="warning")
            r.skipped_steps["signatures"] = "cryptography not installed"
            r.skipped_steps["manifest_signature"] = "cryptography not installed"
        self._check_case_collisions()
        self._check_files()
        self._read_manifest()
        self._read_keys()
        self._check_manifest_files()
        self._check_manifest_signature()
        self._check_ledger()
        self._check_keys()
        self._check_items()
        if "timestamps" not in r.skipped_steps and r.manifest.get("timestamps"):
            r.skipped_steps["timestamps"] = "token signatures are checked by evidence-kit verify"
        return r

    def _check_case_collisions(self) -> None:
        seen: dict[str, str] = {}
        for name in self.source.names():
            low = name.lower()
            if low in seen:
                self.r.add("zip_case_collision", path=name)
            seen[low] = name

    def _check_files(self) -> None:
        r = self.r
        names = sorted(self.source.names())
        present = set(names)
        if SUMS in present:
            try:
                text = self.source.read(SUMS).decode("utf-8")
            except (ValueError, UnicodeDecodeError, OSError, zipfile.BadZipFile) as exc:
                r.add("file_unreadable", path=SUMS, reason=str(exc))
                text = ""
            # Exactly as written: lowercase hex, two spaces, one path, "\n" after every line, so
            # that no byte of SHA256SUMS can change without a problem being reported.
            line_re = re.compile(r"([0-9a-f]{64})  (.+)")
            lines = text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            elif text:
                r.add("sums_malformed", line=len(lines))
            for n, line in enumerate(lines, 1):
                m = line_re.fullmatch(line)
                path = m.group(2) if m else ""
                if (m is None or unsafe_path(path) is not None or path in r.sums
                        or unicodedata.normalize("NFC", path) != path):
                    r.add("sums_malformed", line=n)
                    continue
                r.sums[path] = m.group(1)
        else:
            r.add("file_removed", path=SUMS)
        total = sum(self.source.size(n) for n in names)
        done = 0
        for name in names:
            try:
                digest, size = self._hash(name, done, total)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                r.add("file_unreadable", path=name, reason=str(exc) or type(exc).__name__)
                done += self.source.size(name)
                continue
            except Exception as exc:  # zlib.error on a damaged deflate stream
                if type(exc).__name__ != "error":
                    raise
                r.add("file_unreadable", path=name, reason="damaged compressed data")
                done += self.source.size(name)
                continue
            done += size
            r.bytes_checked += size
            r.hashes[name] = (digest, size)
        for path, digest in r.sums.items():
            if path not in present:
                r.add("file_removed", path=path)
            elif path in r.hashes and r.hashes[path][0] != digest:
                r.add("file_changed", path=path)
        for name in names:
            if name not in r.sums and name not in UNLISTED:
                base = name.rsplit("/", 1)[-1]
                clutter = base in OS_CLUTTER or name.startswith("__MACOSX/")
                r.add("file_added", path=name, severity="warning" if clutter else "error")

    def _read_manifest(self) -> None:
        r = self.r
        if MANIFEST not in r.hashes:
            if MANIFEST not in r.sums:  # else already reported as removed
                r.add("manifest_missing")
            return
        try:
            manifest = self._json(MANIFEST)
            if not isinstance(manifest, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError) as exc:
            r.add("manifest_malformed", reason=str(exc)[:120])
            return
        if manifest.get("format") != FORMAT:
            raise BundleError("This is not an Evidence Kit bundle (manifest format {!r}). / "
                              "Evidence Kit 증거 묶음이 아닙니다.".format(manifest.get("format")))
        version = manifest.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool):
            r.add("manifest_malformed", reason="no format_version")
        elif version > FORMAT_VERSION:
            raise BundleError(f"This bundle was written by a newer version of Evidence Kit (bundle format {version}; "
                              f"this checker knows {FORMAT_VERSION}). Use the verify.py inside the bundle or update "
                              "Evidence Kit. / "
                              "더 새로운 버전의 Evidence Kit으로 만든 묶음입니다.")
        r.manifest = manifest
        r.manifest_sha256 = r.hashes[MANIFEST][0]

    def _read_keys(self) -> None:
        r = self.r
        if KEYS not in r.hashes:
            if KEYS not in r.sums:
                r.add("keys_missing")
            return
        try:
            data = self._json(KEYS)
            for u in data["users"]:
                r.keys[str(u["name"])] = u
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            r.add("keys_missing")

    def _check_manifest_files(self) -> None:
        r = self.r
        m = r.manifest
        if not m:
            return
        listed: dict[str, str] = {}
        for entry in m.get("files") or []:
            try:
                listed[unicodedata.normalize("NFC", str(entry["path"]))] = str(entry["sha256"])
            except (KeyError, TypeError):
                r.add("manifest_malformed", reason="files entry")
        own = {MANIFEST, MANIFEST_SIG, SUMS}
        for path, digest in listed.items():
            if path in r.sums and r.sums[path] != digest:
                r.add("manifest_mismatch", path=path, reason="different SHA-256")
            elif path not in r.sums and path in r.hashes:
                r.add("manifest_mismatch", path=path, reason="not in SHA256SUMS")
            elif path not in r.sums and path not in r.hashes:
                r.add("file_removed", path=path)
        for path in r.sums:
            if path not in listed and path not in own:
                r.add("manifest_mismatch", path=path, reason="not in the manifest")
        # The report shows this digest; it must be the one of the evidence/ files really here.
        evidence_lines = "".join(f"{d}  {p}\n" for p, d in r.sums.items() if p.startswith("evidence/"))
        digest = hashlib.sha256(evidence_lines.encode("utf-8")).hexdigest()
        if m.get("evidence_digest") != digest:
            r.add("evidence_digest_mismatch")

    def _check_manifest_signature(self) -> None:
        r = self.r
        if not r.manifest:
            return
        try:
            sig = self._json(MANIFEST_SIG) if MANIFEST_SIG in r.hashes else None
            signer = str(sig["signer"]) if sig else ""
            sig_hex = str(sig["signature"]) if sig else ""
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            sig = None
        if not sig:
            r.add("manifest_signature_missing")
            return
        exporter = (r.manifest.get("export") or {}).get("exporter") or {}
        if exporter.get("name") != signer:
            r.add("manifest_signature_bad", actor=signer)
            return
        if self.verify is None:
            return
        key = (r.keys.get(signer) or {}).get("public_key", "")
        if not key or not self._sig_ok(str(key), sig_hex, bytes.fromhex(r.manifest_sha256)):
            r.add("manifest_signature_bad", actor=signer)

    def _check_ledger(self) -> None:
        r = self.r
        if LEDGER not in r.hashes:
            if LEDGER not in r.sums:
                r.add("ledger_missing")
            return
        try:
            text = self.source.read(LEDGER, limit=1 << 31).decode("utf-8")
        except (ValueError, UnicodeDecodeError, OSError) as exc:
            r.add("file_unreadable", path=LEDGER, reason=str(exc))
            return
        events: list[dict[str, Any]] = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                ev = json.loads(line)
                if not isinstance(ev, dict) or not all(k in ev for k in (*EVENT_FIELDS, "hash", "sig")):
                    raise ValueError("fields")
                if not isinstance(ev["seq"], int) or isinstance(ev["seq"], bool):
                    raise ValueError("seq")
            except ValueError:
                r.add("ledger_malformed", line=n)
                continue
            events.append(ev)
        r.events = events
        prev: dict[str, Any] | None = None
        for ev in events:
            seq = ev["seq"]
            if event_hash(ev) != ev["hash"]:
                r.add("ledger_edited", seq=seq)
            if prev is not None and seq <= prev["seq"]:
                r.add("ledger_order", seq=seq, prev_seq=prev["seq"])
            elif prev is not None and seq == prev["seq"] + 1 and ev["prev"] != prev["hash"]:
                r.add("ledger_link", seq=seq, prev_seq=prev["seq"])
            if seq == 1 and ev["prev"] != GENESIS:
                r.add("ledger_genesis", seq=seq)
            if self.verify is not None:
                key = (r.keys.get(str(ev["actor"])) or {}).get("public_key")
                if not key:
                    r.add("signature_unknown_user", seq=seq, actor=ev["actor"])
                else:
                    try:
                        digest = bytes.fromhex(str(ev["hash"]))
                    except ValueError:
                        digest = b""
                    if not self._sig_ok(str(key), str(ev["sig"]), digest):
                        r.add("signature_bad", seq=seq, actor=ev["actor"])
            prev = ev
        r.signatures_checked = self.verify is not None
        ledger = r.manifest.get("ledger") or {}
        listed = ledger.get("events")
        if isinstance(listed, list):
            by_seq = {}
            for pair in listed:
                if isinstance(pair, list) and len(pair) == 2:
                    by_seq[pair[0]] = pair[1]
            present = {ev["seq"]: ev for ev in events}
            for seq, digest in sorted(by_seq.items(), key=lambda kv: str(kv[0]).zfill(20)):
                if seq not in present:
                    r.add("ledger_removed", seq=seq)
                elif present[seq]["hash"] != digest and event_hash(present[seq]) == present[seq]["hash"]:
                    r.add("ledger_replaced", seq=seq)
            for seq in present:
                if seq not in by_seq:
                    r.add("ledger_added", seq=seq)
        head = ledger.get("head") or {}
        for ev in events:
            if ev["seq"] == head.get("seq") and ev["hash"] != head.get("hash"):
                r.add("ledger_head_mismatch", seq=ev["seq"])

    def _check_keys(self) -> None:
        r = self.r
        announced: dict[str, tuple[str, int]] = {}
        for ev in r.events:
            details: dict[str, Any] = ev["details"] if isinstance(ev.get("details"), dict) else {}
            if ev.get("action") == "case_created":
                who = details.get("creator") or {}
                if isinstance(who, dict):
                    announced[str(who.get("name"))] = (str(who.get("public_key")), ev["seq"])
                    r.root_key = {"name": str(who.get("name")), "public_key": str(who.get("public_key"))}
            elif ev.get("action") == "user_added":
                who = details.get("user") or {}
                if isinstance(who, dict):
                    announced[str(who.get("name"))] = (str(who.get("public_key")), ev["seq"])
        for name, user in r.keys.items():
            if name not in announced:
                r.add("key_unannounced", actor=name)
            elif str(user.get("public_key")) != announced[name][0]:
                r.add("key_swapped", actor=name, seq=announced[name][1])

    def _check_items(self) -> None:
        r = self.r
        m = r.manifest
        creation: dict[str, dict[str, Any]] = {}
        counts: dict[str, int] = {}
        for event in r.events:
            item = event.get("item")
            if item:
                counts[item] = counts.get(item, 0) + 1
                if event.get("action") in CREATION_ACTIONS and item not in creation:
                    creation[item] = event
        listed_items: list[Any] = m["items"] if isinstance(m.get("items"), list) else []
        in_manifest = set()
        for item in listed_items:
            if not isinstance(item, dict):
                r.add("manifest_malformed", reason="item entry")
                continue
            exhibit = str(item.get("exhibit"))
            in_manifest.add(exhibit)
            before = len(r.problems)
            ev = creation.get(exhibit)
            arts = [a for a in (item.get("artifacts") or []) if isinstance(a, dict)]
            art_results = []
            if ev is None:
                r.add("item_no_capture_event", exhibit=exhibit)
                recorded: list[dict[str, Any]] = []
            else:
                ev_details: dict[str, Any] = ev["details"] if isinstance(ev.get("details"), dict) else {}
                recorded = [x for x in (ev_details.get("artifacts") or []) if isinstance(x, dict)]
            remaining = [{k: x.get(k) for k in ARTIFACT_KEYS} for x in recorded]
            for a in arts:
                path = str(a.get("path"))
                entry = {k: a.get(k) for k in ARTIFACT_KEYS}
                ok = True
                match = None
                for cand in remaining:
                    if cand == entry:
                        match = cand
                        break
                if match is not None:
                    remaining.remove(match)
                elif ev is not None:
                    same_name = [c for c in remaining
                                 if c.get("role") == entry["role"] and c.get("name") == entry["name"]]
                    if same_name:
                        remaining.remove(same_name[0])
                        what = ", ".join(k for k in ("size", "sha256", "md5", "sha1")
                                         if same_name[0].get(k) != entry[k])
                        r.add("artifact_mismatch", exhibit=exhibit, path=path, seq=ev["seq"], what=what or "record")
                    else:
                        r.add("artifact_not_recorded", exhibit=exhibit, path=path, seq=ev["seq"])
                    ok = False
                found = r.hashes.get(unicodedata.normalize("NFC", path))
                if found is None:
                    if path not in r.sums:
                        r.add("file_removed", path=path, exhibit=exhibit)
                    ok = False
                elif found[0] != a.get("sha256") or found[1] != a.get("size"):
                    what = "SHA-256" if found[0] != a.get("sha256") else "size"
                    r.add("artifact_mismatch", exhibit=exhibit, path=path, seq=ev["seq"] if ev else None, what=what)
                    ok = False
                art_results.append({"path": path, "role": a.get("role"), "name": a.get("name"),
                                    "mime": a.get("mime", ""), "size": a.get("size"), "sha256": a.get("sha256"),
                                    "ok": ok})
            if ev is not None:
                for x in remaining:
                    r.add("artifact_missing", exhibit=exhibit, name=x.get("name"), seq=ev["seq"])
            problems = r.problems[before:]
            for p in problems:
                p.exhibit = p.exhibit or exhibit
                p.params["exhibit"] = p.exhibit
            # A file-level problem on one of this item's files also fails the item.
            paths = {a["path"] for a in art_results}
            problems += [p for p in r.problems[:before] if p.path in paths]
            r.items.append({
                "exhibit": exhibit, "title": item.get("title", ""), "kind": item.get("kind", ""),
                "source": item.get("source", ""), "platform": item.get("platform", ""),
                "captured_at": item.get("captured_at", ""), "collector": item.get("collector", ""),
                "events": counts.get(exhibit, 0), "creation_event": ev["seq"] if ev else None,
                "artifacts": art_results, "problems": problems,
                "ok": not any(p.severity == "error" for p in problems)})
        for exhibit in creation:
            if exhibit not in in_manifest and m:
                r.add("item_removed", exhibit=exhibit)


def check(path: str, *, verify: Callable[[str, bytes, bytes], bool] | None = None,
          use_crypto: bool = True, progress: Callable[[int, int, str], None] | None = None,
          check_cancel: Callable[[], None] | None = None) -> tuple[Result, Source]:
    """Run every check. Returns the result and the (still open) source; close it when done."""
    if verify is None and use_crypto:
        verify = crypto_verifier()
    source = open_source(path)
    try:
        result = Checker(source, verify=verify, progress=progress, check_cancel=check_cancel).run()
    except BaseException:
        source.close()
        raise
    return result, source


# -- the command line -------------------------------------------------------------------
def _print_report(path: str, r: Result, out: Any) -> None:
    m = r.manifest
    case = m.get("case") or {}
    export = m.get("export") or {}
    exporter = export.get("exporter") or {}
    w = out.write
    w("Evidence Kit bundle verification / 증거 묶음 검증\n")
    w(f"Bundle / 묶음:        {path}\n")
    if case:
        w("Case / 사건:          {} {}\n".format(case.get("number", ""), case.get("title", "")))
    if export:
        w("Exported / 내보내기:  {} by {} ({})\n".format(export.get("exported_at", ""), exporter.get("name", ""),
                                                      exporter.get("badge", "")))
    if r.root_key:
        w("Case key / 사건 키:   {} {}\n".format(r.root_key["name"], r.root_key["public_key"]))
        w("  (compare with the agency's record / 기관 기록과 대조하십시오)\n")
    w("\nChecks / 검사:\n")
    for s in r.step_status():
        mark = {"ok": "OK    ", "failed": "FAILED", "skipped": "SKIP  ", "absent": "NONE  "}[s["status"]]
        w("  [{}] {}{}\n".format(mark, s["name"], (": " + s["detail"]) if s["detail"] else ""))
    w("\nItems / 증거물:\n")
    for item in r.items:
        verdict = "OK        " if item["ok"] else "FAILED    "
        w("  {} {} {} file(s)  {}\n".format(item["exhibit"], verdict, len(item["artifacts"]), item["title"]))
        for p in item["problems"]:
            w(f"      - {p.message}\n")
    if not r.items:
        w("  (none)\n")
    errors = [p for p in r.problems if p.severity == "error"]
    warnings = [p for p in r.problems if p.severity != "error"]
    if warnings:
        w("\nWarnings / 경고:\n")
        for p in warnings:
            w(f"  - {p.message}\n    {p.message_ko}\n")
    if errors:
        w("\nProblems / 문제:\n")
        for p in errors:
            w(f"  - {p.message}\n    {p.message_ko}\n")
        w(f"\nVERDICT: FAILED, {len(errors)} problem(s). / 판정: 검증 실패 ({len(errors)}건)\n")
    else:
        w("\nVERDICT: VERIFIED. Every file, custody event, {}item checks out. / 판정: 검증 완료\n".format(
            "signature and " if r.signatures_checked else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check an Evidence Kit evidence bundle (standard library only).")
    parser.add_argument("bundle", nargs="?", help="the bundle ZIP or folder (default: the folder of this file)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--no-crypto", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    path = args.bundle or os.path.dirname(os.path.abspath(__file__))
    try:
        result, source = check(path, use_crypto=not args.no_crypto)
    except BundleError as exc:
        sys.stderr.write(f"verify.py: {exc.message}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    source.close()
    if args.json:
        data = {"ok": result.ok, "checks": result.step_status(),
                "items": [dict(i, problems=[p.to_json() for p in i["problems"]]) for i in result.items],
                "problems": [p.to_json() for p in result.problems]}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        out = sys.stdout
        if hasattr(out, "reconfigure"):
            try:
                out.reconfigure(errors="replace")
            except (ValueError, OSError):  # pragma: no cover
                pass
        _print_report(path, result, out)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
