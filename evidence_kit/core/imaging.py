"""Thumbnails of evidence images, blurred by default (no Qt; Pillow).

Used by the court report and by the GUI for its blurred previews. The input is
suspect-controlled, so decoding is bounded: the pixel count is checked from the header before
any pixel is decoded, JPEGs are decoded at reduced scale (draft mode), and whatever Pillow
cannot decode becomes one clear error.
"""

from __future__ import annotations

import io
import struct
import warnings

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from .errors import InputError

#: Largest image (width x height) decoded at full scale. 64 MP of RGBA is 256 MB.
MAX_PIXELS = 64_000_000
#: JPEGs decode at 1/2 .. 1/8 scale in draft mode, so a larger header is still cheap.
MAX_JPEG_PIXELS = 256_000_000
#: Blocks across the longer side when pixelating: faces and text become unrecognisable.
PIXEL_BLOCKS = 12
BLUR_WORK_PX = 96
DEFAULT_MAX_PX = 320


class ImageDecodeError(InputError):
    """The bytes are not an image Evidence Kit can show (or are too large to decode safely)."""


def _undecodable(reason: str) -> ImageDecodeError:
    return ImageDecodeError(f"The image cannot be shown: {reason}. / 이미지를 표시할 수 없습니다.")


def open_bounded(data: bytes, max_px: int) -> Image.Image:
    """Open, size-check and decode an image for a preview of at most max_px on its longer side.

    Returns an RGB or RGBA image with its EXIF orientation applied, not yet scaled to max_px.
    """
    if not data:
        raise _undecodable("the file is empty")
    with warnings.catch_warnings():
        # Pillow's own bomb check warns (or raises) on Image.MAX_IMAGE_PIXELS; ours is stricter.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise _undecodable("too large to decode safely") from None
        except UnidentifiedImageError:
            raise _undecodable("not a recognised image format") from None
        except (OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
            raise _undecodable(f"damaged header ({type(exc).__name__})") from None
        width, height = im.size
        limit = MAX_JPEG_PIXELS if im.format == "JPEG" else MAX_PIXELS
        if width <= 0 or height <= 0:
            raise _undecodable("the image has no pixels")
        if width * height > limit:
            raise _undecodable(f"{width}×{height} pixels is too large to decode safely")
        try:
            if im.format == "JPEG":
                # Decode at the smallest 1/n scale still at least max_px on both sides
                # (both sides, because EXIF orientation may swap them).
                im.draft("RGB", (max_px, max_px))
            im.load()
            upright: Image.Image = ImageOps.exif_transpose(im) or im
            return _to_rgb(upright)
        except Image.DecompressionBombError:
            raise _undecodable("too large to decode safely") from None
        except (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, ZeroDivisionError,
                MemoryError, struct.error) as exc:
            raise _undecodable(f"damaged image data ({type(exc).__name__})") from None


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("RGB", "RGBA"):
        return im
    if im.mode in ("LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        return im.convert("RGBA")
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit greyscale (TIFF, PNG): scale to 8 bits instead of clipping to white.
        return im.point(lambda v: v / 256).convert("L").convert("RGB")
    return im.convert("RGB")


def _flatten(im: Image.Image) -> Image.Image:
    """Transparent pixels over a neutral grey, so a transparent image is not a black square."""
    if im.mode != "RGBA":
        return im
    background = Image.new("RGB", im.size, (200, 200, 200))
    background.paste(im, mask=im.getchannel("A"))
    return background


def obscure(im: Image.Image) -> Image.Image:
    """Pixelate then blur: no face, text or body detail survives, only broad colour areas.

    The blur runs on a small copy (at most BLUR_WORK_PX) and is scaled up afterwards: the result
    holds no detail finer than the blocks anyway, and a wide Gaussian on the full preview would
    cost twenty times as much.
    """
    w, h = im.size
    scale = PIXEL_BLOCKS / max(w, h)
    small = im.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX)
    work_scale = min(1.0, BLUR_WORK_PX / max(w, h))
    work = (max(1, round(w * work_scale)), max(1, round(h * work_scale)))
    blocky = small.resize(work, Image.Resampling.NEAREST)
    blurred = blocky.filter(ImageFilter.GaussianBlur(radius=max(work) / (PIXEL_BLOCKS * 1.5)))
    return blurred if blurred.size == (w, h) else blurred.resize((w, h), Image.Resampling.BICUBIC)


def thumbnail_image(data: bytes, max_px: int = DEFAULT_MAX_PX, blur: bool = True,
                    max_aspect: float | None = None) -> Image.Image:
    """The preview as an RGB image of at most max_px on its longer side.

    max_aspect (height / width) keeps only the top of very tall images (full-page screenshots),
    which would otherwise shrink to an unreadable sliver.
    """
    if max_px < 8:
        raise ValueError("max_px must be at least 8")
    im = open_bounded(data, max_px)
    if max_aspect is not None and im.height > im.width * max_aspect:
        im = im.crop((0, 0, im.width, max(1, round(im.width * max_aspect))))
    im.thumbnail((max_px, max_px), Image.Resampling.LANCZOS, reducing_gap=2.0)
    im = _flatten(im)
    return obscure(im) if blur else im


def thumbnail(data: bytes, max_px: int = DEFAULT_MAX_PX, blur: bool = True,
              max_aspect: float | None = None) -> bytes:
    """A PNG preview of an image, at most max_px on its longer side, blurred unless blur=False.

    Raises ImageDecodeError (an InputError) for anything that is not a decodable, safely sized
    image: the caller shows a placeholder instead.
    """
    im = thumbnail_image(data, max_px, blur, max_aspect)
    out = io.BytesIO()
    # Level 1: a preview is re-made on demand, so encoding speed beats a few KB.
    im.save(out, "PNG", compress_level=1)
    return out.getvalue()
