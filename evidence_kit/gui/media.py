"""Previews of evidence images, decoded from memory (never written to disk), blurred unless
revealed. Suspect-controlled files: the decoder is told the size to produce up front and has an
allocation limit, so a decompression bomb cannot exhaust memory.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter

from ..core.filetypes import is_image

MAX_PREVIEW_BYTES = 64 << 20      # larger files are not decoded for a preview
MAX_SOURCE_PIXELS = 200_000_000    # width × height a file may claim
QImageReader.setAllocationLimit(256)  # MB


class PreviewError(Exception):
    pass


def previewable(mime: str) -> bool:
    return is_image(mime) and mime not in ("image/svg+xml",)  # SVG may fetch remote content


def decode(data: bytes, max_px: int) -> QImage:
    """Decode an image at most max_px on its longer side; raises PreviewError."""
    buf = QBuffer()
    buf.setData(QByteArray(data))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buf)
    reader.setAutoTransform(True)  # EXIF orientation
    size = reader.size()
    if not size.isValid():
        raise PreviewError(reader.errorString() or "not an image")
    if size.width() * size.height() > MAX_SOURCE_PIXELS:
        raise PreviewError(f"image too large ({size.width()}×{size.height()})")
    if max(size.width(), size.height()) > max_px:
        reader.setScaledSize(size.scaled(QSize(max_px, max_px), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise PreviewError(reader.errorString() or "could not decode")
    return image


def blur(image: QImage) -> QImage:
    """Unrecognisable on purpose: pixelate to ~16 px, then smooth back up (no detail survives)."""
    if image.isNull():
        return image
    w, h = image.width(), image.height()
    tiny = image.scaled(max(1, min(16, w)), max(1, min(16, h)), Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)
    tiny = tiny.scaled(max(1, tiny.width() // 2 or 1), max(1, tiny.height() // 2 or 1),
                       Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    out = tiny.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    painter = QPainter(out)
    painter.fillRect(out.rect(), QColor(40, 40, 40, 90))  # dim it, so it reads as "hidden"
    painter.end()
    return out


def preview(data: bytes, max_px: int, blurred: bool) -> QImage:
    """A preview image; blurred through core.imaging (Pillow) when that module exists, else Qt."""
    if len(data) > MAX_PREVIEW_BYTES:
        raise PreviewError("file too large for a preview")
    if blurred:
        with contextlib.suppress(ImportError):
            from ..core import imaging

            try:
                png = imaging.thumbnail(data, max_px, True)
            except Exception as exc:  # undecodable: say so, never show it unblurred
                raise PreviewError(str(exc)) from exc
            img = QImage.fromData(png)
            if not img.isNull():
                return img
        return blur(decode(data, max_px))
    return decode(data, max_px)
