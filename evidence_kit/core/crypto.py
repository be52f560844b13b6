"""Key derivation, key wrapping and signatures. Thin, reviewed wrappers over `cryptography`
and `argon2-cffi`; nothing here invents a primitive."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32

# Labels for keys derived from the case master key (CMK). Changing one breaks every case.
LABEL_DATABASE = b"evidence-kit/v1/database"
LABEL_OBJECT_NAMES = b"evidence-kit/v1/object-names"
LABEL_OBJECT = b"evidence-kit/v1/object"


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost. The default (3 passes over 64 MiB, 2 lanes) takes about 0.2-0.4 s here,
    which makes each password guess cost the same for an attacker."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 2

    def to_json(self) -> dict[str, Any]:
        return {"name": "argon2id", "time_cost": self.time_cost, "memory_kib": self.memory_kib,
                "parallelism": self.parallelism, "hash_len": KEY_BYTES}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Argon2Params:
        if data.get("name") != "argon2id":
            raise ValueError("unsupported key derivation function")
        params = cls(int(data["time_cost"]), int(data["memory_kib"]), int(data["parallelism"]))
        # Refuse absurd costs from a tampered keyslots.json instead of allocating terabytes.
        if not (1 <= params.time_cost <= 64 and 1 <= params.parallelism <= 64
                and 8 * params.parallelism <= params.memory_kib <= 4 * 1024 * 1024):
            raise ValueError("key derivation parameters out of range")
        return params


def default_argon2_params() -> Argon2Params:
    """Production parameters. The test suite sets EVIDENCE_KIT_INSECURE_FAST_KDF=1 to create
    cases quickly; the parameters used are stored with each key slot, so such a case stays
    weak and is recognisable as such."""
    if os.environ.get("EVIDENCE_KIT_INSECURE_FAST_KDF") == "1":
        return Argon2Params(time_cost=1, memory_kib=64, parallelism=1)
    return Argon2Params()


def derive_password_key(password: str, salt: bytes, params: Argon2Params) -> bytes:
    return hash_secret_raw(password.encode("utf-8"), salt, time_cost=params.time_cost,
                           memory_cost=params.memory_kib, parallelism=params.parallelism,
                           hash_len=KEY_BYTES, type=Type.ID)


def hkdf(key: bytes, info: bytes, salt: bytes | None = None, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(key)


def random_bytes(n: int) -> bytes:
    return os.urandom(n)


def wrap(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM: 12-byte random nonce ‖ ciphertext ‖ tag."""
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unwrap(key: bytes, blob: bytes, aad: bytes) -> bytes | None:
    """The plaintext, or None when the key is wrong or the blob was altered."""
    if len(blob) < 12 + 16:
        return None
    try:
        return AESGCM(key).decrypt(blob[:12], blob[12:], aad)
    except InvalidTag:
        return None


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


class SigningKey:
    """A user's Ed25519 key. The private half only ever exists unwrapped in memory."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, raw: bytes) -> SigningKey:
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def raw(self) -> bytes:
        return self._private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                           serialization.NoEncryption())

    def public_hex(self) -> str:
        return self._private.public_key().public_bytes(serialization.Encoding.Raw,
                                                       serialization.PublicFormat.Raw).hex()

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def __repr__(self) -> str:  # never print key material
        return f"SigningKey(public={self.public_hex()[:16]}…)"


def verify_signature(public_hex: str, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False
