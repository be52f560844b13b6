"""`evidence-kit verify BUNDLE.zip [--json] [--report PDF]`: check an exported evidence bundle
(or its unzipped folder) without a case or a password."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from ..core.errors import InputError
from ..core.export.verify_bundle import BundleVerification, verify_bundle
from .common import ProgressBar, cancel_on_sigint, print_json


def run_verify_bundle(args: argparse.Namespace) -> int:
    cancel = cancel_on_sigint()
    bar = ProgressBar("Verifying")
    try:
        result = verify_bundle(args.bundle, progress=bar, cancel=cancel)
    finally:
        bar.finish()
    if getattr(args, "report", None):
        write_report(result, args.report, getattr(args, "lang", "en") or "en")
    if args.json:
        print_json(result.to_json())
    else:
        print_result(result)
        if getattr(args, "report", None):
            print(f"Verification report: {os.path.abspath(args.report)}")
    return 0 if result.ok else 1


def write_report(result: BundleVerification, path: str, lang: str) -> None:
    """The auditor's verification report PDF, written to a temporary name and renamed."""
    try:
        from ..core.export.report import write_verification_report
    except ImportError:
        raise InputError("This build cannot write verification reports (the report module is missing). / "
                         "검증 보고서 기능이 없습니다.") from None
    target = os.path.abspath(path)
    tmp = f"{target}.{os.getpid()}.part"
    try:
        with open(tmp, "xb") as out:
            write_verification_report(result.to_json(), out, lang)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"The report could not be written to {target}: {exc.strerror or exc}. / "
                         "보고서를 쓸 수 없습니다.") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def print_result(r: BundleVerification) -> None:
    out = sys.stdout
    case, export = r.case, r.export
    exporter = export.get("exporter") or {}
    print(f"Bundle     {r.bundle}")
    if r.bundle_sha256:
        print(f"SHA-256    {r.bundle_sha256}  ({r.bundle_size} bytes)")
    if case:
        print(f"Case       {case.get('number', '')}  {case.get('title', '')}")
    if export:
        print(f"Exported   {export.get('exported_at', '')} by {exporter.get('name', '')} "
              f"({exporter.get('full_name', '')} {exporter.get('badge', '')})".rstrip())
    head = r.ledger.get("head") or {}
    print(f"Ledger     {r.ledger.get('events', 0)} events in the bundle; head at export #{head.get('seq', '?')} "
          f"{head.get('hash', '')}")
    if r.root_key:
        print(f"Case key   {r.root_key.get('name', '')} {r.root_key.get('public_key', '')}")
    print("Checks")
    for s in r.checks:
        mark = {"ok": "ok", "failed": "FAILED", "skipped": "skipped", "absent": "none"}.get(s.status, s.status)
        print(f"  {s.name:<20} {mark:<8} {s.detail}".rstrip())
    print("Items")
    for item in r.items:
        print(f"  {item.exhibit:<24} {'ok' if item.ok else 'FAILED':<7} {len(item.artifacts)} file(s), "
              f"{item.events} event(s)  {item.title}".rstrip())
        for p in item.problems:
            print(f"      - {p.message}")
    warnings = [p for p in r.problems if p.severity != "error"]
    for p in warnings:
        print(f"warning: {p.message}", file=sys.stderr)
    if r.ok:
        print("VERIFIED: every file, custody event, signature and item checks out. / 검증 완료: 문제가 없습니다.")
    else:
        print(f"FAILED: {len(r.errors)} problem(s) / 검증 실패:")
        for p in r.errors:
            print(f"  - {p.message}")
            print(f"    {p.message_ko}")
    out.flush()
