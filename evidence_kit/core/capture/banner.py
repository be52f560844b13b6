"""The derived screenshot with a banner: URL, capture time (UTC) and exhibit number above
the page, so a printed copy says what it is. The raw screenshot is stored untouched beside it."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..paths import resource

_FONT_CANDIDATES = (
    ("fonts", "NanumGothic.ttf"),
    ("fonts", "NanumGothicBold.ttf"),
)
_SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf",
    "C:/Windows/Fonts/malgun.ttf",
    "/System/Library/Fonts/AppleSDGothicNeo.ttc",
)
BANNER_BG = (25, 35, 60)
BANNER_FG = (255, 255, 255)
ACCENT = (255, 196, 0)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font with Hangul (URLs and titles are often Korean)."""
    paths = [resource(*c) for c in _FONT_CANDIDATES] + [Path(p) for p in _SYSTEM_FONTS]
    for p in paths:
        if p.is_file():
            try:
                return ImageFont.truetype(str(p), size)
            except OSError:
                continue
    return ImageFont.load_default(size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
         width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if draw.textlength(text[:mid] + "…", font=font) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…"


def banner_png(screenshot_png: bytes, *, url: str, when_utc: str, exhibit: str) -> bytes:
    """A new PNG: a banner strip, then the screenshot as captured (pixels unchanged)."""
    with Image.open(io.BytesIO(screenshot_png)) as shot:
        shot.load()
        return banner_from_image(shot, url=url, when_utc=when_utc, exhibit=exhibit)


def banner_from_image(shot: Image.Image, *, url: str, when_utc: str, exhibit: str) -> bytes:
    width = max(shot.width, 480)
    scale = max(1.0, width / 1280)
    size = int(18 * scale)
    font, bold = _font(size), _font(int(size * 1.15))
    pad = int(12 * scale)
    line = int(size * 1.6)
    banner_h = pad * 2 + line * 3
    out = Image.new("RGB", (width, banner_h + shot.height), BANNER_BG)
    draw = ImageDraw.Draw(out)
    y = pad
    draw.text((pad, y), _fit(draw, f"{exhibit}", bold, width - 2 * pad), font=bold, fill=ACCENT)
    y += line
    draw.text((pad, y), _fit(draw, f"URL: {url}", font, width - 2 * pad), font=font, fill=BANNER_FG)
    y += line
    draw.text((pad, y), _fit(draw, f"Captured (UTC) / 수집 시각: {when_utc}   ·   Evidence Kit",
                             font, width - 2 * pad), font=font, fill=BANNER_FG)
    out.paste(shot if shot.mode == "RGB" else shot.convert("RGB"), (0, banner_h))
    return png_bytes(out)


def png_bytes(image: Image.Image) -> bytes:
    """Lossless, quickly: zlib level 1 (Pillow encodes without holding the GIL)."""
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=1)
    return buf.getvalue()
