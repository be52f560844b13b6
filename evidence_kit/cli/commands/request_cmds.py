"""`evidence-kit request …`: draft platform data requests, track them, list deadlines and statistics."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ...core.errors import InputError
from ...core.requests import (
    FIELDS,
    REQUEST_TYPES,
    STATUSES,
    RequestSpec,
    check_draft,
    draft_request,
    due,
    export_outputs,
    get_platform,
    get_request,
    list_requests,
    load_platforms,
    parse_status,
    stats,
    status_label,
    type_label,
    update_request,
    write_stats_csv,
)
from ...core.requests.store import FORMATS, Request
from ..common import add_json_flag, open_case, print_json


def register(sub: argparse._SubParsersAction) -> None:
    req = sub.add_parser("request", help="platform data requests: draft, track, deadlines, statistics")
    rs = req.add_subparsers(dest="request_command", metavar="ACTION")

    d = rs.add_parser("draft", help="draft a request for items of one platform (stored, hashed and logged)")
    d.add_argument("--platform", required=True, help="x, meta, google, tiktok, discord, telegram or kcsc "
                                                      "(instagram, facebook, youtube are accepted too)")
    d.add_argument("--type", required=True, dest="request_type", help=", ".join(REQUEST_TYPES))
    d.add_argument("items", nargs="+", metavar="ITEM", help="exhibit numbers (E0001 or the full form)")
    d.add_argument("--lang", default="ko", choices=["ko", "en"])
    d.add_argument("--out", metavar="DIR", help="also write the PDF, DOCX, text and e-mail files here")
    d.add_argument("--message", action="append", default=[], metavar="ITEM:ID[,ID…]",
                   help="cite messages of a Telegram chat item by id (their time, sender and link go in the "
                        "letter, never their text)")
    d.add_argument("--field", action="append", default=[], metavar="KEY=VALUE",
                   help="a draft field (repeatable; VALUE @file reads a file): " + ", ".join(FIELDS))
    add_json_flag(d)
    d.set_defaults(handler=cmd_draft)

    ls = rs.add_parser("list", help="list requests with status and deadlines")
    ls.add_argument("--item", help="only requests covering this item (E0001 or the full exhibit number)")
    ls.add_argument("--platform", help="only this platform")
    ls.add_argument("--status", help="only this status")
    add_json_flag(ls)
    ls.set_defaults(handler=cmd_list)

    sh = rs.add_parser("show", help="show one request: fields, items, outputs, history, where to send it")
    sh.add_argument("request", metavar="ID", help="R001, the id, or the full reference")
    add_json_flag(sh)
    sh.set_defaults(handler=cmd_show)

    up = rs.add_parser("update", help="record a status change (a ledger event)")
    up.add_argument("request", metavar="ID")
    up.add_argument("--status", required=True, help=", ".join(STATUSES))
    up.add_argument("--date", help="when it happened, YYYY-MM-DD (default: today)")
    up.add_argument("--reference", default="", help="the platform's reference / ticket number")
    up.add_argument("--channel", default="", help="how it was sent (portal, e-mail, post, …)")
    up.add_argument("--note", default="")
    up.add_argument("--expires", help="preservation expiry confirmed by the platform, YYYY-MM-DD")
    add_json_flag(up)
    up.set_defaults(handler=cmd_update)

    du = rs.add_parser("due", help="what is due or overdue: unsent drafts, preservation extensions, answers")
    du.add_argument("--days", type=int, default=14, help="look this many days ahead (default 14)")
    add_json_flag(du)
    du.set_defaults(handler=cmd_due)

    st = rs.add_parser("stats", help="per platform and type: sent, answered, refused, unanswered, median days")
    st.add_argument("--csv", metavar="FILE", help="write the table as CSV")
    add_json_flag(st)
    st.set_defaults(handler=cmd_stats)

    ex = rs.add_parser("export", help="write a request's stored files (PDF, DOCX, text, e-mail) to a folder")
    ex.add_argument("request", metavar="ID")
    ex.add_argument("--out", required=True, metavar="DIR")
    ex.add_argument("--format", action="append", choices=list(FORMATS), dest="formats")
    ex.set_defaults(handler=cmd_export)

    pl = rs.add_parser("platforms", help="what each platform publishes: where to send, periods, sources")
    add_json_flag(pl)
    pl.set_defaults(handler=cmd_platforms)
    req.set_defaults(handler=lambda a: (req.print_help(), 2)[1])


def _parse_fields(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--field {pair!r}: use KEY=VALUE. / --field 형식은 KEY=VALUE 입니다.")
        if value.startswith("@"):
            path = Path(value[1:])
            try:
                value = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"--field {key}: cannot read {path} ({exc}). / 파일을 읽을 수 없습니다.") from None
        out[key] = value
    return out


def _parse_messages(values: list[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for value in values:
        item, sep, ids = value.partition(":")
        try:
            numbers = [int(x) for x in ids.replace(" ", "").split(",") if x]
        except ValueError:
            numbers = []
        if not sep or not item.strip() or not numbers:
            raise InputError(f"--message {value!r}: use ITEM:ID[,ID…], e.g. E0003:120,121. / "
                             "--message 형식은 ITEM:ID[,ID…] 입니다.")
        out.setdefault(item.strip(), []).extend(numbers)
    return out


def cmd_draft(args: argparse.Namespace) -> int:
    fields = _parse_fields(args.field)
    cited = _parse_messages(args.message)
    with open_case(args) as case:
        spec = RequestSpec(args.platform, args.request_type, list(args.items), lang=args.lang, fields=fields,
                           messages=cited)
        check = check_draft(case, spec)
        req = draft_request(case, spec)
        written = export_outputs(case, req, args.out) if args.out else []
        platform = get_platform(req.platform)
        if args.json:
            data = req.to_json()
            data["written"] = [str(p) for p in written]
            data["send_to"] = [c.to_json() for c in platform.channels_for(req.type)]
            data["warnings"] = [w.message_en for w in check.warnings]
            print_json(data)
            return 0
        print(f"{req.reference}  {platform.display_name('en')}  {type_label(req.type, 'en')}  ({req.lang})")
        for c in platform.channels_for(req.type):
            print(f"  send to: {c.label['en']}: {c.address}  [{c.status}, as of {c.as_of}]")
        for o in req.outputs:
            print(f"  {o.format:4} {o.name}  sha256 {o.sha256}")
        for p in written:
            print(f"  written: {p}")
        for w in check.warnings:
            print(f"  warning: {w.message_en}", file=sys.stderr)
    return 0


def _row(r: Request) -> dict[str, Any]:
    return {"id": r.id, "reference": r.reference, "platform": r.platform, "type": r.type, "status": r.status,
            "items": r.exhibits, "draft_date": r.draft_date, "sent_date": r.sent_date,
            "answered_date": r.answered_date, "expires_date": r.expires_date, "extension_due": r.extension_due,
            "platform_reference": r.platform_reference}


def cmd_list(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        reqs = list_requests(case)
        if args.item:
            exhibit = case.item(args.item).exhibit
            reqs = [r for r in reqs if exhibit in r.exhibits]
        if args.platform:
            pid = get_platform(args.platform).id
            reqs = [r for r in reqs if r.platform == pid]
        if args.status:
            wanted = parse_status(args.status)
            reqs = [r for r in reqs if r.status == wanted]
        if args.json:
            print_json([_row(r) for r in reqs])
            return 0
        if not reqs:
            print("No requests yet. / 요청이 없습니다.")
            return 0
        print(f"{'ID':5} {'REFERENCE':24} {'PLATFORM':9} {'TYPE':23} {'STATUS':12} {'SENT':10} {'EXPIRES':10} ITEMS")
        for r in reqs:
            print(f"R{r.id:03d}  {r.reference:24} {r.platform:9} {r.type:23} {r.status:12} {r.sent_date or '-':10} "
                  f"{r.expires_date or '-':10} {', '.join(e.rsplit('-', 1)[-1] for e in r.exhibits)}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        r = get_request(case, args.request)
        platform = get_platform(r.platform)
        if args.json:
            data = r.to_json()
            data["send_to"] = [c.to_json() for c in platform.channels_for(r.type)]
            print_json(data)
            return 0
        print(f"{r.reference}  {platform.display_name('en')} / {type_label(r.type, 'en')} ({r.lang})")
        print(f"  status: {status_label(r.status, 'en')}   drafted {r.draft_date} by {r.created_by}")
        if r.sent_date:
            print(f"  sent: {r.sent_date} via {r.channel or '-'}; platform reference {r.platform_reference or '-'}")
        if r.answered_date:
            print(f"  answered: {r.answered_date}")
        if r.expires_date:
            print(f"  preservation expires {r.expires_date}; extension due {r.extension_due} "
                  f"({r.extensions} extension(s) so far)")
        for c in platform.channels_for(r.type):
            print(f"  send to: {c.label['en']}: {c.address}  [{c.status}, as of {c.as_of}]")
        print("  items:")
        for it in r.items:
            print(f"    {it.get('exhibit')}  {it.get('canonical_url', '')}")
        print("  fields:")
        for k, v in r.fields.items():
            print(f"    {k}: {v if len(v) < 80 else v[:77] + '...'}")
        print("  outputs:")
        for o in r.outputs:
            print(f"    {o.format:4} {o.name}  {o.size} B  sha256 {o.sha256}")
        print("  history:")
        for h in r.history:
            extra = "; ".join(x for x in (h.channel, h.reference, h.note, f"expires {h.expires}" if h.expires else "")
                              if x)
            print(f"    #{h.seq} {h.date} {h.status:12} by {h.actor}{'  ' + extra if extra else ''}")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        r = update_request(case, args.request, args.status, on=args.date, channel=args.channel,
                           reference=args.reference, note=args.note, expires=args.expires)
        if args.json:
            print_json(r.to_json())
            return 0
        print(f"{r.reference}: {status_label(r.status, 'en')} ({r.history[-1].date})")
        if r.expires_date:
            print(f"  preservation expires {r.expires_date}; extension due {r.extension_due}")
        elif r.type.startswith("preservation") and r.status == "sent":
            print("  the platform publishes no preservation period: record the expiry it confirms with "
                  "--expires. / 보전 만료일을 --expires로 기록하세요.", file=sys.stderr)
    return 0


def cmd_due(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        entries = due(case, horizon_days=args.days)
        if args.json:
            print_json([e.to_json() for e in entries])
            return 0
        if not entries:
            print("Nothing due. / 처리할 기한이 없습니다.")
            return 0
        for e in entries:
            when = f"overdue by {-e.days_left} day(s)" if e.overdue else (
                "today" if e.days_left == 0 else f"in {e.days_left} day(s)")
            print(f"{e.due_date}  {when:22} {e.request.reference}  {e.request.platform}/{e.request.type}: "
                  f"{e.message_en}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        rows = stats(case)
        if args.csv:
            write_stats_csv(rows, args.csv)
        if args.json:
            print_json([r.to_json() for r in rows])
            return 0
        print(f"{'PLATFORM':9} {'TYPE':23} {'DRAFTED':>7} {'SENT':>5} {'ANSWERED':>8} {'REFUSED':>7} "
              f"{'UNANSWERED':>10} {'MEDIAN DAYS':>11}")
        for r in rows:
            print(f"{r.platform:9} {r.type:23} {r.drafted:7} {r.sent:5} {r.answered:8} {r.refused:7} "
                  f"{r.unanswered:10} {r.median_text() or '-':>11}")
        if args.csv:
            print(f"written: {Path(args.csv).absolute()}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        r = get_request(case, args.request)
        for p in export_outputs(case, r, args.out, tuple(args.formats or FORMATS)):
            print(p)
    return 0


def cmd_platforms(args: argparse.Namespace) -> int:
    platforms = load_platforms()
    if args.json:
        print_json({k: v.to_json() for k, v in platforms.items()})
        return 0
    for p in platforms.values():
        print(f"{p.id:9} {p.display_name('en')}")
        print(f"          types: {', '.join(p.request_types)}")
        for c in p.channels:
            print(f"          {c.kind}: {c.address}  ({', '.join(c.types)}; {c.status}, as of {c.as_of})")
        pres = p.preservation
        print(f"          preservation: {pres.days if pres.days is not None else 'unknown'} days, extension "
              f"{pres.extension_days if pres.extension_days is not None else 'unknown'} days "
              f"({pres.fact.status}, as of {pres.fact.as_of}; {pres.fact.source})")
    return 0
