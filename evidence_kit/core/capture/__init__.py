"""Web capture without Qt: the HTTP exchange as WARC, embedded media, and the item.

The rendered page (screenshot, PDF, MHTML, DOM) comes from evidence_kit.render, which
passes a renderer to capture_web(); the CLI and GUI use evidence_kit.render.webcapture.
"""

from .errors import (
    CaptureTimeoutError,
    ConnectionRefusedError_,
    DnsError,
    NetworkError,
    ProxyError,
    RenderError,
    TlsError,
    UrlRefusedError,
)
from .urls import check_url
from .web import CaptureOptions, CaptureOutcome, Renderer, RenderOutput, RenderRequest, capture_web

__all__ = [
    "CaptureOptions", "CaptureOutcome", "CaptureTimeoutError", "ConnectionRefusedError_", "DnsError",
    "NetworkError", "ProxyError", "RenderError", "RenderOutput", "RenderRequest", "Renderer", "TlsError",
    "UrlRefusedError", "capture_web", "check_url",
]
