#!/usr/bin/env python3
"""Render the application icon from resources/icons/evidence-kit.svg.

Writes resources/icons/evidence-kit-<N>.png for every size in SIZES, evidence-kit.ico (Windows,
all sizes up to 256 in one file) and evidence-kit.icns (macOS). Run it after editing the SVG:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make-icons.py

Uses Qt's SVG renderer (already a dependency) and Pillow for the ICO/ICNS containers; the
output is committed so that builds need neither step.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "evidence-kit.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> Image.Image:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return Image.open(io.BytesIO(bytes(data.data()))).convert("RGBA")


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 1
    images = {size: render(renderer, size) for size in SIZES}
    for size, image in images.items():
        # No timestamps or text chunks, so that re-running the script changes nothing.
        image.save(ICONS / f"evidence-kit-{size}.png", optimize=True)
    # Each ICO/ICNS entry rendered at its own size (sharper than scaling the 512 one down).
    images[256].save(ICONS / "evidence-kit.ico", sizes=[(s, s) for s in ICO_SIZES],
                     append_images=[images[s] for s in ICO_SIZES if s != 256])
    images[512].save(ICONS / "evidence-kit.icns", append_images=[images[s] for s in (16, 32, 64, 128, 256)])
    print(f"wrote {len(SIZES)} PNGs, evidence-kit.ico and evidence-kit.icns to {ICONS}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
