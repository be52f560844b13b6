"""Checking a URL before anything is fetched: only http and https, well formed."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

from .errors import UrlRefusedError

ALLOWED_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 8192


def check_url(url: str) -> str:
    """Return the URL, trimmed and with a lower-case scheme and host, or raise UrlRefusedError.

    A bare host ("example.com/page") gets https:// in front, as a browser's address bar would.
    """
    text = (url or "").strip()
    if not text:
        raise UrlRefusedError("No URL given. / URL이 없습니다.")
    if len(text) > MAX_URL_LENGTH:
        raise UrlRefusedError(f"The URL is longer than {MAX_URL_LENGTH} characters. / URL이 너무 깁니다.")
    if any(ord(c) < 32 or c in " \x7f" for c in text):
        raise UrlRefusedError("The URL contains spaces or control characters. / "
                              "URL에 공백이나 제어 문자가 있습니다.")
    if "://" not in text:
        scheme = text.split(":", 1)[0].lower() if ":" in text else ""
        if scheme and not scheme.isdigit() and "." not in scheme and scheme not in ("localhost",):
            raise UrlRefusedError(_scheme_message(scheme))
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise UrlRefusedError(f"Malformed URL: {_short(text)} / 잘못된 URL입니다.") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UrlRefusedError(_scheme_message(scheme))
    host = parts.hostname or ""
    if not host:
        raise UrlRefusedError(f"The URL has no host name: {_short(text)} / URL에 호스트가 없습니다.")
    if not _valid_host(host):
        raise UrlRefusedError(f"Malformed host name {host!r}. / 호스트 이름이 잘못되었습니다.")
    netloc = parts.netloc
    if "@" in netloc:
        # user:password@ in a URL is a classic phishing disguise and would leak credentials
        raise UrlRefusedError("URLs with a user name or password (user@host) are refused. / "
                              "사용자 정보가 포함된 URL은 허용되지 않습니다.")
    host_part = f"[{host}]" if ":" in host else host
    netloc = host_part + (f":{port}" if port is not None else "")
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return all(0 < len(label) <= 63 and all(c.isalnum() or c in "-_" for c in label)
               and not label.startswith("-") and not label.endswith("-") for label in labels)


def _scheme_message(scheme: str) -> str:
    return (f"Only http and https addresses can be captured, not {scheme}:. / "
            f"http, https 주소만 수집할 수 있습니다 ({scheme}: 불가).")


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."
