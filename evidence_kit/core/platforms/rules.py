"""Per-platform URL rules.

User names are case-insensitive on every one of these platforms, so canonical URLs spell them in
lower case (the `handle` field keeps them as observed); Discord invite codes and Instagram
shortcodes are case-sensitive and kept as they are.
 Each rule takes a ParsedUrl whose host belongs to the platform and
returns a Match; unknown paths on a known host give kind "page" with the normalised URL.

Identifiers are kept as strings (ids can exceed 2**53). Snowflake ids carry their creation time,
which is added as `<name>_time` (UTC, ISO 8601, milliseconds) because it dates the post or
message even after it is deleted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from .urls import ParsedUrl

# Kinds
ACCOUNT = "account"
POST = "post"
MESSAGE = "message"
CHANNEL = "channel"
VIDEO = "video"
REEL = "reel"
STORY = "story"
GROUP = "group"
INVITE = "invite"
SERVER = "server"
PHOTO = "photo"
PLAYLIST = "playlist"
LIST = "list"
COMMENT = "comment"
MEDIA = "media"
SHORT_LINK = "short_link"
PAGE = "page"
LOGIN = "login"


@dataclass
class Match:
    platform: str
    kind: str
    canonical: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    handle: str | None = None
    unwrap: str = ""  # a URL this one only leads to (login wall, link shim, redirect page)


def _time_ms(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


DISCORD_EPOCH_MS = 1420070400000
TWITTER_EPOCH_MS = 1288834974657
TWITTER_FIRST_SNOWFLAKE = 29_700_859_247  # ids below this (before Nov 2010) were sequential


def snowflake_time(value: str, epoch_ms: int) -> str | None:
    """Creation time encoded in a Twitter/Discord snowflake id, or None if it is not one."""
    if not value.isdigit() or len(value) > 20:
        return None
    n = int(value)
    if n >= 1 << 64 or n < 1 << 22:
        return None
    ms = (n >> 22) + epoch_ms
    try:
        return _time_ms(ms)
    except (OverflowError, OSError, ValueError):
        return None


def tiktok_time(value: str) -> str | None:
    """TikTok item ids (19 digits) carry their creation time in seconds in the top 32 bits."""
    if not value.isdigit() or not 17 <= len(value) <= 20:
        return None
    n = int(value)
    if n >= 1 << 64:
        return None
    seconds = n >> 32
    if not 1_400_000_000 <= seconds <= 4_102_444_800:  # 2014 .. 2100
        return None
    return _time_ms(seconds * 1000)


def _digits(s: str, min_len: int = 1, max_len: int = 25) -> bool:
    return s.isascii() and s.isdigit() and min_len <= len(s) <= max_len


def _q(s: str) -> str:
    return quote(s, safe="@._-~")


# -- X / Twitter ----------------------------------------------------------------------------
X_HOSTS = {"x.com", "twitter.com", "fxtwitter.com", "vxtwitter.com", "fixupx.com", "fixvx.com",
           "twittpr.com", "nitter.net", "nitter.poast.org", "xcancel.com", "tweetdeck.twitter.com",
           "pro.x.com", "mobile.x.com", "api.fxtwitter.com", "d.fxtwitter.com", "d.vxtwitter.com"}
X_RESERVED = {"home", "explore", "notifications", "messages", "search", "settings", "i", "intent", "share",
              "login", "logout", "signup", "tos", "privacy", "compose", "hashtag", "account", "jobs",
              "download", "about", "help", "en", "ko", "rules", "who_to_follow", "following", "followers",
              "lists", "bookmarks", "communities", "premium", "verified", "status", "statuses", "search-advanced"}
X_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,50}$")


def _x_status(sid: str, handle: str | None, ids: dict[str, str] | None = None) -> Match:
    out = {"status_id": sid, **(ids or {})}
    if int(sid) >= TWITTER_FIRST_SNOWFLAKE:
        t = snowflake_time(sid, TWITTER_EPOCH_MS)
        if t:
            out["status_time"] = t
    return Match("x", POST, f"https://x.com/i/status/{sid}", out, handle)


def _x_account(handle: str, user_id: str = "") -> Match:
    ids = {"user_id": user_id} if user_id else {}
    canonical = f"https://x.com/{handle.lower()}" if handle else f"https://x.com/i/user/{user_id}"
    return Match("x", ACCOUNT, canonical, ids, handle or None)


def rule_x(p: ParsedUrl) -> Match:
    seg = list(p.segments)
    # Old hash-bang links: twitter.com/#!/name/status/123
    if not seg and p.fragment.startswith("!/"):
        seg = [s for s in p.fragment[2:].split("?")[0].split("/") if s]
    if p.host.startswith("api.") and seg:
        seg = seg[1:] if len(seg) >= 3 and seg[1] == "status" else seg
    lower = [s.lower() for s in seg]
    if not seg:
        return Match("x", PAGE)
    if lower[0] == "i":
        if len(seg) >= 4 and lower[1] == "web" and lower[2] == "status" and _digits(seg[3]):
            return _x_status(seg[3], None)
        if len(seg) >= 3 and lower[1] in ("status", "statuses") and _digits(seg[2]):
            return _x_status(seg[2], None)
        if len(seg) >= 3 and lower[1] == "user" and _digits(seg[2]):
            return _x_account("", seg[2])
        if len(seg) >= 3 and lower[1] == "lists" and _digits(seg[2]):
            return Match("x", LIST, f"https://x.com/i/lists/{seg[2]}", {"list_id": seg[2]})
        if len(seg) >= 3 and lower[1] == "communities" and _digits(seg[2]):
            return Match("x", GROUP, f"https://x.com/i/communities/{seg[2]}", {"community_id": seg[2]})
        if len(seg) >= 3 and lower[1] == "spaces":
            return Match("x", "space", f"https://x.com/i/spaces/{_q(seg[2])}", {"space_id": seg[2]})
        if len(seg) >= 3 and lower[1] == "broadcasts":
            return Match("x", VIDEO, f"https://x.com/i/broadcasts/{_q(seg[2])}", {"broadcast_id": seg[2]})
        if len(seg) >= 3 and lower[1] == "flow" and lower[2] == "login":
            target = p.param("redirect_after_login")
            return Match("x", LOGIN, unwrap=("https://x.com" + target) if target.startswith("/") else "")
        return Match("x", PAGE)
    if lower[0] in ("intent", "intents") and len(seg) >= 2:
        if lower[1] in ("user", "follow"):
            name, uid = p.param("screen_name"), p.param("user_id")
            if (name and X_HANDLE.match(name)) or _digits(uid):
                return _x_account(name if name and X_HANDLE.match(name) else "", uid if _digits(uid) else "")
        for key in ("tweet_id", "in_reply_to"):
            if _digits(p.param(key)):
                return _x_status(p.param(key), None)
        return Match("x", PAGE)
    if lower[0] in ("statuses", "status") and len(seg) >= 2 and _digits(seg[1]):
        return _x_status(seg[1], None)
    if lower[0] == "hashtag" and len(seg) >= 2:
        return Match("x", "hashtag", f"https://x.com/hashtag/{_q(seg[1])}", {"hashtag": seg[1]})
    if lower[0] == "login" and p.param("redirect_after_login").startswith("/"):
        return Match("x", LOGIN, unwrap="https://x.com" + p.param("redirect_after_login"))
    handle = seg[0].lstrip("@")
    if lower[0] in X_RESERVED or not X_HANDLE.match(handle):
        return Match("x", PAGE)
    if len(seg) >= 3 and lower[1] in ("status", "statuses") and _digits(seg[2]):
        return _x_status(seg[2], handle)
    if len(seg) >= 3 and lower[1] == "lists":
        return Match("x", LIST, f"https://x.com/{handle.lower()}/lists/{_q(seg[2])}", {"list_slug": seg[2]}, handle)
    return _x_account(handle)


# -- YouTube --------------------------------------------------------------------------------
YT_HOSTS = {"youtube.com", "youtu.be", "youtube-nocookie.com", "music.youtube.com", "gaming.youtube.com",
            "youtube.googleapis.com", "youtubekids.com", "invidio.us", "yewtu.be", "piped.video",
            "consent.youtube.com"}
YT_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
YT_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
YT_RESERVED = {"watch", "embed", "v", "e", "shorts", "live", "channel", "c", "user", "playlist", "feed",
               "results", "attribution_link", "redirect", "oembed", "clip", "post", "hashtag", "account",
               "signin", "premium", "about", "t", "howyoutubeworks", "gaming", "music", "kids", "s"}


def _yt_video(vid: str, p: ParsedUrl) -> Match:
    ids = {"video_id": vid}
    lst = p.param("list")
    if lst and re.match(r"^[A-Za-z0-9_-]{2,64}$", lst):
        ids["playlist_id"] = lst
    comment = p.param("lc")  # a link to one comment under the video
    if comment and re.match(r"^[A-Za-z0-9_.-]{10,80}$", comment):
        ids["comment_id"] = comment
        return Match("youtube", COMMENT, f"https://www.youtube.com/watch?v={vid}&lc={comment}", ids)
    return Match("youtube", VIDEO, f"https://www.youtube.com/watch?v={vid}", ids)


def _yt_channel(p: ParsedUrl, seg: list[str]) -> Match | None:
    first = seg[0]
    if first.startswith("@") and len(first) > 1:
        handle = first[1:]
        return Match("youtube", CHANNEL, f"https://www.youtube.com/@{_q(handle.lower())}", {}, handle)
    low = first.lower()
    if low == "channel" and len(seg) >= 2 and YT_CHANNEL_ID.match(seg[1]):
        if len(seg) >= 3 and seg[2].lower() == "community" and p.param("lb"):
            return Match("youtube", POST, f"https://www.youtube.com/post/{_q(p.param('lb'))}",
                         {"post_id": p.param("lb"), "channel_id": seg[1]})
        return Match("youtube", CHANNEL, f"https://www.youtube.com/channel/{seg[1]}", {"channel_id": seg[1]})
    if low in ("c", "user") and len(seg) >= 2:
        key = "custom_url" if low == "c" else "legacy_username"
        return Match("youtube", CHANNEL, f"https://www.youtube.com/{low}/{_q(seg[1])}", {key: seg[1]}, seg[1])
    return None


def rule_youtube(p: ParsedUrl) -> Match:
    host = p.bare_host
    seg = p.segments
    if host == "consent.youtube.com" or p.host.startswith("consent."):
        return Match("youtube", LOGIN, unwrap=p.param("continue"))
    if host == "youtu.be":
        if seg and YT_ID.match(seg[0]):
            return _yt_video(seg[0], p)
        return Match("youtube", PAGE)
    v = p.param("v")
    low = [s.lower() for s in seg]
    if low and low[0] in ("watch", "watch_popup") and YT_ID.match(v):
        return _yt_video(v, p)
    if low and low[0] == "watch" and len(seg) >= 2 and YT_ID.match(seg[1]):
        return _yt_video(seg[1], p)
    if low and low[0] == "embed" and len(seg) >= 2 and seg[1] == "videoseries":  # 11 letters, not an id
        lst = p.param("list")
        if lst:
            return Match("youtube", PLAYLIST, f"https://www.youtube.com/playlist?list={_q(lst)}", {"playlist_id": lst})
        return Match("youtube", PAGE)
    if low and low[0] in ("embed", "v", "e", "shorts", "live", "video") and len(seg) >= 2 and YT_ID.match(seg[1]):
        return _yt_video(seg[1], p)
    if low and low[0] == "attribution_link":
        inner = p.param("u")
        if inner.startswith("/"):
            return Match("youtube", SHORT_LINK, unwrap="https://www.youtube.com" + inner)
    if low and low[0] == "oembed" and p.param("url"):
        return Match("youtube", SHORT_LINK, unwrap=p.param("url"))
    if low and low[0] == "redirect" and p.param("q"):
        return Match("youtube", SHORT_LINK, unwrap=p.param("q"))
    if low and low[0] == "playlist" and p.param("list"):
        lst = p.param("list")
        return Match("youtube", PLAYLIST, f"https://www.youtube.com/playlist?list={_q(lst)}", {"playlist_id": lst})
    if low and low[0] == "clip" and len(seg) >= 2:
        return Match("youtube", "clip", f"https://www.youtube.com/clip/{_q(seg[1])}", {"clip_id": seg[1]})
    if low and low[0] == "post" and len(seg) >= 2:
        return Match("youtube", POST, f"https://www.youtube.com/post/{_q(seg[1])}", {"post_id": seg[1]})
    if low and low[0] == "hashtag" and len(seg) >= 2:
        return Match("youtube", "hashtag", f"https://www.youtube.com/hashtag/{_q(seg[1])}", {"hashtag": seg[1]})
    if seg:
        ch = _yt_channel(p, seg)
        if ch is not None:
            return ch
        if low[0] not in YT_RESERVED and re.match(r"^[A-Za-z0-9_.-]{1,100}$", seg[0]) and len(seg) <= 2 \
                and host == "youtube.com" and (len(seg) == 1 or low[1] in ("videos", "featured", "about")):
            # youtube.com/NAME: a legacy vanity URL of a channel
            return Match("youtube", CHANNEL, f"https://www.youtube.com/{_q(seg[0])}", {"custom_url": seg[0]},
                         seg[0])
    if YT_ID.match(v):
        return _yt_video(v, p)
    return Match("youtube", PAGE)


# -- Instagram ------------------------------------------------------------------------------
IG_HOSTS = {"instagram.com", "instagr.am", "ddinstagram.com", "d.ddinstagram.com", "imginn.com",
            "l.instagram.com", "help.instagram.com", "about.instagram.com"}
IG_SHORTCODE = re.compile(r"^[A-Za-z0-9_-]{5,64}$")
IG_USER = re.compile(r"^[A-Za-z0-9_.]{1,30}$")
IG_RESERVED = {"p", "reel", "reels", "tv", "stories", "explore", "accounts", "direct", "about", "developer",
               "legal", "web", "emails", "challenge", "privacy", "terms", "press", "api", "oauth", "graphql",
               "static", "s", "ar", "session", "nametag", "qr", "invites", "directory", "your_activity",
               "lite", "threads", "l", "share", "_u", "_n", "create", "topics"}
IG_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
POST_KINDS = {"p": POST, "reel": REEL, "reels": REEL, "tv": VIDEO}


def instagram_media_id(shortcode: str) -> str | None:
    """The numeric media id a (public, ≤ 11 character) shortcode encodes in URL-safe base64."""
    if not 1 <= len(shortcode) <= 11:
        return None
    n = 0
    for c in shortcode:
        i = IG_ALPHABET.find(c)
        if i < 0:
            return None
        n = n * 64 + i
    return str(n)


def _ig_post(code: str, kind: str, handle: str | None = None, rest: list[str] | None = None) -> Match:
    ids = {"shortcode": code}
    media = instagram_media_id(code)
    if media:
        ids["media_id"] = media
    rest = rest or []
    if len(rest) >= 2 and rest[0] == "c" and _digits(rest[1]):  # /p/CODE/c/COMMENT_ID/: one comment
        ids["comment_id"] = rest[1]
        return Match("instagram", COMMENT, f"https://www.instagram.com/p/{code}/c/{rest[1]}/", ids, handle)
    return Match("instagram", kind, f"https://www.instagram.com/p/{code}/", ids, handle)


def rule_instagram(p: ParsedUrl) -> Match:
    seg = p.segments
    low = [s.lower() for s in seg]
    if p.bare_host == "l.instagram.com" or p.host.startswith("l."):
        return Match("instagram", SHORT_LINK, unwrap=p.param("u"))
    if not seg:
        return Match("instagram", PAGE)
    if low[0] in POST_KINDS and len(seg) >= 2 and IG_SHORTCODE.match(seg[1]) and seg[1].lower() != "audio":
        return _ig_post(seg[1], POST_KINDS[low[0]], rest=seg[2:])
    if low[0] == "reels" and len(seg) >= 3 and low[1] == "audio" and _digits(seg[2]):
        return Match("instagram", "audio", f"https://www.instagram.com/reels/audio/{seg[2]}/", {"audio_id": seg[2]})
    if low[0] == "stories" and len(seg) >= 2:
        if low[1] == "highlights" and len(seg) >= 3 and _digits(seg[2]):
            return Match("instagram", "highlight", f"https://www.instagram.com/stories/highlights/{seg[2]}/",
                         {"highlight_id": seg[2]})
        if IG_USER.match(seg[1]):
            if len(seg) >= 3 and _digits(seg[2]):
                return Match("instagram", STORY, f"https://www.instagram.com/stories/{seg[1].lower()}/{seg[2]}/",
                             {"story_id": seg[2]}, seg[1])
            return Match("instagram", STORY, f"https://www.instagram.com/stories/{seg[1].lower()}/", {}, seg[1])
    if low[0] == "explore" and len(seg) >= 3:
        if low[1] == "tags":
            return Match("instagram", "hashtag", f"https://www.instagram.com/explore/tags/{_q(seg[2])}/",
                         {"hashtag": seg[2]})
        if low[1] == "locations" and _digits(seg[2]):
            return Match("instagram", "location", f"https://www.instagram.com/explore/locations/{seg[2]}/",
                         {"location_id": seg[2]})
    if low[0] == "accounts" and len(seg) >= 2 and low[1] == "login":
        nxt = p.param("next")
        return Match("instagram", LOGIN, unwrap=("https://www.instagram.com" + nxt) if nxt.startswith("/") else nxt)
    if low[0] == "share" and len(seg) >= 2:
        return Match("instagram", SHORT_LINK, ids={"share_code": seg[-1]})
    if low[0] == "_u" and len(seg) >= 2 and IG_USER.match(seg[1]):  # app deep link to a profile
        return Match("instagram", ACCOUNT, f"https://www.instagram.com/{seg[1].lower()}/", {}, seg[1])
    if low[0] in IG_RESERVED or not IG_USER.match(seg[0]):
        return Match("instagram", PAGE)
    handle = seg[0]
    if len(seg) >= 3 and low[1] in POST_KINDS and IG_SHORTCODE.match(seg[2]):
        return _ig_post(seg[2], POST_KINDS[low[1]], handle, rest=seg[3:])
    return Match("instagram", ACCOUNT, f"https://www.instagram.com/{handle.lower()}/", {}, handle)


# -- Telegram -------------------------------------------------------------------------------
TG_HOSTS = {"t.me", "telegram.me", "telegram.dog", "telesco.pe", "web.telegram.org", "telegram.org"}
TG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,31}$")
TG_RESERVED = {"c", "s", "joinchat", "addstickers", "addemoji", "share", "proxy", "socks", "iv", "login",
               "setlanguage", "addtheme", "bg", "confirmphone", "invoice", "boost", "contact", "addlist",
               "m", "k", "a", "z", "dl", "apps", "blog", "faq", "api", "tos", "privacy", "auth", "nft"}


def _tg_message(base: str, msg: str, p: ParsedUrl, thread: str = "", handle: str | None = None) -> Match:
    """A message at t.me/<base>/[<topic>/]<msg>; base is a public name or c/<internal id>."""
    ids = {"message_id": msg}
    if thread:
        ids["thread_id"] = thread
    elif _digits(p.param("thread")):
        ids["thread_id"] = p.param("thread")
    comment = p.param("comment")
    base = base if base.startswith("c/") else base.lower()
    canonical = f"https://t.me/{base}/" + (f"{thread}/" if thread else "") + msg
    kind = MESSAGE
    if _digits(comment):
        ids["comment_id"] = comment
        canonical += f"?comment={comment}"
        kind = COMMENT
    if base.startswith("c/"):
        chat = base[2:]
        ids["chat_id"] = chat
        ids["channel_id"] = f"-100{chat}"
    return Match("telegram", kind, canonical, ids, handle)


def _tg_name(name: str) -> Match:
    kind = "bot" if name.lower().endswith("bot") else ACCOUNT
    return Match("telegram", kind, f"https://t.me/{name.lower()}", {}, name)


def _tg_invite(code: str) -> Match:
    return Match("telegram", INVITE, f"https://t.me/+{code}", {"invite_hash": code})


def _tg_path(seg: list[str], p: ParsedUrl) -> Match:
    low = [s.lower() for s in seg]
    if not seg:
        return Match("telegram", PAGE)
    first = seg[0]
    if first.startswith("+") and len(first) > 2 and not _digits(first[1:]):
        return _tg_invite(first[1:])
    if first.startswith("+") and _digits(first[1:]):
        return Match("telegram", ACCOUNT, f"https://t.me/+{first[1:]}", {"phone": first[1:]})
    if low[0] == "joinchat" and len(seg) >= 2:
        return _tg_invite(seg[1])
    if low[0] == "c" and len(seg) >= 2 and _digits(seg[1]):
        chat = seg[1]
        if len(seg) >= 4 and _digits(seg[2]) and _digits(seg[3]):
            return _tg_message(f"c/{chat}", seg[3], p, seg[2])
        if len(seg) >= 3 and _digits(seg[2]):
            return _tg_message(f"c/{chat}", seg[2], p)
        return Match("telegram", CHANNEL, f"https://t.me/c/{chat}", {"chat_id": chat, "channel_id": f"-100{chat}"})
    if low[0] == "s" and len(seg) >= 2 and TG_NAME.match(seg[1]):
        if len(seg) >= 3 and _digits(seg[2]):
            return _tg_message(seg[1], seg[2], p, handle=seg[1])
        return Match("telegram", CHANNEL, f"https://t.me/{seg[1].lower()}", {}, seg[1])
    if low[0] in ("addstickers", "addemoji") and len(seg) >= 2:
        return Match("telegram", "stickers", f"https://t.me/{low[0]}/{_q(seg[1])}", {"set_name": seg[1]})
    if low[0] == "addlist" and len(seg) >= 2:
        return Match("telegram", INVITE, f"https://t.me/addlist/{_q(seg[1])}", {"folder_invite": seg[1]})
    if low[0] == "boost" and len(seg) >= 2 and TG_NAME.match(seg[1]):
        return Match("telegram", CHANNEL, f"https://t.me/{seg[1].lower()}", {}, seg[1])
    if low[0] == "share" and p.param("url"):
        return Match("telegram", SHORT_LINK, unwrap=p.param("url"))
    if low[0] in TG_RESERVED or not TG_NAME.match(first):
        return Match("telegram", PAGE)
    name = first
    if len(seg) >= 3 and low[1] == "s" and _digits(seg[2]):
        return Match("telegram", STORY, f"https://t.me/{name.lower()}/s/{seg[2]}", {"story_id": seg[2]}, name)
    if len(seg) >= 3 and _digits(seg[1]) and _digits(seg[2]):
        return _tg_message(name, seg[2], p, seg[1], handle=name)
    if len(seg) >= 2 and _digits(seg[1]):
        return _tg_message(name, seg[1], p, handle=name)
    return _tg_name(name)


def rule_telegram(p: ParsedUrl) -> Match:
    host = p.host
    if host.endswith(".t.me") and host.count(".") == 2 and host not in ("www.t.me",):
        sub = host.split(".")[0]
        if TG_NAME.match(sub):
            return _tg_path([sub, *p.segments], p)
    if host == "web.telegram.org" or host.endswith(".web.telegram.org"):
        frag = p.fragment
        if frag.startswith("/im"):
            q = frag.partition("?")[2]
            for part in q.split("&"):
                k, _, v = part.partition("=")
                if k == "p" and v:
                    frag = v
        frag = frag.lstrip("#/")
        if frag.startswith("@") and TG_NAME.match(frag[1:].split("?")[0]):
            return _tg_name(frag[1:].split("?")[0])
        m = re.match(r"^(-?\d+)(?:_(\d+))?$", frag)
        if m:
            chat = m.group(1)
            ids = {"chat_id": chat}
            if m.group(2):
                ids["message_id"] = m.group(2)
            return Match("telegram", MESSAGE if m.group(2) else CHANNEL, "", ids)
        return Match("telegram", PAGE)
    if p.bare_host == "telegram.org":
        return Match("telegram", PAGE)
    if p.bare_host == "telesco.pe" and len(p.segments) >= 2:
        return _tg_path(p.segments, p)
    return _tg_path(p.segments, p)


def telegram_scheme(url: str) -> str:
    """tg:// links (tg://resolve?domain=…&post=…, tg://join?invite=…, tg://privatepost?…) as the
    equivalent https://t.me URL, or "" when not a tg: link."""
    from urllib.parse import parse_qsl, urlsplit

    text = url.strip()
    if not text.lower().startswith("tg:"):
        return ""
    try:
        parts = urlsplit(text)
        params = dict(parse_qsl(parts.query))
    except ValueError:
        return ""
    action = (parts.netloc or parts.path.lstrip("/")).lower()
    if action == "resolve" and params.get("domain"):
        post = params.get("post", "")
        return f"https://t.me/{params['domain']}" + (f"/{post}" if _digits(post) else "")
    if action == "join" and params.get("invite"):
        return f"https://t.me/+{params['invite']}"
    if action == "privatepost" and _digits(params.get("channel", "")) and _digits(params.get("post", "")):
        return f"https://t.me/c/{params['channel']}/{params['post']}"
    return ""


# -- Facebook -------------------------------------------------------------------------------
FB_HOSTS = {"facebook.com", "fb.com", "fb.me", "fb.watch", "fb.gg", "l.facebook.com", "lm.facebook.com",
            "facebookwkhpilnemxj7asaniu7vnjjbiltxjqhye3mhbshg7kx5tfyd.onion"}
FB_RESERVED = {"watch", "groups", "events", "marketplace", "pages", "pg", "people", "photo.php", "photo", "photos",
               "story.php", "permalink.php", "profile.php", "share", "reel", "reels", "video.php", "login",
               "login.php", "help", "settings", "messages", "notifications", "gaming", "hashtag", "search",
               "home.php", "stories", "policies", "privacy", "ads", "business", "l.php", "dialog", "sharer",
               "sharer.php", "plugins", "tr", "friends", "bookmarks", "saved", "media", "checkpoint", "recover",
               "reg", "r.php", "legal", "terms", "about", "fundraisers", "live", "videos", "permalink",
               "commerce", "memories", "composer", "pages_reaction_units", "ajax", "api", "messenger"}
FB_ID = re.compile(r"^(?:\d{1,25}|pfbid[0-9A-Za-z]{20,80})$")
FB_USER = re.compile(r"^[A-Za-z0-9.\-_]{1,80}$")


def _fb_owner(name: str) -> tuple[dict[str, str], str | None]:
    if _digits(name):
        return {"owner_id": name}, None
    return {}, name


def rule_facebook(p: ParsedUrl) -> Match:
    """Facebook, with a link to one comment (?comment_id=…) kept as its own kind."""
    m = _rule_facebook(p)
    comment = p.param("comment_id")
    if m.kind == POST and _digits(comment):
        m.kind = COMMENT
        m.ids["comment_id"] = comment
        m.canonical += ("&" if "?" in m.canonical else "?") + f"comment_id={comment}"
    return m


def _fb_post(post: str, owner: str = "", group: str = "") -> Match:
    ids: dict[str, str] = {"post_id": post}
    handle = None
    if group:
        if _digits(group):
            ids["group_id"] = group
        else:
            handle = group
        return Match("facebook", POST, f"https://www.facebook.com/groups/{_q(group.lower())}/posts/{_q(post)}/",
                     ids, handle)
    if owner:
        extra, handle = _fb_owner(owner)
        ids.update(extra)
        return Match("facebook", POST, f"https://www.facebook.com/{_q(owner.lower())}/posts/{_q(post)}", ids, handle)
    return Match("facebook", POST, f"https://www.facebook.com/{_q(post)}", ids)


def _fb_video(vid: str, kind: str = VIDEO, handle: str | None = None) -> Match:
    # A reel is a video: /reel/ID and /watch/?v=ID show the same thing, so one canonical form.
    return Match("facebook", kind, f"https://www.facebook.com/watch/?v={vid}", {"video_id": vid}, handle)


def _fb_photo(fbid: str, handle: str | None = None, album: str = "") -> Match:
    ids = {"photo_id": fbid}
    if album:
        ids["album_id"] = album
    return Match("facebook", PHOTO, f"https://www.facebook.com/photo/?fbid={fbid}", ids, handle)


def _rule_facebook(p: ParsedUrl) -> Match:
    host = p.bare_host
    seg = p.segments
    low = [s.lower() for s in seg]
    if host in ("fb.me", "fb.watch", "fb.gg"):
        return Match("facebook", SHORT_LINK, ids={"short_code": seg[0]} if seg else {})
    if host in ("l.facebook.com", "lm.facebook.com") or (low and low[0] == "l.php"):
        return Match("facebook", SHORT_LINK, unwrap=p.param("u"))
    if not seg:
        return Match("facebook", PAGE)
    first = low[0]
    if first in ("permalink.php", "story.php") and FB_ID.match(p.param("story_fbid")):
        owner = p.param("id")
        return _fb_post(p.param("story_fbid"), owner if _digits(owner) else "")
    if first in ("photo.php", "photo") and FB_ID.match(p.param("fbid")):
        return _fb_photo(p.param("fbid"))
    if first == "video.php" and _digits(p.param("v")):
        return _fb_video(p.param("v"))
    if first == "watch":
        if _digits(p.param("v")):
            return _fb_video(p.param("v"))
        if len(seg) >= 3 and low[1] == "live" and _digits(p.param("v")):
            return _fb_video(p.param("v"))
        return Match("facebook", PAGE)
    if first in ("reel", "reels") and len(seg) >= 2 and _digits(seg[1]):
        return _fb_video(seg[1], REEL)
    if first == "share" and len(seg) >= 2:
        code = seg[-1]
        return Match("facebook", SHORT_LINK, ids={"share_code": code})
    if first == "profile.php" and _digits(p.param("id")):
        uid = p.param("id")
        return Match("facebook", ACCOUNT, f"https://www.facebook.com/profile.php?id={uid}", {"user_id": uid})
    if first == "people" and len(seg) >= 3 and _digits(seg[2]):
        return Match("facebook", ACCOUNT, f"https://www.facebook.com/profile.php?id={seg[2]}",
                     {"user_id": seg[2]}, None)
    if first == "groups" and len(seg) >= 2:
        group = seg[1]
        if len(seg) >= 4 and low[2] in ("posts", "permalink") and FB_ID.match(seg[3]):
            return _fb_post(seg[3], group=group)
        if p.param("multi_permalinks") and FB_ID.match(p.param("multi_permalinks").split(",")[0]):
            return _fb_post(p.param("multi_permalinks").split(",")[0], group=group)
        ids = {"group_id": group} if _digits(group) else {}
        return Match("facebook", GROUP, f"https://www.facebook.com/groups/{_q(group.lower())}/", ids,
                     None if _digits(group) else group)
    if first == "events" and len(seg) >= 2 and _digits(seg[1]):
        return Match("facebook", "event", f"https://www.facebook.com/events/{seg[1]}/", {"event_id": seg[1]})
    if first == "marketplace" and len(seg) >= 3 and low[1] == "item" and _digits(seg[2]):
        return Match("facebook", "listing", f"https://www.facebook.com/marketplace/item/{seg[2]}/",
                     {"listing_id": seg[2]})
    if first == "stories" and len(seg) >= 2 and _digits(seg[1]):
        ids = {"owner_id": seg[1]}
        if len(seg) >= 3:
            ids["story_id"] = seg[2]
        return Match("facebook", STORY, f"https://www.facebook.com/stories/{'/'.join(_q(s) for s in seg[1:3])}", ids)
    if first in ("pages", "pg") and len(seg) >= 2:
        if first == "pages" and len(seg) >= 3 and _digits(seg[-1]):
            return Match("facebook", ACCOUNT, f"https://www.facebook.com/profile.php?id={seg[-1]}",
                         {"page_id": seg[-1]}, seg[1] if len(seg) >= 3 else None)
        if first == "pg":
            return _fb_owned(seg[1:], low[1:], p)
    if first in ("login", "login.php") or (first == "login" and len(seg) > 1):
        nxt = p.param("next")
        return Match("facebook", LOGIN, unwrap=nxt)
    if first == "hashtag" and len(seg) >= 2:
        return Match("facebook", "hashtag", f"https://www.facebook.com/hashtag/{_q(seg[1])}", {"hashtag": seg[1]})
    if first in FB_RESERVED:
        return Match("facebook", PAGE)
    return _fb_owned(seg, low, p)


def _fb_owned(seg: list[str], low: list[str], p: ParsedUrl) -> Match:
    """Paths under an account or page: NAME, NAME/posts/ID, NAME/videos/…/ID, NAME/photos/…/ID."""
    if not seg or not FB_USER.match(seg[0]):
        return Match("facebook", PAGE)
    owner = seg[0]
    _, handle = _fb_owner(owner)
    if len(seg) >= 3 and low[1] in ("posts", "activity", "permalink") and FB_ID.match(seg[2]):
        return _fb_post(seg[2], owner)
    if len(seg) >= 3 and low[1] == "videos":
        vid = next((s for s in reversed(seg[2:]) if _digits(s)), "")
        if vid:
            return _fb_video(vid, handle=handle)
    if len(seg) >= 3 and low[1] == "photos":
        photo = next((s for s in reversed(seg[2:]) if _digits(s)), "")
        album = next((s.split(".")[1] for s in seg[2:] if re.match(r"^[a-z]+\.\d+", s)), "")
        if photo:
            return _fb_photo(photo, handle, album)
    if _digits(owner):
        return Match("facebook", ACCOUNT, f"https://www.facebook.com/profile.php?id={owner}", {"user_id": owner})
    if owner.endswith(".php"):
        return Match("facebook", PAGE)
    return Match("facebook", ACCOUNT, f"https://www.facebook.com/{_q(owner.lower())}", {}, owner)


# -- TikTok ---------------------------------------------------------------------------------
TT_HOSTS = {"tiktok.com", "vm.tiktok.com", "vt.tiktok.com", "m.tiktok.com", "tiktokv.com", "tiktokcdn.com",
            "www.tiktok.com", "us.tiktok.com", "t.tiktok.com"}
TT_USER = re.compile(r"^[A-Za-z0-9_.]{1,60}$")


def _tt_item(vid: str, handle: str | None, kind: str = VIDEO) -> Match:
    ids = {"video_id" if kind == VIDEO else "photo_id": vid}
    t = tiktok_time(vid)
    if t:
        ids["created_time"] = t
    # Handle-free form: the same item keeps one canonical URL when its author is renamed.
    path = "video" if kind == VIDEO else "photo"
    return Match("tiktok", kind, f"https://www.tiktok.com/@/{path}/{vid}", ids, handle)


def rule_tiktok(p: ParsedUrl) -> Match:
    host = p.bare_host
    seg = p.segments
    low = [s.lower() for s in seg]
    if host in ("vm.tiktok.com", "vt.tiktok.com", "t.tiktok.com") or p.host.startswith(("vm.", "vt.")):
        return Match("tiktok", SHORT_LINK, ids={"short_code": seg[0]} if seg else {})
    if not seg:
        return Match("tiktok", PAGE)
    if low[0] == "t" and len(seg) >= 2:
        return Match("tiktok", SHORT_LINK, ids={"short_code": seg[1]})
    if seg[0].startswith("@"):
        handle = seg[0][1:] or None
        if len(seg) >= 3 and low[1] in ("video", "photo") and _digits(seg[2], 8):
            return _tt_item(seg[2], handle, VIDEO if low[1] == "video" else PHOTO)
        if handle and TT_USER.match(handle):
            if len(seg) >= 2 and low[1] == "live":
                return Match("tiktok", "live", f"https://www.tiktok.com/@{handle.lower()}/live", {}, handle)
            return Match("tiktok", ACCOUNT, f"https://www.tiktok.com/@{handle.lower()}", {}, handle)
        return Match("tiktok", PAGE)
    if low[0] == "embed":
        vid = next((s for s in seg[1:] if _digits(s, 8)), "")
        if vid:
            return _tt_item(vid, None)
    if low[0] in ("v", "video") and len(seg) >= 2:
        vid = seg[1].removesuffix(".html")
        if _digits(vid, 8):
            return _tt_item(vid, None)
    if low[0] == "share" and len(seg) >= 3 and low[1] == "video" and _digits(seg[2], 8):
        return _tt_item(seg[2], None)
    if low[0] == "player" and len(seg) >= 3 and _digits(seg[-1], 8):
        return _tt_item(seg[-1], None)
    if low[0] == "tag" and len(seg) >= 2:
        return Match("tiktok", "hashtag", f"https://www.tiktok.com/tag/{_q(seg[1])}", {"hashtag": seg[1]})
    if low[0] == "music" and len(seg) >= 2:
        m = re.search(r"(\d{8,25})$", seg[1])
        if m:
            return Match("tiktok", "sound", f"https://www.tiktok.com/music/{_q(seg[1])}", {"music_id": m.group(1)})
    if low[0] == "login" and p.param("redirect_url"):
        return Match("tiktok", LOGIN, unwrap=p.param("redirect_url"))
    if _digits(p.param("item_id"), 8):
        return _tt_item(p.param("item_id"), None)
    return Match("tiktok", PAGE)


# -- Discord --------------------------------------------------------------------------------
DC_HOSTS = {"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com", "ptb.discordapp.com",
            "canary.discordapp.com", "discord.gg", "discord.new", "discord.gift", "cdn.discordapp.com",
            "media.discordapp.net", "images-ext-1.discordapp.net", "discord.me"}


def _dc_id(ids: dict[str, str], name: str, value: str) -> None:
    ids[f"{name}_id"] = value
    t = snowflake_time(value, DISCORD_EPOCH_MS)
    if t:
        ids[f"{name}_time"] = t


def _snowflake(s: str) -> bool:
    return _digits(s, 15, 20)


def rule_discord(p: ParsedUrl) -> Match:
    host = p.bare_host
    for prefix in ("ptb.", "canary."):
        if host.startswith(prefix):
            host = host[len(prefix):]
    seg = p.segments
    low = [s.lower() for s in seg]
    if host in ("discord.gg", "discord.me"):
        code = seg[1] if len(seg) >= 2 and low[0] == "invite" else (seg[0] if seg else "")
        if code and re.match(r"^[A-Za-z0-9-]{2,64}$", code):
            return Match("discord", INVITE, f"https://discord.gg/{code}", {"invite_code": code})
        return Match("discord", PAGE)
    if host in ("cdn.discordapp.com", "media.discordapp.net") and len(seg) >= 4 and low[0] == "attachments":
        ids: dict[str, str] = {}
        if _snowflake(seg[1]):
            _dc_id(ids, "channel", seg[1])
        if _snowflake(seg[2]):
            _dc_id(ids, "attachment", seg[2])
        ids["file_name"] = seg[3]
        return Match("discord", MEDIA, f"https://cdn.discordapp.com/attachments/{seg[1]}/{seg[2]}/{_q(seg[3])}", ids)
    if not seg:
        return Match("discord", PAGE)
    if low[0] == "channels" and len(seg) >= 2:
        ids = {}
        guild = seg[1]
        if guild == "@me":
            ids["guild_id"] = "@me"
        elif _snowflake(guild):
            _dc_id(ids, "guild", guild)
        else:
            return Match("discord", PAGE)
        if len(seg) >= 3 and _snowflake(seg[2]):
            _dc_id(ids, "channel", seg[2])
            if len(seg) >= 4 and _snowflake(seg[3]):
                _dc_id(ids, "message", seg[3])
                return Match("discord", MESSAGE, f"https://discord.com/channels/{guild}/{seg[2]}/{seg[3]}", ids)
            return Match("discord", CHANNEL, f"https://discord.com/channels/{guild}/{seg[2]}", ids)
        if guild == "@me":
            return Match("discord", PAGE)
        return Match("discord", SERVER, f"https://discord.com/channels/{guild}", ids)
    if low[0] == "login" and p.param("redirect_to").startswith("/"):
        return Match("discord", LOGIN, unwrap="https://discord.com" + p.param("redirect_to"))
    if low[0] == "invite" and len(seg) >= 2 and re.match(r"^[A-Za-z0-9-]{2,64}$", seg[1]):
        return Match("discord", INVITE, f"https://discord.gg/{seg[1]}", {"invite_code": seg[1]})
    if low[0] == "users" and len(seg) >= 2 and _snowflake(seg[1]):
        ids = {}
        _dc_id(ids, "user", seg[1])
        return Match("discord", ACCOUNT, f"https://discord.com/users/{seg[1]}", ids)
    if low[0] == "servers" and len(seg) >= 2:
        m = re.search(r"(\d{15,20})$", seg[1])
        if m:
            ids = {}
            _dc_id(ids, "guild", m.group(1))
            return Match("discord", SERVER, f"https://discord.com/channels/{m.group(1)}", ids)
    if low[0] == "events" and len(seg) >= 3 and _snowflake(seg[1]) and _snowflake(seg[2]):
        ids = {}
        _dc_id(ids, "guild", seg[1])
        _dc_id(ids, "event", seg[2])
        return Match("discord", "event", f"https://discord.com/events/{seg[1]}/{seg[2]}", ids)
    return Match("discord", PAGE)


# -- dispatch -------------------------------------------------------------------------------
GENERIC_SHORTENERS = {"t.co", "bit.ly", "bitly.com", "goo.gl", "tinyurl.com", "ow.ly", "buff.ly", "is.gd",
                      "shorturl.at", "rebrand.ly", "cutt.ly", "rb.gy", "tiny.cc", "lnkd.in", "dlvr.it",
                      "t.ly", "s.id", "me2.do", "han.gl", "vo.la", "url.kr", "naver.me", "bit.do", "linktr.ee",
                      "redd.it", "trib.al", "ift.tt", "amzn.to", "g.co", "page.link", "app.link"}

_RULES: list[tuple[set[str], Callable[[ParsedUrl], Match]]] = [
    (X_HOSTS, rule_x),
    (YT_HOSTS, rule_youtube),
    (IG_HOSTS, rule_instagram),
    (TG_HOSTS, rule_telegram),
    (FB_HOSTS, rule_facebook),
    (TT_HOSTS, rule_tiktok),
    (DC_HOSTS, rule_discord),
]
_SUFFIX_RULES: list[tuple[str, Callable[[ParsedUrl], Match]]] = [
    ("twitter.com", rule_x), ("x.com", rule_x), ("youtube.com", rule_youtube),
    ("youtube-nocookie.com", rule_youtube), ("instagram.com", rule_instagram), ("t.me", rule_telegram),
    ("telegram.org", rule_telegram), ("facebook.com", rule_facebook), ("tiktok.com", rule_tiktok),
    ("discord.com", rule_discord), ("discordapp.com", rule_discord),
]


def match(p: ParsedUrl) -> Match | None:
    host = p.host
    if p.port is not None and p.port not in (80, 443):
        return None  # a real platform is never served on another port: a look-alike, not the site
    if host in GENERIC_SHORTENERS or p.bare_host in GENERIC_SHORTENERS:
        return Match("", SHORT_LINK)
    for hosts, fn in _RULES:
        if host in hosts or p.bare_host in hosts:
            return fn(p)
    for suffix, fn in _SUFFIX_RULES:
        if host.endswith("." + suffix):
            return fn(p)
    is_google = host == "google.com" or host.endswith(".google.com") or host.startswith("google.")
    if is_google and p.segments[:1] == ["url"] and (p.param("q") or p.param("url")):
        return Match("", SHORT_LINK, unwrap=p.param("q") or p.param("url"))
    return None


def is_shortener(p: ParsedUrl) -> bool:
    return p.host in GENERIC_SHORTENERS or p.bare_host in GENERIC_SHORTENERS
