"""PDQ perceptual hashes: reference vector, robustness, video frames, near-duplicate groups."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from evidence_kit.core import hooks, perceptual
from evidence_kit.core.case import Case
from evidence_kit.core.errors import InputError
from tests.conftest import FIXTURES
from tests.tg_builders import photo_bytes, video_bytes

# ThreatExchange's own PDQ test vector (python-threatexchange tests/hashing/test_pdq_hasher.py).
REFERENCE_PNG = FIXTURES / "pdq" / "threatexchange_random.png"
REFERENCE_PDQ = "ad64cd9875e131a177b1f2a0d6b38ae1de9ea80421e4c51dde1b0363deba3466"
PHOTO = FIXTURES / "telegram" / "tgif_coorporate_speak" / "photos" / "photo_317@05-06-2022_15-43-13.jpg"
OTHER_PHOTO = FIXTURES / "telegram" / "tgif_coorporate_speak" / "photos" / "photo_318@05-06-2022_16-32-35.jpg"


def _jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_reference_vector() -> None:
    pdq = perceptual.pdq_of_image_bytes(REFERENCE_PNG.read_bytes())
    assert pdq.hex == REFERENCE_PDQ and pdq.quality == 100


REAL_PHOTOS = [OTHER_PHOTO, FIXTURES / "exif" / "imagemeta__metadata-extractor__noExif.jpg",
               FIXTURES / "telegram" / "tgif_coorporate_speak" / "video_files" / "kiki-kikicat.mp4_thumb.jpg"]


def _best(hashes: list[perceptual.FrameHash], other: perceptual.Pdq) -> int:
    return min(perceptual.hamming(h.pdq.hex, other.hex) for h in hashes)


@pytest.mark.parametrize("photo", REAL_PHOTOS, ids=lambda p: p.name[:20])
@pytest.mark.parametrize("cut", [(0.01, 0.01, 0.01, 0.01), (0.025, 0.025, 0.025, 0.025), (0.03, 0, 0, 0),
                                 (0, 0.05, 0, 0), (0.025, 0.025, 0, 0), (0, 0, 0.05, 0.05)],
                         ids=["2%", "5%", "left3%", "top5%", "corner5%", "corner10%"])
def test_resized_recompressed_cropped_copy_stays_within_threshold(photo: Path, cut: tuple[float, ...]) -> None:
    original = Image.open(photo)
    hashes = perceptual.image_hashes(photo.read_bytes())
    assert hashes[0].variant == "" and hashes[0].pdq.quality >= perceptual.MIN_QUALITY
    w, h = original.size
    left, top, right, bottom = cut
    changed = original.crop((int(w * left), int(h * top), w - int(w * right), h - int(h * bottom)))
    copy = perceptual.pdq_of_image_bytes(_jpeg(changed.resize((w * 6 // 10, h * 6 // 10)), 50))
    assert _best(hashes, copy) <= perceptual.DEFAULT_THRESHOLD
    for other in [*REAL_PHOTOS, PHOTO]:
        if other != photo:
            assert _best(hashes, perceptual.pdq_of_image_bytes(other.read_bytes())) > perceptual.DEFAULT_THRESHOLD


def test_whole_image_hash_is_standard_pdq() -> None:
    hashes = perceptual.image_hashes(REFERENCE_PNG.read_bytes())
    assert hashes[0].pdq.hex == REFERENCE_PDQ
    assert len(hashes) == 1  # too small for crop variants


def test_generated_photos_robust_and_distinct() -> None:
    a = Image.open(io.BytesIO(photo_bytes(11, (640, 480))))
    h = perceptual.pdq_of_image(a)
    small = perceptual.pdq_of_image_bytes(_jpeg(a.crop((12, 9, 628, 471)).resize((300, 225)), 50))
    assert perceptual.hamming(h.hex, small.hex) <= perceptual.DEFAULT_THRESHOLD
    b = perceptual.pdq_of_image_bytes(photo_bytes(12, (640, 480)))
    assert perceptual.hamming(h.hex, b.hex) > perceptual.DEFAULT_THRESHOLD


def test_video_frames_are_sampled() -> None:
    frames = perceptual.pdq_of_video_bytes(video_bytes(30))
    assert len(frames) == 3  # a 3 s clip: one frame a second
    assert [f.frame for f in frames] == [0, 1, 2]
    assert frames[1].at_ms is not None and frames[1].at_ms >= 900
    assert all(perceptual.is_pdq_hex(f.pdq.hex) for f in frames)


def test_undecodable_inputs_are_input_errors() -> None:
    with pytest.raises(InputError, match="cannot be decoded"):
        perceptual.pdq_of_image_bytes(b"\xff\xd8\xff not really a jpeg")
    with pytest.raises(InputError):
        perceptual.pdq_of_video_bytes(b"\x00\x00\x00\x18ftypmp42 broken")


def _random_hash(rnd: random.Random) -> int:
    return rnd.getrandbits(256)


def _flip(value: int, bits: int, rnd: random.Random) -> int:
    for b in rnd.sample(range(256), bits):
        value ^= 1 << b
    return value


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 64))
def test_hamming_index_is_exact(seed: int, threshold: int) -> None:
    rnd = random.Random(seed)
    values = [_random_hash(rnd) for _ in range(60)]
    values += [_flip(values[i], rnd.randrange(0, 70), rnd) for i in range(30)]
    index = perceptual.HammingIndex(values, threshold)
    for q in [*values[:10], _flip(values[0], threshold, rnd)]:
        brute = {(i, (v ^ q).bit_count()) for i, v in enumerate(values) if (v ^ q).bit_count() <= threshold}
        assert set(index.query(q)) == brute


def test_threshold_bounds() -> None:
    with pytest.raises(InputError, match="between 0 and 64"):
        perceptual.check_threshold(65)
    with pytest.raises(InputError):
        perceptual.check_threshold(-1)


def _ingest_bytes(case: Case, tmp_path: Path, name: str, data: bytes) -> int:
    p = tmp_path / name
    p.write_bytes(data)
    return case.ingest([p]).items[0].id


def test_groups_in_a_case(case: Case, tmp_path: Path) -> None:
    original = Image.open(io.BytesIO(photo_bytes(21, (640, 480))))
    _ingest_bytes(case, tmp_path, "a.jpg", _jpeg(original, 90))
    _ingest_bytes(case, tmp_path, "b.jpg", _jpeg(original.crop((16, 12, 624, 468)).resize((320, 240)), 50))
    _ingest_bytes(case, tmp_path, "c.png", photo_bytes(22, (640, 480), "PNG"))
    _ingest_bytes(case, tmp_path, "notes.txt", b"not an image")
    groups = perceptual.similar_groups(case)
    assert len(groups) == 1
    assert [m.name for m in groups[0].members] == ["a.jpg", "b.jpg"]
    assert groups[0].max_distance <= perceptual.DEFAULT_THRESHOLD
    assert perceptual.similar_groups(case, threshold=0) == [] or groups[0].max_distance == 0
    status = dict(case.conn.execute("SELECT a.name, s.status FROM perceptual_status s JOIN artifacts a "
                                    "ON a.id = s.artifact_id").fetchall())
    assert status == {"a.jpg": "ok", "b.jpg": "ok", "c.png": "ok"}


def test_video_artifact_groups_with_its_frame_image(case: Case, tmp_path: Path) -> None:
    import av
    import numpy as np

    data = video_bytes(30, seed=8)
    with av.open(io.BytesIO(data)) as c:
        frame = next(iter(c.decode(video=0))).to_ndarray(format="rgb24")
    still = Image.fromarray(np.asarray(frame)).resize((192, 192))
    _ingest_bytes(case, tmp_path, "clip.mp4", data)
    _ingest_bytes(case, tmp_path, "still.png", _png(still))
    frames = perceptual.artifact_hashes(case)
    assert sorted(len(v) for v in frames.values()) == [1, 3]
    groups = perceptual.similar_groups(case, min_quality=0)
    assert len(groups) == 1 and {m.name for m in groups[0].members} == {"clip.mp4", "still.png"}


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def test_on_demand_index_for_older_items(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "ITEM_COMMITTED", [])
    _ingest_bytes(case, tmp_path, "old.jpg", photo_bytes(31))
    _ingest_bytes(case, tmp_path, "broken.jpg", b"\xff\xd8\xff\xe0 truncated")
    assert perceptual.artifact_hashes(case) == {}
    report = perceptual.index_case(case)
    assert report.hashed == 1 and len(report.failed) == 1 and "broken.jpg" in report.failed[0]
    assert len(perceptual.artifact_hashes(case)) == 1
    again = perceptual.index_case(case)  # nothing left to do, failures are not retried forever
    assert again.hashed == 0 and again.failed == []


def test_preview_is_blurred(case: Case, tmp_path: Path) -> None:
    item = case.item(_ingest_bytes(case, tmp_path, "p.jpg", PHOTO.read_bytes()))
    art = item.artifacts[0]
    blurred = Image.open(io.BytesIO(perceptual.preview_png(case, art)))
    sharp = Image.open(io.BytesIO(perceptual.preview_png(case, art, blur=False)))
    assert blurred.size == sharp.size and max(blurred.size) == 256
    from PIL import ImageChops, ImageStat

    diff = ImageStat.Stat(ImageChops.difference(blurred.convert("L"), sharp.convert("L"))).mean[0]
    assert diff > 3
    edges_blur = ImageStat.Stat(blurred.convert("L").filter(_edges())).mean[0]
    edges_sharp = ImageStat.Stat(sharp.convert("L").filter(_edges())).mean[0]
    assert edges_blur < edges_sharp / 3


def _edges():  # type: ignore[no-untyped-def]
    from PIL import ImageFilter

    return ImageFilter.FIND_EDGES


def test_large_image_is_reduced_before_hashing() -> None:
    big = Image.open(io.BytesIO(photo_bytes(51, (640, 480)))).resize((4000, 3000))
    out = io.BytesIO()
    big.save(out, "PNG")
    pdq = perceptual.pdq_of_image_bytes(out.getvalue())
    reference = perceptual.pdq_of_image(big)  # the full-size hash, slow but exact
    assert perceptual.hamming(pdq.hex, reference.hex) <= 12
