"""MIME type from content (magic bytes), never from the file name a suspect chose."""

from __future__ import annotations

import mimetypes

import puremagic

_SNIFF = 8192
_TEXT_CHARS = bytes(range(32, 127)) + b"\n\r\t\f\b"


def sniff_mime(head: bytes, name: str = "") -> str:
    """MIME type of content starting with `head`; the name is only a tie-breaker for text."""
    if not head:
        return "application/x-empty"
    stripped = head.lstrip()[:64].lower()
    if stripped.startswith(b"<svg") or (stripped.startswith(b"<?xml") and b"<svg" in head[:4096]):
        return "image/svg+xml"
    try:
        matches = puremagic.magic_string(head[:_SNIFF])
    except (puremagic.PureError, ValueError):
        matches = []
    for m in matches:
        if m.mime_type:
            return str(m.mime_type)
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    if stripped.startswith((b"{", b"[")):
        return "application/json"
    try:
        head[:_SNIFF].decode("utf-8")
        is_text = True
    except UnicodeDecodeError:
        is_text = not head[:_SNIFF].translate(None, _TEXT_CHARS)
    if is_text:
        guess = mimetypes.guess_type(name)[0] if name else None
        return guess if guess and guess.startswith("text/") else "text/plain"
    return "application/octet-stream"


def is_image(mime: str) -> bool:
    return mime.startswith("image/") and mime != "image/svg+xml"


def is_video(mime: str) -> bool:
    return mime.startswith("video/")
