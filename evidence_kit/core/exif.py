"""EXIF extraction with exifread, hardened for suspect-controlled files.

Returns plain JSON-able data: make, model, software, DateTimeOriginal with its offset,
GPS as decimal degrees. A malformed block yields what could be read plus an `error` field,
never an exception.
"""

from __future__ import annotations

import logging
import re
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import exifread

logging.getLogger("exifread").setLevel(logging.CRITICAL)

MAX_EXIF_SCAN = 64 << 20  # exifread reads only the start; files beyond this are not parsed
_FIELDS = {
    "Image Make": "make",
    "Image Model": "model",
    "Image Software": "software",
    "Image DateTime": "datetime",
    "EXIF DateTimeOriginal": "datetime_original",
    "EXIF OffsetTimeOriginal": "offset_time_original",
    "EXIF DateTimeDigitized": "datetime_digitized",
    "EXIF LensModel": "lens_model",
    "Image Orientation": "orientation",
    "EXIF ExifImageWidth": "width",
    "EXIF ExifImageLength": "height",
    "Image Artist": "artist",
    "Image Copyright": "copyright",
    "EXIF BodySerialNumber": "body_serial",
}


def _clean_text(value: Any, limit: int = 256) -> str:
    text = str(value).replace("\x00", "").strip()
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    return text[:limit]


def _ratio(value: Any) -> Fraction:
    if isinstance(value, Fraction):
        return value
    num = getattr(value, "num", None)
    den = getattr(value, "den", None)
    if num is not None and den is not None:
        if den == 0:
            raise ValueError("zero denominator")
        return Fraction(int(num), int(den))
    if isinstance(value, int | float):
        return Fraction(value)
    text = str(value).strip()
    if "/" in text:
        n, d = text.split("/", 1)
        return Fraction(int(n), int(d))
    return Fraction(text)


def _degrees(tag: Any) -> float:
    values: list[Any] = list(getattr(tag, "values", []) or [])
    if len(values) == 1 and isinstance(values[0], str):  # some writers store "37.5, 127.0" text
        values = [p for p in re.split(r"[ ,]+", values[0]) if p]
    if not values or len(values) > 3:
        raise ValueError("bad GPS coordinate")
    parts: list[Fraction] = [_ratio(v) for v in values] + [Fraction(0)] * (3 - len(values))
    deg = parts[0] + parts[1] / 60 + parts[2] / 3600
    return float(deg)


def gps_from_tags(tags: dict[str, Any]) -> dict[str, Any] | None:
    lat, lat_ref = tags.get("GPS GPSLatitude"), tags.get("GPS GPSLatitudeRef")
    lon, lon_ref = tags.get("GPS GPSLongitude"), tags.get("GPS GPSLongitudeRef")
    if lat is None or lon is None:
        return None
    try:
        la, lo = _degrees(lat), _degrees(lon)
    except (ValueError, ZeroDivisionError, TypeError, ArithmeticError):
        return {"error": "unreadable GPS coordinates"}
    if lat_ref is not None and _clean_text(lat_ref).upper().startswith("S"):
        la = -la
    if lon_ref is not None and _clean_text(lon_ref).upper().startswith("W"):
        lo = -lo
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        return {"error": "GPS coordinates out of range"}
    gps: dict[str, Any] = {"latitude": round(la, 7), "longitude": round(lo, 7)}
    alt = tags.get("GPS GPSAltitude")
    if alt is not None:
        try:
            value = float(_ratio(list(alt.values)[0]))
            ref = tags.get("GPS GPSAltitudeRef")
            if ref is not None and str(getattr(ref, "values", [0])[0]) == "1":
                value = -value
            gps["altitude_m"] = round(value, 2)
        except (ValueError, ZeroDivisionError, TypeError, IndexError, ArithmeticError):
            pass
    date, time = tags.get("GPS GPSDate"), tags.get("GPS GPSTimeStamp")
    if date is not None:
        gps["date"] = _clean_text(date, 32)
    if time is not None:
        try:
            h, m, s = (float(_ratio(v)) for v in list(time.values)[:3])
            if not (0 <= h < 24 and 0 <= m < 60 and 0 <= s < 61):
                raise ValueError("GPS time out of range")
            gps["time_utc"] = f"{int(h):02d}:{int(m):02d}:{s:06.3f}"
        except (ValueError, ZeroDivisionError, TypeError, ArithmeticError):
            pass
    return gps


def format_gps(gps: dict[str, Any] | None) -> str:
    """The map-free line shown to users: "37.5665000, 126.9780000 (alt 38 m)"."""
    if not gps:
        return ""
    if "error" in gps:
        return str(gps["error"])
    line = f"{gps['latitude']:.7f}, {gps['longitude']:.7f}"
    if "altitude_m" in gps:
        line += f" (alt {gps['altitude_m']:g} m)"
    return line


def read_exif(stream: BinaryIO) -> dict[str, Any]:
    """EXIF of an image stream; {} when there is none."""
    try:
        tags = exifread.process_file(stream, details=False, extract_thumbnail=False)
    except Exception as exc:  # exifread raises many kinds on corrupt input
        return {"error": f"unreadable EXIF ({type(exc).__name__})"}
    if not tags:
        return {}
    out: dict[str, Any] = {}
    for tag, key in _FIELDS.items():
        if tag in tags:
            text = _clean_text(tags[tag])
            if text:
                out[key] = text
    gps = gps_from_tags(tags)
    if gps:
        out["gps"] = gps
    out["tag_count"] = len(tags)
    return out


def read_exif_file(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return read_exif(f)
    except OSError as exc:
        return {"error": f"unreadable file ({exc.strerror})"}
