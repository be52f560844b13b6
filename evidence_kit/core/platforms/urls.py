"""URL parsing and normalisation that never raises, for suspect-supplied links."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters that may stay unescaped in a normalised path / query (RFC 3986 unreserved + sub-delims).
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = "/:@!$&'()*+,;=-._~%?"
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass
class ParsedUrl:
    """A URL split into parts that platform rules match on. `host` is lower case, IDNA-encoded
    and without a trailing dot; `segments` are the non-empty, percent-decoded path parts."""

    scheme: str
    host: str
    port: int | None
    path: str
    query: str
    fragment: str
    segments: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)  # first value of each query parameter

    @property
    def bare_host(self) -> str:
        """The host without www./m./mobile. and similar prefixes that never change the content."""
        host = self.host
        for prefix in ("www.", "m.", "mobile.", "web.", "mbasic.", "touch.", "free.", "lite.", "business."):
            if host.startswith(prefix) and host.count(".") >= 2:
                return host[len(prefix):]
        return host

    def param(self, name: str) -> str:
        return self.params.get(name, "")

    def normalised(self) -> str:
        return normalise(self)


def _idna(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if not host:
        return ""
    if ":" in host and not host.startswith("["):  # urlsplit drops the brackets of IPv6 literals
        host = f"[{host}]"
    if host.startswith("[") and host.endswith("]"):
        try:
            return "[" + ipaddress.IPv6Address(host[1:-1]).compressed + "]"
        except ValueError:
            return host
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return quote(host, safe=".-")


def parse(url: str) -> ParsedUrl | None:
    """Split `url`; None when it is not an http(s) URL that can be parsed. A URL without a
    scheme ("t.me/name") is taken as https, as a browser's address bar would."""
    text = url.strip()
    if not text or any(ord(c) < 32 for c in text):
        text = "".join(c for c in text if ord(c) >= 32).strip()
        if not text:
            return None
    if text.startswith("//"):
        text = "https:" + text
    elif not _SCHEME_RE.match(text) or re.match(r"^[\w.-]+:\d+(/|$)", text):
        text = "https://" + text
    # As browsers do (WHATWG URL) for http(s): a backslash before the query is a slash. Without
    # this, "https://evil.example\\@x.com/…" would be read as x.com while a browser opens evil.example.
    cut = min((i for i in (text.find("?"), text.find("#")) if i >= 0), default=len(text))
    text = text[:cut].replace("\\", "/") + text[cut:]
    try:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return None
        host = _idna(parts.hostname or "")
        port = parts.port
    except ValueError:
        return None
    if not host or " " in host:
        return None
    if port is not None and DEFAULT_PORTS.get(scheme) == port:
        port = None
    path = parts.path or "/"
    segments = [unquote(s) for s in path.split("/") if s]
    params: dict[str, str] = {}
    try:
        for k, v in parse_qsl(parts.query, keep_blank_values=True):
            params.setdefault(k, v)
    except ValueError:
        params = {}
    return ParsedUrl(scheme, host, port, path, parts.query, parts.fragment, segments, params)


def normalise(p: ParsedUrl) -> str:
    """scheme and host in lower case, IDNA host, default port and user info dropped, empty path
    as "/", percent-encoding made consistent, the fragment dropped unless it is a route ("#!",
    "#/") that a single-page site needs to show the same thing."""
    netloc = p.host + (f":{p.port}" if p.port else "")
    path = quote(unquote(p.path), safe=_PATH_SAFE) if "%" not in p.path else quote(p.path, safe=_PATH_SAFE)
    query = quote(p.query, safe=_QUERY_SAFE)
    fragment = p.fragment if p.fragment.startswith(("!", "/")) else ""
    return urlunsplit((p.scheme, netloc, path or "/", query, quote(fragment, safe=_QUERY_SAFE + "#")))


def fallback_canonical(url: str) -> str:
    """What to call a URL that cannot be parsed: the text as given, trimmed."""
    return "".join(c for c in url.strip() if ord(c) >= 32)
