"""The application icon: every PNG/ICO/ICNS is a current rendering of the SVG (re-run
packaging/make-icons.py after editing it), at the sizes desktops and installers ask for."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render_svg(size: int) -> Image.Image:
    renderer = QSvgRenderer(str(ICONS / "evidence-kit.svg"))
    assert renderer.isValid()
    image = QImage(size, size, QImage.Format.Format_RGBA8888)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return Image.frombytes("RGBA", (size, size), bytes(image.constBits()))


@pytest.mark.parametrize("size", SIZES)
def test_png_is_a_current_rendering_of_the_svg(qapp, size: int) -> None:
    png = Image.open(ICONS / f"evidence-kit-{size}.png")
    assert png.size == (size, size) and png.mode == "RGBA"
    diff = ImageChops.difference(png, render_svg(size))
    # Tolerate rounding between premultiplied and straight alpha, not a changed drawing.
    assert max(band_max for _, band_max in diff.getextrema()) <= 8


def test_icon_is_a_shield_on_a_transparent_background(qapp) -> None:
    png = Image.open(ICONS / "evidence-kit-256.png")
    assert png.getpixel((2, 2))[3] == 0            # corners transparent
    assert png.getpixel((20, 240))[3] == 0         # beside the shield's point
    r, g, b, a = png.getpixel((200, 120))          # shield body: opaque blue
    assert a == 255 and b > r and b > g


def test_windows_and_macos_containers() -> None:
    ico = Image.open(ICONS / "evidence-kit.ico")
    assert ico.format == "ICO"
    assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    icns = Image.open(ICONS / "evidence-kit.icns")
    assert icns.format == "ICNS"
    sizes = set(icns.info["sizes"])
    assert (512, 512, 1) in sizes and any(s[0] == 16 for s in sizes)


def test_qt_loads_the_svg_as_an_icon(qapp) -> None:
    icon = QIcon(str(ICONS / "evidence-kit.svg"))
    pixmap = icon.pixmap(64, 64)
    assert not icon.isNull() and pixmap.width() == 64
