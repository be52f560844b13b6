"""Coverage-guided fuzz targets (atheris) for every parser that reads suspect-controlled input.

Each target must end in a result or a typed EvidenceKitError: any other exception is a
crash (atheris reports it with the input that caused it), a hang is caught by -timeout.

    fuzz/run.sh [SECONDS_PER_TARGET]
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("EVIDENCE_KIT_INSECURE_FAST_KDF", "1")
os.environ.setdefault("EVIDENCE_KIT_HOME", tempfile.mkdtemp(prefix="ek-fuzz-home-"))

import atheris

with atheris.instrument_imports():
    from evidence_kit.core import exif, keyslots, timestamps
    from evidence_kit.core.errors import EvidenceKitError
    from evidence_kit.core.export import verify_bundle, wacz
    from evidence_kit.core.platforms import identify
    from evidence_kit.core.telegram import parser as tg_parser

WORK = Path(tempfile.mkdtemp(prefix="ek-fuzz-"))


def fuzz_exif(data: bytes) -> None:
    json.dumps(exif.read_exif(io.BytesIO(data)))


def fuzz_identify(data: bytes) -> None:
    url = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(400)
    info = identify(url)
    json.dumps(info.to_json())


def fuzz_tsp(data: bytes) -> None:
    """Bytes as an authority's TimeStampResp and as a stored token: refused with a message, never
    a crash (the digest is the seed corpus's)."""
    digest = bytes.fromhex("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
    try:
        timestamps.parse_response(data, digest, None)
    except EvidenceKitError:
        pass
    check = timestamps.verify_token(data, digest, data[:4000])
    assert isinstance(check.ok, bool) and check.message


def fuzz_keyslots(data: bytes) -> None:
    (WORK / "keyslots.json").write_bytes(data)
    try:
        slots = keyslots.read(WORK)
        keyslots.unlock(slots, "kim", "officer-pass-1")
    except EvidenceKitError:
        pass


def fuzz_telegram(data: bytes) -> None:
    try:
        for _ in tg_parser.iter_export(io.BytesIO(data), max_messages=10_000):
            pass
    except EvidenceKitError:
        pass


def fuzz_warc(data: bytes) -> None:
    try:
        wacz.index_warc(io.BytesIO(data), "fuzz.warc.gz")
    except EvidenceKitError:
        pass


def fuzz_bundle(data: bytes) -> None:
    """Arbitrary bytes as a bundle, and the same bytes as members of a well-formed zip."""
    target = WORK / "bundle.zip"
    target.write_bytes(data)
    try:
        verify_bundle.verify_bundle(target)
    except EvidenceKitError:
        pass
    fdp = atheris.FuzzedDataProvider(data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in ("manifest.json", "SHA256SUMS", "custody/ledger.jsonl", "custody/keys.json"):
            z.writestr(name, fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 2000)))
    target.write_bytes(buf.getvalue())
    try:
        verify_bundle.verify_bundle(target)
    except EvidenceKitError:
        pass


TARGETS: dict[str, Callable[[bytes], None]] = {
    "exif": fuzz_exif, "identify": fuzz_identify, "keyslots": fuzz_keyslots,
    "telegram": fuzz_telegram, "warc": fuzz_warc, "bundle": fuzz_bundle, "tsp": fuzz_tsp,
}

if __name__ == "__main__":
    name = sys.argv.pop(1)
    atheris.Setup(sys.argv, TARGETS[name])
    atheris.Fuzz()
