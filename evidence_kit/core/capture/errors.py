"""Typed errors of a web capture; each message is one line in English and Korean."""

from __future__ import annotations

from ..errors import EvidenceKitError, InputError


class UrlRefusedError(InputError):
    """The URL is malformed or uses a scheme other than http/https."""


class NetworkError(EvidenceKitError):
    """The server could not be reached or stopped answering."""

    exit_code = 7


class DnsError(NetworkError):
    """The host name does not resolve."""


class ConnectionRefusedError_(NetworkError):
    """The host refused the connection (nothing listens on that port)."""


class CaptureTimeoutError(NetworkError):
    """The server did not answer within the time limit."""


class TlsError(NetworkError):
    """The HTTPS certificate did not verify and invalid TLS was not allowed."""

    exit_code = 8


class ProxyError(NetworkError):
    """The configured proxy could not be used."""


class RenderError(EvidenceKitError):
    """The page could not be rendered (QtWebEngine missing or crashed)."""
