"""`evidence-kit capture URL`: capture a web page (or a direct link to a file) as evidence."""

from __future__ import annotations

import argparse
import sys

from ...core.capture.web import CaptureOptions, capture_web
from ...core.settings import Settings
from ..common import ProgressBar, add_json_flag, cancel_on_sigint, open_case, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("capture", help="capture a URL: WARC, screenshot, PDF, MHTML, DOM and embedded media",
                       description="Capture a web page (or a direct link to a file) as one evidence item. "
                                   "Prints the new exhibit number.")
    p.add_argument("url")
    p.add_argument("--note", default="")
    p.add_argument("--tag", action="append", default=[], dest="tags")
    p.add_argument("--insecure", action="store_true",
                   help="capture even if the HTTPS certificate does not verify (the item is marked)")
    p.add_argument("--no-render", action="store_true", help="HTTP and WARC only: no screenshot, PDF or MHTML")
    p.add_argument("--no-media", action="store_true", help="do not fetch the images and videos the page embeds")
    p.add_argument("--ca-bundle", metavar="PEM", default="", help="also trust these CA certificates")
    p.add_argument("--timeout", type=int, metavar="SECONDS", help="network time limit (default from settings)")
    p.add_argument("--render-timeout", type=int, metavar="SECONDS", help="rendering time limit")
    add_json_flag(p)
    p.set_defaults(handler=cmd_capture)


def cmd_capture(args: argparse.Namespace) -> int:
    cancel = cancel_on_sigint()
    options = CaptureOptions.from_settings(
        Settings.load(), note=args.note, tags=list(args.tags), render=not args.no_render,
        fetch_media=not args.no_media, allow_invalid_tls=True if args.insecure else None,
        ca_bundle=args.ca_bundle or None, timeout_s=args.timeout, render_timeout_s=args.render_timeout)
    with open_case(args) as case:
        bar = ProgressBar("Capturing")
        last: list[str] = []

        def progress(done: int, total: int, message: str) -> None:
            if bar.enabled:
                bar(done, total, message)
                return
            key = message.split(" (", 1)[0]  # not a line per downloaded chunk
            if key != (last[0] if last else None):
                last[:] = [key]
                print(f"[{done}/{total}] {message}", file=sys.stderr)

        def warn(message: str) -> None:
            print(f"evidence-kit: warning: {message}", file=sys.stderr)

        try:
            if options.render:
                from ...render.webcapture import capture_url

                item = capture_url(case, args.url, options=options, progress=progress, cancel=cancel,
                                   on_warning=warn)
            else:  # no Qt at all
                outcome = capture_web(case, args.url, options, progress=progress, cancel=cancel)
                for w in outcome.warnings:
                    warn(w)
                item = outcome.item
        finally:
            bar.finish()
        if args.json:
            print_json(item.to_json())
        else:
            print(item.exhibit)
        flags = item.metadata.get("flags") or []
        if flags:
            print(f"evidence-kit: {item.exhibit} is marked: {', '.join(flags)}", file=sys.stderr)
    return 0
