"""Platform identification: from any URL form of Telegram, X, Facebook, Instagram, YouTube,
TikTok or Discord, the platform, what the URL points at (kind), its stable identifiers and one
canonical URL. Pure: no network. Short links are resolved through the redirect chain that a
capture observed (the final URL decides when it names a known platform).

    >>> identify("https://mobile.twitter.com/someone/status/1234567890123456789/photo/1?s=20").canonical_url
    'https://x.com/i/status/1234567890123456789'

Unknown sites, malformed URLs and other schemes never raise: platform is None and
canonical_url is the URL normalised (see urls.normalise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import rules
from .urls import fallback_canonical, parse

PLATFORMS = ("telegram", "x", "facebook", "instagram", "youtube", "tiktok", "discord")

# Kinds that say "follow the link to know": a result of this kind is replaced by any more
# specific one found along the redirect chain.
UNRESOLVED_KINDS = frozenset({rules.SHORT_LINK, rules.PAGE, rules.LOGIN})


@dataclass(frozen=True)
class PlatformInfo:
    platform: str | None          # one of PLATFORMS, or None for any other site
    kind: str | None              # account, post, message, channel, video, reel, story, invite, …
    canonical_url: str            # one URL for the thing, whatever form it was observed in
    ids: dict[str, str] = field(default_factory=dict)  # stable identifiers (all strings)
    handle: str | None = None     # user/channel name as observed (names change; ids do not)
    observed_url: str = ""        # the URL as given
    resolved_url: str = ""        # the URL the result was read from (differs after a redirect)

    def __hash__(self) -> int:  # ids is a dict; the identity is what the URL names
        return hash((self.platform, self.kind, self.canonical_url))

    @property
    def known(self) -> bool:
        return self.platform is not None

    def to_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "kind": self.kind, "canonical_url": self.canonical_url,
                "ids": dict(self.ids), "handle": self.handle, "observed_url": self.observed_url,
                "resolved_url": self.resolved_url}


def _identify_one(url: str, depth: int = 0) -> PlatformInfo:
    tg = rules.telegram_scheme(url)
    if tg and depth < 4:  # tg://resolve?domain=… is the same as https://t.me/…
        inner = _identify_one(tg, depth + 1)
        return PlatformInfo(inner.platform, inner.kind, inner.canonical_url, inner.ids, inner.handle, url, tg)
    parsed = parse(url)
    if parsed is None:
        return PlatformInfo(None, None, fallback_canonical(url), {}, None, url, url)
    match = rules.match(parsed)
    if match is None:
        return PlatformInfo(None, None, parsed.normalised(), {}, None, url, url)
    if match.unwrap and depth < 4:  # login walls and link shims name the real target
        inner = _identify_one(match.unwrap, depth + 1)
        if inner.platform is not None and inner.kind not in UNRESOLVED_KINDS:
            return PlatformInfo(inner.platform, inner.kind, inner.canonical_url, inner.ids, inner.handle,
                                url, inner.resolved_url)
    canonical = match.canonical or parsed.normalised()
    return PlatformInfo(match.platform or None, match.kind, canonical, dict(match.ids), match.handle, url, url)


def identify(url: str, redirect_chain: Sequence[str] = ()) -> PlatformInfo:
    """Identify `url`; `redirect_chain` lists the URLs a capture went through after it, the last
    being where it ended. Never raises for any string."""
    if not isinstance(url, str):
        url = str(url)
    first = _identify_one(url)
    chain = [u for u in redirect_chain if isinstance(u, str) and u.strip() and u != url]
    if not chain:
        return first
    results = [_identify_one(u) for u in chain]
    final = results[-1]

    def specific(info: PlatformInfo) -> bool:
        return info.platform is not None and info.kind not in UNRESOLVED_KINDS

    # The final URL decides when it names something; then the URL as given; then the chain
    # from its end (a login wall at the end of a chain does not hide the post before it).
    for candidate in (final, first, *reversed(results[:-1])):
        if specific(candidate):
            return _observed_as(candidate, url)
    for candidate in (final, first, *reversed(results[:-1])):
        if candidate.platform is not None and candidate.kind != rules.SHORT_LINK:
            return _observed_as(candidate, url)
    return first if first.platform is not None else _observed_as(final, url)


def _observed_as(info: PlatformInfo, observed: str) -> PlatformInfo:
    return PlatformInfo(info.platform, info.kind, info.canonical_url, info.ids, info.handle, observed,
                        info.resolved_url or info.observed_url)


__all__ = ["PLATFORMS", "PlatformInfo", "identify"]
