"""Thumbnails and the blur: hostile input, orientation, modes, and that the blur really hides."""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from evidence_kit.core import imaging
from evidence_kit.core.errors import InputError
from evidence_kit.core.imaging import ImageDecodeError, thumbnail

FIXTURES = Path(__file__).parent.parent / "fixtures"
PHOTO = FIXTURES / "telegram/tgif_coorporate_speak/photos/photo_317@05-06-2022_15-43-13.jpg"


def _png(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def _jpeg(im: Image.Image, **kw: object) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92, **kw)
    return out.getvalue()


def _open(png: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(png))
    assert im.format == "PNG"
    return im.convert("RGB")


def _edge_energy(im: Image.Image) -> float:
    """Mean edge strength: how much fine detail (text, features) an image holds."""
    edges = im.convert("L").filter(ImageFilter.FIND_EDGES)
    inner = edges.crop((2, 2, im.size[0] - 2, im.size[1] - 2))  # the filter's own border is not detail
    return float(ImageStat.Stat(inner).mean[0])


def _detailed_image(w: int = 640, h: int = 480) -> Image.Image:
    rng = random.Random(5)
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    for y in range(0, h, 24):
        d.text((4, y), "SECRET FACE TEXT 0123456789 " * 4, fill=(0, 0, 0))
    for _ in range(200):
        x, y = rng.randrange(w), rng.randrange(h)
        d.ellipse((x, y, x + 12, y + 12), outline=(rng.randrange(256), 0, 0))
    return im


def test_fixture_photo_thumbnail_is_png_within_bounds() -> None:
    data = PHOTO.read_bytes()
    original = Image.open(io.BytesIO(data))
    png = thumbnail(data, 200, blur=False)
    im = _open(png)
    assert max(im.size) == 200
    ratio_in = original.size[0] / original.size[1]
    assert abs(im.size[0] / im.size[1] - ratio_in) < 0.02


def test_unblurred_thumbnail_matches_a_plain_resize() -> None:
    data = PHOTO.read_bytes()
    ours = _open(thumbnail(data, 160, blur=False))
    ref = Image.open(io.BytesIO(data)).convert("RGB")
    ref.thumbnail((160, 160), Image.Resampling.LANCZOS)
    assert ours.size == ref.size
    diff = ImageStat.Stat(ImageChops.difference(ours, ref)).mean
    assert max(diff) < 6  # draft-mode decoding differs only by rounding


def test_blur_removes_detail_and_differs_strongly() -> None:
    data = _png(_detailed_image())
    sharp = _open(thumbnail(data, 320, blur=False))
    blurred = _open(thumbnail(data, 320, blur=True))
    assert blurred.size == sharp.size
    # Nearly all fine detail is gone ...
    assert _edge_energy(blurred) < 0.05 * _edge_energy(sharp)
    # ... and the picture is far from the original pixel for pixel.
    diff = ImageStat.Stat(ImageChops.difference(sharp, blurred)).mean
    assert sum(diff) / 3 > 20


def test_blurred_photo_keeps_only_broad_colour() -> None:
    data = PHOTO.read_bytes()
    sharp = _open(thumbnail(data, 320, blur=False))
    blurred = _open(thumbnail(data, 320, blur=True))
    assert _edge_energy(blurred) < 0.1 * _edge_energy(sharp)
    # Shrinking the blurred preview to 12 px and back loses almost nothing: no structure finer
    # than the pixelation grid survives.
    w, h = blurred.size
    coarse = blurred.resize((12, max(1, round(12 * h / w))), Image.Resampling.BOX).resize((w, h))
    assert max(ImageStat.Stat(ImageChops.difference(blurred, coarse)).mean) < 12


def test_exif_orientation_is_applied() -> None:
    im = Image.new("RGB", (400, 200), "red")
    ImageDraw.Draw(im).rectangle((0, 0, 199, 199), fill="blue")  # left half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise for display
    png = thumbnail(_jpeg(im, exif=exif.tobytes()), 100, blur=False)
    out = _open(png)
    assert out.size == (50, 100)
    # After a clockwise turn the blue (left) half is on top.
    top = out.getpixel((25, 10))
    bottom = out.getpixel((25, 90))
    assert top[2] > 200 and top[0] < 60
    assert bottom[0] > 200 and bottom[2] < 60


def test_small_image_is_not_enlarged() -> None:
    out = _open(thumbnail(_png(Image.new("RGB", (40, 30), "green")), 320, blur=False))
    assert out.size == (40, 30)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "L", "1", "I;16", "CMYK"])
def test_every_common_mode_becomes_rgb(mode: str) -> None:
    base = _detailed_image(120, 90)
    if mode == "I;16":
        im = Image.new("I;16", (120, 90))
        im.putdata([i * 7 % 65536 for i in range(120 * 90)])
        data = _png(im)
    elif mode == "CMYK":
        data = _jpeg(base.convert("CMYK"))
    elif mode == "RGBA":
        im = base.convert("RGBA")
        im.putalpha(0)  # fully transparent: shown over grey, not black
        data = _png(im)
        out = _open(thumbnail(data, 64, blur=False))
        assert out.getpixel((5, 5)) == (200, 200, 200)
        return
    else:
        data = _png(base.convert(mode))
    out = _open(thumbnail(data, 64, blur=True))
    assert max(out.size) == 64


def test_animated_gif_uses_first_frame() -> None:
    frames = [Image.new("P", (50, 50), i) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=50)
    assert max(_open(thumbnail(out.getvalue(), 32, blur=False)).size) == 32


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _jpeg_with_size(width: int, height: int) -> bytes:
    data = bytearray(_jpeg(Image.new("RGB", (16, 16), "white")))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


@pytest.mark.parametrize("data", [
    pytest.param(_png_header_only(100_000, 100_000), id="png-10-gigapixel"),
    pytest.param(_png_header_only(9000, 9000), id="png-81-megapixel"),
    pytest.param(_jpeg_with_size(65000, 65000), id="jpeg-4-gigapixel"),
])
def test_decompression_bombs_are_refused_before_decoding(data: bytes) -> None:
    with pytest.raises(ImageDecodeError, match="too large"):
        thumbnail(data, 320)


@pytest.mark.parametrize("data", [
    pytest.param(b"", id="empty"),
    pytest.param(b"not an image at all" * 50, id="text"),
    pytest.param(bytes(random.Random(1).randrange(256) for _ in range(4096)), id="random"),
    pytest.param(PHOTO.read_bytes()[:2000], id="truncated-jpeg"),
    pytest.param(_png(Image.new("RGB", (64, 64), "red"))[:60], id="truncated-png"),
    pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", id="svg"),
    pytest.param((FIXTURES / "exif/imagemeta__corrupt__huge_tag_exif.jpg").read_bytes(), id="corrupt-exif-fixture"),
])
def test_undecodable_data_raises_one_clear_error(data: bytes) -> None:
    with pytest.raises(ImageDecodeError) as info:
        thumbnail(data, 320)
    assert isinstance(info.value, InputError)
    assert "/" in info.value.message and "이미지" in info.value.message


@pytest.mark.parametrize("path", sorted(p for p in FIXTURES.glob("**/*") if p.suffix in (".jpg", ".png", ".webp")
                                        and "huge_tag" not in p.name), ids=lambda p: p.name)
def test_real_fixture_images_all_decode(path: Path) -> None:
    out = _open(thumbnail(path.read_bytes(), 96, blur=True))
    assert 0 < max(out.size) <= 96


def test_max_px_must_be_sane() -> None:
    with pytest.raises(ValueError):
        imaging.thumbnail(PHOTO.read_bytes(), 2)


def test_max_aspect_keeps_the_top_of_a_tall_screenshot() -> None:
    page = Image.new("RGB", (400, 4000), "white")
    ImageDraw.Draw(page).rectangle((0, 0, 399, 399), fill="black")  # the top screenful is black
    out = _open(thumbnail(_png(page), 200, blur=False, max_aspect=1.5))
    assert out.size == (133, 200)
    assert out.getpixel((60, 20)) == (0, 0, 0)
    assert out.getpixel((60, 190)) == (255, 255, 255)
