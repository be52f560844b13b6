"""Telegram and known-content commands: import-telegram, telegram (messages, cite), similar,
hashlist (import, list, match, export)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

from ...core import hashlists, perceptual, telegram
from ...core.case import Case, Item
from ...core.errors import InputError
from ..common import ProgressBar, add_json_flag, cancel_on_sigint, open_case, print_json


def register(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser("import-telegram", help="import a Telegram Desktop export (folder, result.json or zip); "
                                                 "each chat becomes one item")
    imp.add_argument("export", metavar="EXPORT")
    imp.add_argument("--public-name", action="append", default=[], metavar="[CHAT_ID=]NAME",
                     help="the public @name of the chat (not in the export), for t.me/NAME/ID links")
    imp.add_argument("--allow-partial", action="store_true",
                     help="if result.json is damaged, keep the messages read before the damage (marked partial)")
    imp.add_argument("--utc-offset", metavar="±HH:MM",
                     help="the exporting computer's UTC offset, for old exports without Unix times")
    imp.add_argument("--note", default="")
    imp.add_argument("--tag", action="append", default=[], dest="tags")
    add_json_flag(imp)
    imp.set_defaults(handler=cmd_import_telegram)

    tg = sub.add_parser("telegram", help="read an imported chat: messages, citations")
    tg_sub = tg.add_subparsers(dest="telegram_command", metavar="ACTION")
    msgs = tg_sub.add_parser("messages", help="list a chat's messages")
    msgs.add_argument("item")
    msgs.add_argument("--search", default="")
    msgs.add_argument("--limit", type=int)
    add_json_flag(msgs)
    msgs.set_defaults(handler=cmd_messages)
    cite = tg_sub.add_parser("cite", help="cite messages (id, date, sender, text, link)")
    cite.add_argument("item")
    cite.add_argument("ids", nargs="+", type=int, metavar="MESSAGE_ID")
    cite.add_argument("--lang", choices=["en", "ko"], default="en")
    add_json_flag(cite)
    cite.set_defaults(handler=cmd_cite)
    tg.set_defaults(handler=lambda a: (tg.print_help(), 2)[1])

    sim = sub.add_parser("similar", help="near-duplicate images and videos in the case (PDQ)")
    sim.add_argument("--threshold", type=int, default=perceptual.DEFAULT_THRESHOLD,
                     help=f"maximum Hamming distance (default {perceptual.DEFAULT_THRESHOLD})")
    sim.add_argument("--min-quality", type=int, default=perceptual.MIN_QUALITY)
    sim.add_argument("--no-index", action="store_true", help="do not hash items that have no PDQ yet")
    add_json_flag(sim)
    sim.set_defaults(handler=cmd_similar)

    hl = sub.add_parser("hashlist", help="known-content hash lists (MD5, SHA-1, SHA-256, PDQ)")
    hl_sub = hl.add_subparsers(dest="hashlist_command", metavar="ACTION")
    hi = hl_sub.add_parser("import", help="import a CSV or JSON hash list")
    hi.add_argument("file")
    hi.add_argument("--label", default="")
    hi.add_argument("--source", default="")
    hi.add_argument("--type", choices=list(hashlists.ALGOS), help="the type of bare 64-hex values (sha256 or pdq)")
    hi.add_argument("--skip-bad", action="store_true", help="import the valid lines even if some are bad")
    add_json_flag(hi)
    hi.set_defaults(handler=cmd_hashlist_import)
    hls = hl_sub.add_parser("list", help="list imported hash lists")
    add_json_flag(hls)
    hls.set_defaults(handler=cmd_hashlist_list)
    hm = hl_sub.add_parser("match", help="match every item against the lists (recorded in the ledger)")
    hm.add_argument("--threshold", type=int, help="PDQ distance (default: the case setting, or 31)")
    add_json_flag(hm)
    hm.set_defaults(handler=cmd_hashlist_match)
    he = hl_sub.add_parser("export", help="export the case's hashes as a list (never the content)")
    he.add_argument("--out", required=True)
    he.add_argument("--format", choices=["csv", "json"], default="csv")
    he.add_argument("--item", action="append", default=[], help="only these items (repeatable)")
    he.set_defaults(handler=cmd_hashlist_export)
    hl.set_defaults(handler=lambda a: (hl.print_help(), 2)[1])


def _offset_minutes(text: str | None) -> int | None:
    if not text:
        return None
    t = text.strip()
    sign = -1 if t.startswith("-") else 1
    body = t.lstrip("+-")
    hh, _, mm = body.partition(":")
    if not hh.isdigit() or (mm and not mm.isdigit()) or int(hh) > 14 or (mm and int(mm) > 59):
        raise InputError(f"{text!r} is not a UTC offset like +09:00. / UTC 오프셋 형식이 아닙니다 (예: +09:00).")
    return sign * (int(hh) * 60 + (int(mm) if mm else 0))


def cmd_import_telegram(args: argparse.Namespace) -> int:
    cancel = cancel_on_sigint()
    opts = telegram.ImportOptions(public_names=telegram.parse_public_names(args.public_name),
                                  allow_partial=args.allow_partial, utc_offset_minutes=_offset_minutes(args.utc_offset),
                                  note=args.note, tags=args.tags)
    with open_case(args) as case:
        bar = ProgressBar("Importing")
        try:
            result = telegram.import_telegram(case, args.export, options=opts, progress=bar, cancel=cancel)
        finally:
            bar.finish()
        if args.json:
            print_json(result.to_json())
        else:
            for chat in result.chats:
                item = chat.item
                assert item is not None
                state = " PARTIAL" if chat.partial else ""
                print(f"{item.exhibit}  {chat.messages:>6} messages  {chat.media_stored:>5} media  "
                      f"{chat.header.type or '-':<18} {item.title}{state}")
                for p in chat.problems:
                    print(f"evidence-kit: {item.exhibit}: {p}", file=sys.stderr)
            if result.error:
                print(f"evidence-kit: {result.error}", file=sys.stderr)
        for failure in result.hook_failures:  # the items are saved; only hashing/matching failed
            print(f"evidence-kit: warning: {failure}", file=sys.stderr)
        if result.partial:
            print("evidence-kit: the import is PARTIAL (see above). / 일부만 가져왔습니다.", file=sys.stderr)
            return 1
    return 0


def cmd_messages(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        msgs = telegram.messages(case, args.item, query=args.search, limit=args.limit)
        if args.json:
            print_json([telegram.message_json(m) for m in msgs])
        else:
            for m in msgs:
                when = m.date_utc or (m.date_local + " (local)")
                print(f"#{m.id:<7} {when:<21} {m.sender[:20]:<20} {m.summary[:200]}")
    return 0


def cmd_cite(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        cites = telegram.cite(case, args.item, args.ids)
        if args.json:
            print_json([c.to_json() for c in cites])
        else:
            print(telegram.citation_text(cites, args.lang))
    return 0


def cmd_similar(args: argparse.Namespace) -> int:
    perceptual.check_threshold(args.threshold)
    with open_case(args) as case:
        if not args.no_index:
            bar = ProgressBar("Hashing")
            try:
                perceptual.index_case(case, progress=bar, cancel=cancel_on_sigint())
            finally:
                bar.finish()
        groups = perceptual.similar_groups(case, threshold=args.threshold, min_quality=args.min_quality)
        if args.json:
            print_json({"threshold": args.threshold, "min_quality": args.min_quality,
                        "groups": [g.to_json() for g in groups]})
        else:
            if not groups:
                print(f"No near-duplicates within distance {args.threshold}. / 유사 항목이 없습니다.")
            for n, g in enumerate(groups, start=1):
                print(f"Group {n}: {len(g.members)} files in {', '.join(g.exhibits)} (distance ≤ {g.max_distance})")
                for m in g.members:
                    print(f"  {m.exhibit}  {m.name[:40]:<40} q{m.quality:<3} {m.pdq}")
    return 0


def cmd_hashlist_import(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        hl, bad = hashlists.import_list(case, args.file, label=args.label, source=args.source,
                                        default_type=args.type, skip_bad=args.skip_bad)
        new = hashlists.match_case(case)
        if args.json:
            print_json({"list": hl.to_json(), "skipped": [{"line": b.line, "error": b.message} for b in bad],
                        "matches": [m.to_json() for m in new]})
        else:
            print(f"Imported list {hl.id} {hl.label!r}: {hl.entries} hashes "
                  f"({', '.join(f'{k} {v}' for k, v in sorted(hl.by_algo.items()))})")
            for b in bad:
                print(f"evidence-kit: skipped {b}", file=sys.stderr)
            _print_matches(new)
    return 0


def cmd_hashlist_list(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        found = hashlists.lists(case)
        if args.json:
            print_json([h.to_json() for h in found])
        else:
            for h in found:
                print(f"{h.id:<4} {h.label[:30]:<30} {h.entries:>8} hashes  {h.source[:30]:<30} {h.imported_at}")
            if not found:
                print("No hash lists imported. / 가져온 해시 목록이 없습니다.", file=sys.stderr)
    return 0


def _print_matches(ms: list[hashlists.Match]) -> None:
    """One line per artifact and label: which hashes matched (PDQ with its distance)."""
    grouped: dict[tuple[str, int, str, str], list[str]] = {}
    for m in ms:
        key = (m.exhibit, m.artifact_id, m.artifact, m.label or m.list_label)
        grouped.setdefault(key, []).append(f"pdq (distance {m.distance})" if m.algo == "pdq" else m.algo)
    for (exhibit, _, name, label), algos in grouped.items():
        print(f"MATCH {exhibit}  {name[:40]:<40} {', '.join(dict.fromkeys(algos))}  [{label}]")


def cmd_hashlist_match(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        new = hashlists.match_case(case, threshold=args.threshold)
        every = hashlists.matches(case)
        if args.json:
            print_json({"new": [m.to_json() for m in new], "all": [m.to_json() for m in every]})
        else:
            _print_matches(every)
            print(f"{len(new)} new match(es), {len(every)} in all. / 새 일치 {len(new)}건, 전체 {len(every)}건.")
    return 0


def cmd_hashlist_export(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        items = [case.item(i) for i in args.item] if args.item else None
        perceptual.index_case(case)
        rows = hashlists.export_hashes(case, args.out, fmt=args.format, items=items)
        print(f"Wrote {rows} hash rows to {args.out} (no content). / 해시 {rows}행을 저장했습니다.")
    return 0


# ---- what `list` and `show` (case_cmds.py) add for this feature ---------------------------
class ShowExtras:
    def __init__(self) -> None:
        self.json: dict[str, Any] = {}
        self.lines: list[str] = []


def item_flags(case: Case) -> dict[int, list[str]]:
    return hashlists.flags_by_item(case)


def show_extras(case: Case, item: Item) -> ShowExtras:
    extras = ShowExtras()
    found = hashlists.matches(case, item)
    extras.json["flags"] = item.metadata.get("flags", []) + item_flags(case).get(item.id, [])
    extras.json["hashlist_matches"] = [m.to_json() for m in found]
    for m in found:
        dist = f", distance {m.distance}" if m.algo == "pdq" else ""
        extras.lines.append(f"KNOWN      {m.artifact}: {m.algo}{dist} in list {m.list_label!r} ({m.label})")
    if item.kind == telegram.KIND:
        with contextlib.suppress(InputError):
            data = telegram.show_json(case, item)
            extras.json["telegram"] = data
            chat = data["chat"]
            extras.lines.append(f"Chat       {chat['name']} ({chat['type']}, id {chat['chat_id']}): "
                                f"{chat['messages']} messages, {chat['media_stored']} media"
                                + (" — PARTIAL" if chat["partial"] else ""))
            for p in chat["problems"]:
                extras.lines.append(f"  ! {p}")
    return extras
