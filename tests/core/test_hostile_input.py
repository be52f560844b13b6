"""Hostile input to the core: damaged key slot files and EXIF blocks never crash with a
traceback or hang; they end in a typed error or a partial, clearly marked result."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_kit.core.case import Case
from evidence_kit.core.errors import EvidenceKitError
from evidence_kit.core.exif import read_exif
from tests.conftest import FIXTURES, OFFICER, OFFICER_PW

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20)


@pytest.fixture(scope="module")
def pristine_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "c.ekcase"
    Case.create(path, number="H-1", title="t", user=OFFICER, password=OFFICER_PW).close()
    return path


def _mutations(slots: dict) -> st.SearchStrategy[dict]:  # type: ignore[type-arg]
    slot_keys = ["user", "kdf", "salt", "cmk", "signing_key"]

    @st.composite
    def mutate(draw: st.DrawFn) -> dict:  # type: ignore[type-arg]
        data = json.loads(json.dumps(slots))
        target = draw(st.sampled_from(["top", "slot", "kdf"]))
        if target == "top":
            data[draw(st.sampled_from(["format", "version", "case_id", "slots"]))] = draw(json_values)
        elif target == "slot":
            data["slots"][0][draw(st.sampled_from(slot_keys))] = draw(json_values)
        else:
            kdf = data["slots"][0]["kdf"]
            kdf[draw(st.sampled_from(["name", "time_cost", "memory_kib", "parallelism"]))] = draw(
                json_values | st.integers(-(2**40), 2**40))
        return data

    return mutate()


def test_damaged_keyslots_never_crash(pristine_case: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    original = json.loads((pristine_case / "keyslots.json").read_text())

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=_mutations(original))
    def run(data: dict) -> None:  # type: ignore[type-arg]
        (pristine_case / "keyslots.json").write_text(json.dumps(data))
        try:
            Case.open(pristine_case, user=OFFICER, password=OFFICER_PW).close()
        except EvidenceKitError:
            pass

    try:
        run()
    finally:
        (pristine_case / "keyslots.json").write_text(json.dumps(original))


@settings(max_examples=80, deadline=None)
@given(blob=st.binary(max_size=4000))
def test_random_bytes_as_keyslots(tmp_path_factory: pytest.TempPathFactory, blob: bytes) -> None:
    d = tmp_path_factory.mktemp("ks")
    (d / "keyslots.json").write_bytes(blob)
    (d / "case.db").write_bytes(b"")
    with pytest.raises(EvidenceKitError):
        Case.open(d, user=OFFICER, password=OFFICER_PW)


def _jpeg_with_exif(tiff: bytes) -> bytes:
    app1 = b"Exif\0\0" + tiff
    return b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + b"\xff\xd9"


@settings(max_examples=120, deadline=None)
@given(tiff=st.binary(min_size=0, max_size=600), endian=st.sampled_from([b"II*\0", b"MM\0*"]))
def test_random_exif_blocks_never_raise(tiff: bytes, endian: bytes) -> None:
    result = read_exif(io.BytesIO(_jpeg_with_exif(endian + struct.pack("<I", 8) + tiff)))
    assert isinstance(result, dict)
    json.dumps(result)  # always storable


@settings(max_examples=200, deadline=None)
@given(flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=8))
def test_mutated_real_exif_never_raises(flips: list[tuple[int, int]]) -> None:
    data = bytearray((FIXTURES / "exif" / "imagemeta__goexif__has-lens-info.jpg").read_bytes()[:12000])
    for pos, val in flips:
        data[pos % len(data)] ^= val
    result = read_exif(io.BytesIO(bytes(data)))
    json.dumps(result)


def test_real_corrupt_exif_fixtures(case: Case) -> None:
    for f in sorted((FIXTURES / "exif").iterdir()):
        result = read_exif(io.BytesIO(f.read_bytes()))
        json.dumps(result)
        gps = result.get("gps")
        if gps and "latitude" in gps:
            assert -90 <= gps["latitude"] <= 90 and -180 <= gps["longitude"] <= 180
