"""Case store commands: case init, user, ingest, list, show, log, extract, verify, check, note, tag."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ...core.case import Case, Item
from ...core.errors import InputError
from ...core.exif import format_gps
from ...core.roles import Permission
from ..common import (
    ProgressBar,
    add_json_flag,
    cancel_on_sigint,
    case_path,
    credentials,
    open_case,
    print_json,
)
from .telegram_cmds import item_flags, show_extras


def register(sub: argparse._SubParsersAction) -> None:
    case_p = sub.add_parser("case", help="create a case")
    case_sub = case_p.add_subparsers(dest="case_command", metavar="ACTION")
    init = case_sub.add_parser("init", help="create a new case folder")
    init.add_argument("path")
    init.add_argument("--number", required=True, help="case number, e.g. 2026-서울-0001")
    init.add_argument("--title", required=True)
    init.add_argument("--user", help="first user (a case officer); default $EVIDENCE_KIT_USER")
    init.add_argument("--full-name", default="")
    init.add_argument("--badge", default="")
    init.add_argument("--offence", default="")
    init.add_argument("--agency", default="")
    add_json_flag(init)
    init.set_defaults(handler=cmd_case_init)
    case_p.set_defaults(handler=lambda a: (case_p.print_help(), 2)[1])

    user_p = sub.add_parser("user", help="add or list users of the case")
    user_sub = user_p.add_subparsers(dest="user_command", metavar="ACTION")
    add = user_sub.add_parser("add", help="add a user (case officers only); password from "
                                          "$EVIDENCE_KIT_NEW_PASSWORD or a prompt")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["investigator", "case_officer", "auditor"])
    add.add_argument("--full-name", default="")
    add.add_argument("--badge", default="")
    add.set_defaults(handler=cmd_user_add)
    lst = user_sub.add_parser("list", help="list users")
    add_json_flag(lst)
    lst.set_defaults(handler=cmd_user_list)
    user_p.set_defaults(handler=lambda a: (user_p.print_help(), 2)[1])

    ing = sub.add_parser("ingest", help="add files or folders as evidence")
    ing.add_argument("paths", nargs="+", metavar="PATH")
    ing.add_argument("--note", default="")
    ing.add_argument("--tag", action="append", default=[], dest="tags")
    add_json_flag(ing)
    ing.set_defaults(handler=cmd_ingest)

    ls = sub.add_parser("list", help="list evidence items")
    add_json_flag(ls)
    ls.set_defaults(handler=cmd_list)

    show = sub.add_parser("show", help="show one item with its artifacts, metadata and custody events")
    show.add_argument("item", help="exhibit number (or its short form E0001)")
    add_json_flag(show)
    show.set_defaults(handler=cmd_show)

    log = sub.add_parser("log", help="print the custody ledger")
    log.add_argument("--item")
    log.add_argument("--actor")
    log.add_argument("--action")
    add_json_flag(log)
    log.set_defaults(handler=cmd_log)

    ext = sub.add_parser("extract", help="write a decrypted copy of an item's files (logged)")
    ext.add_argument("item")
    ext.add_argument("dest")
    ext.set_defaults(handler=cmd_extract)

    ver = sub.add_parser("verify", help="verify the case (ledger, signatures, every object), "
                                        "or an exported bundle given as BUNDLE.zip")
    ver.add_argument("bundle", nargs="?", help="an evidence bundle (.zip) to verify without a case")
    ver.add_argument("--no-objects", action="store_true", help="skip re-hashing stored objects")
    ver.add_argument("--report", metavar="PDF", help="write an auditor's verification report (bundles)")
    ver.add_argument("--lang", choices=["ko", "en"], default="en")
    add_json_flag(ver)
    ver.set_defaults(handler=cmd_verify)

    chk = sub.add_parser("check", help="find (and with --clear remove) orphan objects left by a crash")
    chk.add_argument("--clear", action="store_true")
    add_json_flag(chk)
    chk.set_defaults(handler=cmd_check)

    note = sub.add_parser("note", help="set an item's notes")
    note.add_argument("item")
    note.add_argument("text")
    note.set_defaults(handler=cmd_note)

    tag = sub.add_parser("tag", help="set an item's tags")
    tag.add_argument("item")
    tag.add_argument("tags", nargs="*")
    tag.set_defaults(handler=cmd_tag)


def cmd_case_init(args: argparse.Namespace) -> int:
    import os

    user, password = credentials(confirm=True, user=args.user)
    case = Case.create(args.path, number=args.number, title=args.title, user=user, password=password,
                       full_name=args.full_name, badge=args.badge, offence=args.offence, agency=args.agency)
    with case:
        if args.json:
            print_json({"path": str(case.path), **case.info.to_json(), "user": case.user.to_json()})
        else:
            print(f"Created case {case.info.number} at {case.path}")
            if not os.environ.get("EVIDENCE_KIT_CASE"):
                print(f"Use it with: evidence-kit --case {case.path} COMMAND")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    import getpass
    import os

    with open_case(args) as case:
        case.require(Permission.MANAGE_USERS)
        password = os.environ.get("EVIDENCE_KIT_NEW_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                raise InputError("Set EVIDENCE_KIT_NEW_PASSWORD or run in a terminal to give the new "
                                 "user's password.")
            password = getpass.getpass(f"Password for {args.name}: ")
            if getpass.getpass("Repeat: ") != password:
                raise InputError("The passwords do not match. / 비밀번호가 일치하지 않습니다.")
        user = case.add_user(args.name, password, args.role, full_name=args.full_name, badge=args.badge)
        print(f"Added {user.name} ({user.role})")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        users = case.users()
        if args.json:
            print_json([u.to_json() for u in users])
        else:
            for u in users:
                print(f"{u.name:<16} {u.role:<13} {u.full_name} {u.badge}".rstrip())
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    cancel = cancel_on_sigint()
    with open_case(args) as case:
        bar = ProgressBar("Ingesting")
        try:
            result = case.ingest(args.paths, note=args.note, tags=args.tags, progress=bar, cancel=cancel)
        finally:
            bar.finish()
        if args.json:
            print_json({"ok": result.ok, "items": [i.to_json() for i in result.items],
                        "failures": [{"path": f.path, "error": f.message} for f in result.failures]})
        else:
            for item in result.items:
                orig = item.original
                print(f"{item.exhibit}  {orig.sha256 if orig else '':64}  {item.source}")
            for f in result.failures:
                print(f"evidence-kit: {f.path}: {f.message}", file=sys.stderr)
            if not result.items and not result.failures:
                print("No files found.", file=sys.stderr)
        return 0 if result.ok else 1


def _item_summary(item: Item, extra_flags: list[str] | None = None) -> dict[str, Any]:
    orig = item.original
    return {"exhibit": item.exhibit, "kind": item.kind, "title": item.title, "source": item.source,
            "platform": item.platform, "captured_at": item.captured_at, "collector": item.collector,
            "sha256": orig.sha256 if orig else "", "tags": item.tags,
            "flags": item.metadata.get("flags", []) + (extra_flags or [])}


def cmd_list(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        items = case.items()
        known = item_flags(case)  # hash-list matches ("known: <label>")
        if args.json:
            print_json([_item_summary(i, known.get(i.id)) for i in items])
        else:
            for i in items:
                s = _item_summary(i, known.get(i.id))
                flags = (" [" + ", ".join(s["flags"]) + "]") if s["flags"] else ""
                print(f"{i.exhibit}  {i.captured_at}  {i.kind:<8} {s['sha256'][:16]}  {i.title or i.source}{flags}")
            if not items:
                print("No evidence items yet.", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        item = case.item(args.item)
        events = case.events(item=item.exhibit)
        extras = show_extras(case, item)  # flags, hash-list matches, a Telegram chat's messages
        if args.json:
            print_json({**item.to_json(), **extras.json, "events": [e.to_json() for e in events]})
            return 0
        print(f"Exhibit    {item.exhibit}")
        print(f"Kind       {item.kind}")
        print(f"Title      {item.title}")
        print(f"Source     {item.source}")
        if item.platform:
            print(f"Platform   {item.platform}")
        print(f"Captured   {item.captured_at} by {item.collector}")
        acq = item.acquisition
        print(f"Workstation {acq.get('workstation', '')}  ({acq.get('os', '')}; {acq.get('tool', '')})")
        if item.tags:
            print(f"Tags       {', '.join(item.tags)}")
        for line in extras.lines:
            print(line)
        if item.notes:
            print(f"Notes      {item.notes}")
        print("Artifacts")
        for a in item.artifacts:
            print(f"  [{a.role}] {a.name}  {a.mime}  {a.size} bytes")
            print(f"      SHA-256 {a.sha256}")
            if a.md5:
                print(f"      MD5     {a.md5}")
            if a.sha1:
                print(f"      SHA-1   {a.sha1}")
        exif = item.metadata.get("exif")
        if exif:
            print("EXIF")
            for k in ("make", "model", "software", "datetime_original", "offset_time_original"):
                if k in exif:
                    print(f"  {k:<22}{exif[k]}")
            if exif.get("gps"):
                print(f"  {'gps':<22}{format_gps(exif['gps'])}")
        print("Custody")
        for e in events:
            print(f"  #{e.seq} {e.at} {e.actor} ({e.role}) {e.action}")
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        item = case.item(args.item).exhibit if args.item else None
        events = case.iter_events(item=item, actor=args.actor, action=args.action)
        if args.json:
            print_json([e.to_json() for e in events])
        else:
            for e in events:
                print(f"#{e.seq:<6} {e.at}  {e.actor:<12} {e.role:<13} {e.action:<16} {e.item}  {e.hash[:16]}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    cancel = cancel_on_sigint()
    with open_case(args) as case:
        bar = ProgressBar("Extracting")
        try:
            paths = case.extract(args.item, args.dest, progress=bar, cancel=cancel)
        finally:
            bar.finish()
        for p in paths:
            print(p)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    if args.bundle:
        from ..bundle_verify import run_verify_bundle

        return run_verify_bundle(args)
    cancel = cancel_on_sigint()
    case_path(args)
    with open_case(args) as case:
        bar = ProgressBar("Verifying")
        try:
            report = case.verify(progress=bar, cancel=cancel, check_objects=not args.no_objects)
        finally:
            bar.finish()
        if args.json:
            print_json(report.to_json())
        else:
            print(f"Ledger: {report.events} events, head {report.head}")
            print(f"Items: {report.items}, artifacts: {report.artifacts}, objects checked: {report.objects}")
            if report.ok:
                print("VERIFIED: no problems found. / 검증 완료: 문제가 없습니다.")
            else:
                print(f"FAILED: {len(report.problems)} problem(s) / 검증 실패:")
                for p in report.problems:
                    print(f"  - {p}")
        return 0 if report.ok else 1


def cmd_check(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        report = case.check(clear=args.clear)
        if args.json:
            print_json(report.to_json())
        else:
            print(f"Orphan objects: {len(report.orphans)}; temporary files: {len(report.temp_files)}")
            if report.missing:
                print(f"MISSING objects referenced by evidence: {len(report.missing)} (run verify)")
            if report.cleared:
                print("Removed them.")
            elif report.orphans or report.temp_files:
                print("Run `check --clear` to remove them.")
        return 1 if report.missing else 0


def cmd_note(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        case.set_notes(args.item, args.text)
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        case.set_tags(args.item, args.tags)
    return 0
