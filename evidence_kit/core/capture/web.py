"""Capturing a URL as one evidence item (no Qt here).

    capture_web(case, url, options, renderer=…) -> CaptureOutcome

1. check the URL (http/https only), measure the clock offset if an NTP server is set;
2. fetch it through requests, following redirects by hand (every hop recorded);
3. an HTML page is handed to `renderer` (QtWebEngine, from evidence_kit.render) for the
   full-page PNG, PDF, MHTML and the DOM after scripts ran; any other content type is a
   direct link to a file, which becomes the `original` artifact;
4. fetch the images and videos the page embeds (og:/twitter: cards, img, srcset, video,
   poster, source), up to the configured count and bytes;
5. write everything fetched as one WARC 1.1 file, plus headers.json and the TLS chain;
6. commit one item whose artifacts are all hashed and stored; the screenshot banner (which
   shows the exhibit number) is drawn inside the commit.

Any failure or a cancel before step 6 leaves no item (objects already stored are encrypted
orphans that `evidence-kit check --clear` removes) and no plaintext: work files are
EncryptedSpools. After the commit, trusted timestamps are requested when configured; a TSA
failure is a warning, never a lost capture.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ... import __version__
from .. import ledger
from ..case import Case, Item, ItemDraft
from ..errors import CancelledError, EvidenceKitError
from ..filetypes import sniff_mime
from ..progress import CancelToken, ProgressCallback
from ..roles import Permission
from ..settings import Settings
from .errors import RenderError
from .html import MediaRef, decode_html, is_html, scan_page
from .http import FetchConfig, Fetcher, Hop
from .urls import check_url
from .warc import WarcBuilder

DEFAULT_USER_AGENT = (f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      f"Chrome/130.0 Safari/537.36 EvidenceKit/{__version__}")
#: The DOM and title are read from at most this much of an HTML page (the raw bytes are all kept).
HTML_PARSE_LIMIT = 32 << 20
#: Hard maximum for a full-page screenshot, whatever the settings say: taller pages are
#: captured to this height and marked (PNG and Pillow stay within memory at 1280 px wide).
SCREENSHOT_HEIGHT_LIMIT = 60000
TOTAL_STEPS = 6


@dataclass
class CaptureOptions:
    """What one capture does. Defaults come from the workstation Settings (from_settings)."""

    note: str = ""
    tags: list[str] = field(default_factory=list)
    render: bool = True
    fetch_media: bool = True
    banner: bool = True
    allow_invalid_tls: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    proxy: str = ""
    persona: str = ""  # "" = off-the-record browser profile
    timeout_s: int = 60
    render_timeout_s: int = 45
    max_response_bytes: int = 512 << 20
    max_embedded_media: int = 50
    max_embedded_media_bytes: int = 200 << 20
    max_screenshot_height: int = 30000
    viewport_width: int = 1280
    viewport_height: int = 900
    ca_bundle: str = ""  # extra trusted CA certificates (PEM); "" = the system's
    ntp_server: str = ""
    tsa_urls: list[str] = field(default_factory=list)
    # more for the acquisition record from the caller (e.g. the evidence browser's profile)
    acquisition_extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> CaptureOptions:
        s = settings if settings is not None else Settings.load()
        opts = cls(allow_invalid_tls=s.allow_invalid_tls, user_agent=s.user_agent or DEFAULT_USER_AGENT,
                   proxy=s.proxy, persona=s.persona, timeout_s=s.capture_timeout_s,
                   render_timeout_s=s.render_timeout_s, max_response_bytes=s.max_response_bytes,
                   max_embedded_media=s.max_embedded_media, max_embedded_media_bytes=s.max_embedded_media_bytes,
                   max_screenshot_height=s.max_screenshot_height, ntp_server=s.ntp_server,
                   tsa_urls=list(s.tsa_urls))
        for k, v in overrides.items():
            if not hasattr(opts, k):
                raise TypeError(f"unknown capture option {k!r}")
            if v is not None:
                setattr(opts, k, v)
        return opts

    @property
    def screenshot_cap(self) -> int:
        return max(1, min(self.max_screenshot_height, SCREENSHOT_HEIGHT_LIMIT))

    def record(self) -> dict[str, Any]:
        """The limits in force, for the acquisition record."""
        return {"timeout_s": self.timeout_s, "render_timeout_s": self.render_timeout_s,
                "max_response_bytes": self.max_response_bytes, "max_embedded_media": self.max_embedded_media,
                "max_embedded_media_bytes": self.max_embedded_media_bytes,
                "max_screenshot_height": self.screenshot_cap, "render": self.render,
                "fetch_media": self.fetch_media, "allow_invalid_tls": self.allow_invalid_tls,
                "viewport": [self.viewport_width, self.viewport_height]}


@dataclass
class RenderRequest:
    """What the renderer gets: the page as fetched, and where it may put work files."""

    url: str                # the final URL (after redirects): the page's base URL
    body: bytes             # the HTML as fetched (content-encoding undone), up to HTML_PARSE_LIMIT
    content_type: str       # e.g. "text/html; charset=euc-kr"
    charset: str            # codec the core detected (cp949, utf-8, …)
    options: CaptureOptions
    tmp_dir: Path
    # The renderer may hand over the full-page pixels as soon as it has them (width, height,
    # packed RGB rows); the core then encodes the PNG and its banner copy in parallel with the
    # rest of the rendering, and RenderOutput.screenshot_png may stay None.
    on_screenshot: Callable[[int, int, bytes], None] | None = None


@dataclass
class RenderOutput:
    """What the renderer made. Bytes stay in memory; nothing here is on disk."""

    screenshot_png: bytes | None = None
    page_width: int = 0
    page_height: int = 0         # the page's real scroll height (CSS px)
    captured_height: int = 0     # height of the PNG (CSS px), at most the cap
    height_capped: bool = False
    pdf: bytes | None = None
    mhtml: bytes | None = None
    dom_html: str | None = None
    title: str = ""
    final_url: str = ""
    timed_out: bool = False      # loading never finished within the time limit
    elapsed_ms: int = 0
    source: str = ""             # "fetched" (the bytes fetched above) or "live" (page reloaded)
    profile: str = "off-the-record"
    engine: str = ""
    viewport: tuple[int, int] = (0, 0)
    errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # more files the renderer made: (artifact role, file name, MIME type, bytes)
    extra_files: list[tuple[str, str, str, bytes]] = field(default_factory=list)
    screenshot_name: str = "screenshot.png"

    def summary(self) -> dict[str, Any]:
        return {"page_width": self.page_width, "page_height": self.page_height,
                "captured_height": self.captured_height, "height_capped": self.height_capped,
                "timed_out": self.timed_out, "elapsed_ms": self.elapsed_ms, "source": self.source,
                "profile": self.profile, "engine": self.engine, "title": self.title,
                "final_url": self.final_url, "viewport": list(self.viewport), "errors": list(self.errors),
                **self.extra}


Renderer = Callable[[RenderRequest], RenderOutput]


@dataclass
class CaptureOutcome:
    item: Item
    warnings: list[str] = field(default_factory=list)


# -- the capture ----------------------------------------------------------------------------
def capture_web(case: Case, url: str, options: CaptureOptions | None = None, *,
                renderer: Renderer | None = None, progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None) -> CaptureOutcome:
    """Capture `url` into `case` as one "web" item. See the module docstring."""
    case.require(Permission.CAPTURE)
    opts = options if options is not None else CaptureOptions.from_settings()
    url = check_url(url)
    cancel = cancel or CancelToken()
    report = progress or (lambda d, t, m: None)
    warnings: list[str] = []
    tmp_dir = case.objects.tmp_dir

    clock: dict[str, Any] | None = None
    if opts.ntp_server:
        report(0, TOTAL_STEPS, "Checking the clock / 시각 확인")
        clock = _measure_clock(opts.ntp_server, warnings)

    draft = case.new_item("web", source=url, title=url, action=ledger.CAPTURED)
    draft.notes = opts.note
    draft.tags = list(opts.tags)
    started = time.monotonic()
    fetcher = Fetcher(FetchConfig(user_agent=opts.user_agent, proxy=opts.proxy, timeout_s=float(opts.timeout_s),
                                  max_bytes=opts.max_response_bytes, allow_invalid_tls=opts.allow_invalid_tls,
                                  ca_bundle=opts.ca_bundle),
                      tmp_dir, cancel=cancel,
                      progress=lambda d, t, m: report(1, TOTAL_STEPS, f"Downloading {m} ({d // 1024} KiB)"))
    hops: list[Hop] = []
    media_hops: list[list[Hop]] = []
    warc: WarcBuilder | None = None
    try:
        report(1, TOTAL_STEPS, f"Fetching / 가져오는 중: {url}")
        hops = fetcher.fetch_chain(url, deadline=started + opts.timeout_s)
        final = hops[-1]
        cancel.raise_if_cancelled()
        head = final.decoded_bytes(8192)
        page_is_html = is_html(final.header("Content-Type"), head) and final.body_size > 0
        warc = WarcBuilder(tmp_dir, _warc_name(final.url), _warcinfo(case, opts))
        main_response_id = ""
        for hop in hops:
            rid = warc.add_hop(hop)
            main_response_id = main_response_id or rid

        page_meta: dict[str, Any] = {}
        render_out: RenderOutput | None = None
        shots: _ShotEncoder | None = None
        media_refs: list[MediaRef] = []
        media_summary: list[dict[str, Any]] = []
        if page_is_html:
            body = final.decoded_bytes(HTML_PARSE_LIMIT)
            text, codec, codec_source = decode_html(final.header("Content-Type"), body)
            info = scan_page(text, final.url)
            page_meta = {"charset": codec, "charset_source": codec_source, "title": info.title}
            media_refs = info.media
            _add_decoded(draft, final, role="original", name="page.html", mime=_html_mime(final))
            media_thread: _MediaThread | None = None
            fetcher.progress = lambda d, t, m: report(3, TOTAL_STEPS, f"Downloading {m} ({d // 1024} KiB)")
            if opts.fetch_media and media_refs:
                # images download while the page renders on the GUI thread (the worker only waits)
                media_stop = _LinkedToken(cancel)
                media_thread = _MediaThread(fetcher, draft, warc, media_refs, final.url, opts, media_stop,
                                            media_hops)
                media_thread.start()
            try:
                if opts.render and renderer is not None:
                    report(2, TOTAL_STEPS, "Rendering the page / 페이지 렌더링")
                    shots = _ShotEncoder(draft, opts, final.url)
                    request = RenderRequest(url=final.url, body=body, content_type=final.header("Content-Type"),
                                            charset=codec, options=opts, tmp_dir=tmp_dir, on_screenshot=shots.feed)
                    try:
                        render_out = renderer(request)
                        shots.finish(render_out)
                    except (CancelledError, KeyboardInterrupt):
                        raise
                    except RenderError as exc:
                        warnings.append(exc.message)
                        render_out = RenderOutput(errors=[exc.message])
            except BaseException:
                if media_thread is not None:
                    media_stop.cancel()  # stop the media downloads too
                    media_thread.join()
                raise
            if media_thread is not None:
                report(3, TOTAL_STEPS, f"Fetching {min(len(media_refs), opts.max_embedded_media)} embedded media / "
                                       "포함된 미디어 수집")
                media_summary = media_thread.result()
            cancel.raise_if_cancelled()
            if render_out is not None and render_out.dom_html and opts.fetch_media:
                # images the page's scripts added: fetched after, within what is left of the limits
                dom_media = scan_page(render_out.dom_html, render_out.final_url or final.url).media
                known = {m.url for m in media_refs}
                extra_refs = [m for m in dom_media if m.url not in known]
                if extra_refs:
                    media_summary += _fetch_media(fetcher, draft, warc, extra_refs, final.url, opts, cancel,
                                                  media_hops, already=media_summary)
        else:
            name = _file_name_for(final)
            _add_decoded(draft, final, role="original", name=name, mime="")

        report(4, TOTAL_STEPS, "Storing / 저장 중")
        platform_info = _identify(url, [h.url for h in hops[1:]] + ([final.location] if final.location else []))
        meta = _item_metadata(url, hops, page_meta, render_out, media_summary, platform_info, warc)
        warc.add_metadata(final.url, {"tool": f"Evidence Kit {__version__}", "requested_url": url,
                                      "user_agent": opts.user_agent, "proxy": _redact_proxy(opts.proxy),
                                      "persona": opts.persona or "off-the-record",
                                      **{k: meta[k] for k in ("final_url", "status", "server_ip", "tls",
                                                              "redirect_chain", "truncated", "render", "media")
                                         if k in meta},
                                      "clock": clock},
                          concurrent_to=main_response_id)
        draft.add_stream(warc.stream(), role="warc", name=warc.filename, mime="application/warc",
                         size_hint=warc.size, metadata={"records": warc.records, "version": "WARC/1.1"},
                         cancel=cancel)
        headers_doc = {"hops": [h.headers_json() for h in hops],
                       "media": [[h.headers_json() for h in chain] for chain in media_hops]}
        draft.add_bytes(json.dumps(headers_doc, ensure_ascii=False, indent=1).encode("utf-8"), role="headers",
                        name="headers.json", mime="application/json")
        tls_hop = next((h for h in reversed(hops) if h.tls is not None and h.tls.chain), None)
        if tls_hop is not None and tls_hop.tls is not None:
            draft.add_bytes(tls_hop.tls.chain_pem().encode("ascii"), role="certificate", name="certificate.pem",
                            mime="application/x-pem-file",
                            metadata={"host": urlsplit(tls_hop.url).hostname or "",
                                      "verified": tls_hop.tls.verified,
                                      "sha256": tls_hop.tls.chain[0].sha256})
        if render_out is not None:
            _add_render_artifacts(draft, render_out, final.url, opts, shots)

        title = (render_out.title if render_out and render_out.title else page_meta.get("title", "")) or final.url
        draft.title = title[:500]
        draft.platform = str(platform_info.get("platform") or "") if platform_info else ""
        draft.metadata = meta
        draft.acquisition.update(_acquisition(opts, clock, render_out, hops))
        draft.acquisition.update(opts.acquisition_extra)
        draft.details = {"final_url": final.url, "status": final.status, "server_ip": final.server_ip,
                         "tls_verified": None if final.tls is None else (1 if final.tls.verified else 0),
                         "flags": meta["flags"], "platform": draft.platform,
                         "clock_offset_s": (clock or {}).get("offset_s") if clock else None}
        cancel.raise_if_cancelled()
        report(5, TOTAL_STEPS, "Committing / 기록 중")
        item = draft.commit()
        warnings += draft.hook_failures
    finally:
        for hop in hops:
            hop.close()
        for chain in media_hops:
            for hop in chain:
                hop.close()
        if warc is not None:
            warc.close()
        fetcher.close()
    warnings += _stamp(case, item, opts)
    report(TOTAL_STEPS, TOTAL_STEPS, f"Captured {item.exhibit} / 수집 완료")
    return CaptureOutcome(item=case.item(item.id), warnings=warnings)


# -- pieces ---------------------------------------------------------------------------------
class _ChunkStream(io.RawIOBase):
    """A read-only stream over an iterator of byte chunks (for add_stream)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._buf = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buf) < size:
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:size], self._buf[size:]
        return out


def _add_decoded(draft: ItemDraft, hop: Hop, *, role: str, name: str, mime: str,
                 metadata: dict[str, Any] | None = None) -> Any:
    """Store the hop's body with its content-encoding undone, streamed."""
    head = b"".join(_take(hop.decoded_body(), 8192))
    mime = mime or _served_or_sniffed(hop, head, name)
    return draft.add_stream(_ChunkStream(hop.decoded_body()), role=role, name=name,  # type: ignore[arg-type]
                            mime=mime, size_hint=hop.body_size, metadata=metadata)


def _take(chunks: Iterator[bytes], n: int) -> Iterator[bytes]:
    got = 0
    for c in chunks:
        yield c
        got += len(c)
        if got >= n:
            return


def _served_or_sniffed(hop: Hop, head: bytes, name: str) -> str:
    """The type from the bytes; the server's word only when the bytes say nothing."""
    sniffed = sniff_mime(head, name)
    if sniffed in ("application/octet-stream", "text/plain") and hop.content_type:
        return hop.content_type
    return sniffed


def _html_mime(hop: Hop) -> str:
    return "application/xhtml+xml" if hop.content_type == "application/xhtml+xml" else "text/html"


_EXT = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
        "image/avif": ".avif", "image/svg+xml": ".svg", "video/mp4": ".mp4", "video/webm": ".webm",
        "video/quicktime": ".mov", "application/pdf": ".pdf", "audio/mpeg": ".mp3", "text/plain": ".txt",
        "application/json": ".json", "application/zip": ".zip"}


def _file_name_for(hop: Hop, fallback: str = "download") -> str:
    disposition = hop.header("Content-Disposition")
    if "filename=" in disposition:
        name = disposition.split("filename=", 1)[1].split(";")[0].strip().strip("\"'")
        if name:
            return name[:200]
    path = urlsplit(hop.url).path
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if not name:
        name = fallback + _EXT.get(hop.content_type, "")
    elif "." not in name and hop.content_type in _EXT:
        name += _EXT[hop.content_type]
    return name[:200]


class _LinkedToken(CancelToken):
    """Cancelled when its parent is, or on its own (without cancelling the parent)."""

    def __init__(self, parent: CancelToken) -> None:
        super().__init__()
        self._parent = parent

    @property
    def cancelled(self) -> bool:
        return self._parent.cancelled or super().cancelled

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise CancelledError()


class _MediaThread(threading.Thread):
    def __init__(self, *args: Any) -> None:
        super().__init__(name="capture-media", daemon=True)
        self._args = args
        self._result: list[dict[str, Any]] = []
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._result = _fetch_media(*self._args)
        except BaseException as exc:
            self._error = exc

    def result(self) -> list[dict[str, Any]]:
        self.join()
        if self._error is not None:
            raise self._error
        return self._result


def _fetch_media(fetcher: Fetcher, draft: ItemDraft, warc: WarcBuilder, refs: list[MediaRef], page_url: str,
                 opts: CaptureOptions, cancel: CancelToken, media_hops: list[list[Hop]],
                 already: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    summary: list[dict[str, Any]] = []
    earlier = already or []
    budget = opts.max_embedded_media_bytes - sum(int(m.get("bytes", 0)) for m in earlier)
    used_names: set[str] = {str(m["name"]).lower() for m in earlier if m.get("name")}
    first = sum(1 for m in earlier if not str(m.get("status", "")).startswith("skipped"))
    for index, ref in enumerate(refs, start=first):
        entry: dict[str, Any] = {"url": ref.url, "source": ref.source, "kind": ref.kind}
        summary.append(entry)
        if index >= opts.max_embedded_media:
            entry["status"] = "skipped: count limit"
            continue
        if budget <= 0:
            entry["status"] = "skipped: byte limit"
            continue
        cancel.raise_if_cancelled()
        try:
            chain = fetcher.fetch_chain(ref.url, referer=page_url, max_bytes=min(budget, opts.max_response_bytes),
                                        accept="image/avif,image/webp,image/*,video/*,*/*;q=0.8",
                                        deadline=time.monotonic() + opts.timeout_s)
        except CancelledError:
            raise
        except EvidenceKitError as exc:
            entry["status"] = f"failed: {exc.message}"
            continue
        media_hops.append(chain)
        for hop in chain:
            warc.add_hop(hop)
        last = chain[-1]
        budget -= sum(h.body_size for h in chain)
        entry.update({"final_url": last.url, "http_status": last.status, "bytes": last.body_size,
                      "server_ip": last.server_ip})
        if last.status != 200 or last.body_size == 0:
            entry["status"] = f"not stored: HTTP {last.status}"
            continue
        if last.truncated:
            entry["status"] = f"not stored: truncated ({last.truncated}); kept in the WARC"
            continue
        mime = _served_or_sniffed(last, last.decoded_bytes(8192), "")
        if not mime.startswith(("image/", "video/", "audio/")):
            # e.g. og:video naming a player page: the exchange is in the WARC, it is not a media file
            entry["status"] = f"not stored: not a media file ({mime})"
            continue
        name = _unique(_file_name_for(last, f"media-{index + 1:03d}"), used_names)
        stored = _add_decoded(draft, last, role="media", name=name, mime=mime,
                              metadata={"url": ref.url, "final_url": last.url, "source": ref.source,
                                        "kind": ref.kind})
        entry.update({"status": "stored", "name": name, "sha256": stored.sha256})
    return summary


def _unique(name: str, used: set[str]) -> str:
    base, dot, ext = name.rpartition(".")
    if not dot:
        base, ext = name, ""
    candidate, n = name, 2
    while candidate.lower() in used:
        candidate = f"{base}-{n}.{ext}" if ext else f"{base}-{n}"
        n += 1
    used.add(candidate.lower())
    return candidate


def _add_render_artifacts(draft: ItemDraft, out: RenderOutput, page_url: str, opts: CaptureOptions,
                          shots: _ShotEncoder | None) -> None:
    """Screenshot (+ banner copy), extra renderer files, PDF, MHTML, DOM."""
    shot_meta = {"page_width": out.page_width, "page_height": out.page_height,
                 "captured_height": out.captured_height, "height_capped": out.height_capped,
                 "height_cap": opts.screenshot_cap, "timed_out": out.timed_out}
    if out.screenshot_png:
        draft.add_bytes(out.screenshot_png, role="screenshot", name=out.screenshot_name, mime="image/png",
                        metadata=shot_meta)
        if opts.banner:
            from .banner import banner_png

            url, when = out.final_url or page_url, str(draft.acquisition.get("started_utc", ""))
            png = out.screenshot_png
            ready = shots.banner if shots is not None and shots.url == url else None
            predicted = shots.predicted if shots is not None else ""

            def add(d: ItemDraft, exhibit: str) -> None:
                # drawn beforehand for the number the item would most likely get; redrawn here
                # only if another capture took that number in the meantime
                data = ready if ready is not None and exhibit == predicted else \
                    banner_png(png, url=url, when_utc=when, exhibit=exhibit)
                d.add_bytes(data, role="screenshot_banner", name="screenshot-banner.png", mime="image/png",
                            metadata={"derived_from": "screenshot", "exhibit": exhibit})

            draft.finalizers.append(add)
    for role, name, mime, data in out.extra_files:
        draft.add_bytes(data, role=role, name=name, mime=mime)
    if out.pdf:
        draft.add_bytes(out.pdf, role="pdf", name="page.pdf", mime="application/pdf")
    if out.mhtml:
        draft.add_bytes(out.mhtml, role="mhtml", name="page.mhtml", mime="multipart/related")
    if out.dom_html:
        draft.add_bytes(out.dom_html.encode("utf-8"), role="dom", name="dom.html", mime="text/html",
                        metadata={"encoding": "utf-8", "after_scripts": True})


class _ShotEncoder:
    """Encodes the screenshot PNG and its banner copy on two threads as soon as the renderer
    has the pixels (Pillow's encoder runs without the GIL), while the page is still being
    printed and saved. The banner is drawn for the exhibit number the item will most likely
    get; the commit redraws it in the rare case another capture took that number first."""

    def __init__(self, draft: ItemDraft, opts: CaptureOptions, url: str) -> None:
        case = draft.case
        row = case.conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()
        self.predicted = f"{case.info.number}-E{int(row[0]) + 1:04d}"
        self.when = str(draft.acquisition.get("started_utc", ""))
        self.url = url
        self.with_banner = opts.banner
        self.png: bytes | None = None
        self.banner: bytes | None = None
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []

    def feed(self, width: int, height: int, rgb: bytes) -> None:
        """Called by the renderer (on the GUI thread): start encoding, return at once."""
        from PIL import Image

        from .banner import banner_from_image, png_bytes

        image = Image.frombuffer("RGB", (width, height), rgb, "raw", "RGB", 0, 1)

        def encode() -> None:
            try:
                self.png = png_bytes(image)
            except BaseException as exc:
                self._errors.append(exc)

        def banner() -> None:
            try:
                self.banner = banner_from_image(image, url=self.url, when_utc=self.when, exhibit=self.predicted)
            except BaseException as exc:
                self._errors.append(exc)

        self._threads = [threading.Thread(target=encode, daemon=True, name="png-encode")]
        if self.with_banner:
            self._threads.append(threading.Thread(target=banner, daemon=True, name="png-banner"))
        for t in self._threads:
            t.start()

    def finish(self, out: RenderOutput) -> None:
        for t in self._threads:
            t.join()
        if self._errors:
            raise self._errors[0]
        if self.png is not None and not out.screenshot_png:
            out.screenshot_png = self.png
        if out.final_url and out.final_url != self.url:
            self.url = out.final_url
            self.banner = None  # the banner must show the URL the page ended at: redraw then


def _item_metadata(url: str, hops: list[Hop], page_meta: dict[str, Any], render_out: RenderOutput | None,
                   media: list[dict[str, Any]], platform_info: dict[str, Any] | None,
                   warc: WarcBuilder) -> dict[str, Any]:
    final = hops[-1]
    flags: list[str] = []
    if any(h.tls is not None and not h.tls.verified for h in hops):
        flags.append("tls_invalid")
    if final.truncated:
        flags.append("truncated")
    if final.status >= 400:
        flags.append(f"http_{final.status}")
    if final.location and final.status in (301, 302, 303, 307, 308):
        flags.append("redirect_not_followed")
    if render_out is not None:
        if render_out.timed_out:
            flags.append("render_timeout")
        if render_out.height_capped:
            flags.append("screenshot_capped")
        if render_out.errors and not render_out.screenshot_png:
            flags.append("render_failed")
    meta: dict[str, Any] = {
        "requested_url": url,
        "final_url": final.url,
        "status": final.status,
        "reason": final.reason,
        "content_type": final.header("Content-Type"),
        "server_ip": final.server_ip,
        "server_port": final.server_port,
        "redirect_chain": [h.summary() for h in hops],
        "truncated": final.truncated,
        "body_bytes": final.body_size,
        "body_sha256_as_transferred": final.body_sha256,
        "http": {"request_headers": [list(h) for h in final.request_headers],
                 "response_headers": [list(h) for h in final.response_headers]},
        "tls": final.tls.to_json() if final.tls is not None else None,
        "page": page_meta,
        "media": media,
        "warc": {"file": warc.filename, "records": warc.records},
        "flags": flags,
    }
    if render_out is not None:
        meta["render"] = render_out.summary()
    if platform_info is not None:
        meta["platform"] = platform_info
    return meta


def _acquisition(opts: CaptureOptions, clock: dict[str, Any] | None, render_out: RenderOutput | None,
                 hops: list[Hop]) -> dict[str, Any]:
    return {
        "method": "HTTP (python-requests) + QtWebEngine render" if render_out is not None else "HTTP (python-requests)",
        "user_agent": opts.user_agent,
        "proxy": _redact_proxy(opts.proxy),
        "persona": opts.persona or "off-the-record",
        "browser_profile": render_out.profile if render_out is not None else "",
        "render_engine": render_out.engine if render_out is not None else "",
        "clock": clock,
        "server_ip": hops[-1].server_ip,
        "limits": opts.record(),
    }


def _redact_proxy(proxy: str) -> str:
    """The proxy without a password (never written to evidence or logs)."""
    if not proxy:
        return ""
    try:
        parts = urlsplit(proxy)
    except ValueError:
        return "(unparseable proxy setting)"
    if parts.password is None and parts.username is None:
        return proxy
    host = parts.hostname or ""
    netloc = (f"{parts.username}:***@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _warcinfo(case: Case, opts: CaptureOptions) -> dict[str, str]:
    acq = case.acquisition_record()
    return {"software": f"Evidence Kit {__version__} (warcio, python-requests)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": case.info.number,
            "operator": f"{case.user.full_name or case.user.name} {case.user.badge}".strip(),
            "hostname": str(acq.get("workstation", "")),
            "http-header-user-agent": opts.user_agent,
            "proxy": _redact_proxy(opts.proxy) or "none",
            "description": "Evidence capture; request/response records for every hop, redirects not merged"}


def _warc_name(url: str) -> str:
    host = (urlsplit(url).hostname or "page").replace(":", "_")
    return f"capture-{host}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.warc.gz"


def _measure_clock(server: str, warnings: list[str]) -> dict[str, Any]:
    from ..clock import measure_offset

    reading = measure_offset(server)  # never raises: an unreachable server is a reading with an error
    if not reading.ok:
        warnings.append(f"Clock offset not measured: {reading.error}")
    return reading.to_json()


def _identify(url: str, chain: list[str]) -> dict[str, Any] | None:
    from ..platforms import identify

    try:
        return identify(url, redirect_chain=tuple(chain)).to_json()
    except Exception:  # identify never raises by contract; a capture must not fail over it
        return None


def _stamp(case: Case, item: Item, opts: CaptureOptions) -> list[str]:
    """RFC 3161 tokens for the item's artifact hashes and for the ledger head, when authorities
    are configured. A failing authority is a warning (recorded in the ledger by timestamps.py),
    never a lost capture."""
    if not opts.tsa_urls:
        return []
    from ..timestamps import stamp_item, stamp_ledger_head

    warnings: list[str] = []
    for what, fn in (("item", lambda: stamp_item(case, item, tsa_urls=opts.tsa_urls)),
                     ("ledger head", lambda: stamp_ledger_head(case, tsa_urls=opts.tsa_urls))):
        try:
            result = fn()
        except Exception as exc:
            msg = exc.message if isinstance(exc, EvidenceKitError) else f"{type(exc).__name__}: {exc}"
            warnings.append(f"Trusted timestamp of the {what} failed: {msg}")
            continue
        for failure in result.failures:
            warnings.append(f"Timestamp authority {failure.tsa_url} failed for the {what}: {failure.message}")
    return warnings
