"""keyslots.json: how each user unlocks a case.

Per user: Argon2id(password, salt) -> key-encryption key (KEK); the case master key (CMK) and
the user's Ed25519 signing key are each wrapped under the KEK with AES-256-GCM. The
associated data binds each wrapped key to the case id, the user and its purpose, so a slot
copied to another user or case does not open.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import crypto
from .errors import AuthenticationError, NewerSchemaError, NotACaseError

FORMAT = "evidence-kit-keyslots"
VERSION = 1
FILE_NAME = "keyslots.json"
_BAD_LOGIN = ("Wrong user name or password. / 사용자 이름 또는 비밀번호가 틀렸습니다.")


@dataclass(frozen=True)
class Unlocked:
    cmk: bytes
    signing_key: crypto.SigningKey


def _aad(case_id: str, user: str, purpose: str) -> bytes:
    return json.dumps([FORMAT, VERSION, case_id, user, purpose]).encode("utf-8")


def new_case_id() -> str:
    return str(uuid.uuid4())


def make_slot(case_id: str, user: str, password: str, cmk: bytes,
              signing_key: crypto.SigningKey) -> dict[str, Any]:
    params = crypto.default_argon2_params()
    salt = crypto.random_bytes(16)
    kek = crypto.derive_password_key(password, salt, params)
    return {
        "user": user,
        "kdf": params.to_json(),
        "salt": crypto.b64e(salt),
        "cmk": crypto.b64e(crypto.wrap(kek, cmk, _aad(case_id, user, "cmk"))),
        "signing_key": crypto.b64e(crypto.wrap(kek, signing_key.raw(), _aad(case_id, user, "signing_key"))),
    }


def read(case_dir: Path) -> dict[str, Any]:
    path = case_dir / FILE_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotACaseError(f"{case_dir} is not an Evidence Kit case (no {FILE_NAME}). / "
                            "Evidence Kit 사건 폴더가 아닙니다.") from None
    except IsADirectoryError:
        raise NotACaseError(f"{case_dir} is not an Evidence Kit case. / Evidence Kit 사건 폴더가 아닙니다.") from None
    if len(raw) > 16 << 20:
        raise NotACaseError(f"{path} is not a valid key slot file (too large).")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise NotACaseError(f"{path} is damaged (not valid JSON). / 키 파일이 손상되었습니다.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise NotACaseError(f"{path} is not an Evidence Kit key slot file.")
    version = data.get("version")
    if not isinstance(version, int):
        raise NotACaseError(f"{path} is damaged (no version).")
    if version > VERSION:
        raise NewerSchemaError(f"This case was written by a newer version of Evidence Kit (key slots v{version}). / "
                               "더 새로운 버전의 Evidence Kit으로 만들어진 사건입니다.")
    if not isinstance(data.get("case_id"), str) or not isinstance(data.get("slots"), list):
        raise NotACaseError(f"{path} is damaged (missing fields).")
    return data


def write(case_dir: Path, data: dict[str, Any]) -> None:
    """Atomic replace: a crash leaves the old file or the new one, never a mix."""
    path = case_dir / FILE_NAME
    tmp = case_dir / f".{FILE_NAME}.{os.getpid()}.tmp"
    payload = json.dumps(data, indent=2, sort_keys=True).encode("utf-8")
    with open(tmp, "wb") as f:
        f.write(payload)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def new_file(case_id: str) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "case_id": case_id, "slots": []}


def unlock(data: dict[str, Any], user: str, password: str) -> Unlocked:
    """Unlock the slot of `user`. Unknown user and wrong password fail the same way and after
    the same Argon2 work, so the answer does not tell which was wrong."""
    case_id = data["case_id"]
    slot = next((s for s in data["slots"] if isinstance(s, dict) and s.get("user") == user), None)
    try:
        if slot is None:
            raise ValueError("no slot")
        params = crypto.Argon2Params.from_json(slot["kdf"])
        salt = crypto.b64d(slot["salt"])
        wrapped_cmk = crypto.b64d(slot["cmk"])
        wrapped_sk = crypto.b64d(slot["signing_key"])
    except (ValueError, KeyError, TypeError, AttributeError):
        crypto.derive_password_key(password, b"\0" * 16, crypto.default_argon2_params())
        raise AuthenticationError(_BAD_LOGIN) from None
    try:
        kek = crypto.derive_password_key(password, salt, params)
    except Exception:  # argon2 refuses parameters it cannot use: a damaged slot
        raise AuthenticationError(_BAD_LOGIN) from None
    cmk = crypto.unwrap(kek, wrapped_cmk, _aad(case_id, user, "cmk"))
    sk = crypto.unwrap(kek, wrapped_sk, _aad(case_id, user, "signing_key"))
    if cmk is None or sk is None or len(cmk) != crypto.KEY_BYTES:
        raise AuthenticationError(_BAD_LOGIN)
    try:
        signing_key = crypto.SigningKey.from_raw(sk)
    except ValueError:
        raise AuthenticationError(_BAD_LOGIN) from None
    return Unlocked(cmk, signing_key)


def replace_slot(data: dict[str, Any], slot: dict[str, Any]) -> None:
    data["slots"] = [s for s in data["slots"] if s.get("user") != slot["user"]] + [slot]


def remove_slot(data: dict[str, Any], user: str) -> None:
    with contextlib.suppress(Exception):
        data["slots"] = [s for s in data["slots"] if s.get("user") != user]
