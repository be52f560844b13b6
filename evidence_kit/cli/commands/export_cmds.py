"""`evidence-kit --case PATH export [ITEMS…] --out FILE.zip`: a court-ready evidence bundle."""

from __future__ import annotations

import argparse
import sys

from ...core.errors import InputError
from ...core.export.bundle import export_bundle
from ..common import ProgressBar, add_json_flag, cancel_on_sigint, open_case, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export items as a court-ready evidence bundle (ZIP)",
                       description="Write the items (default: every item) with their custody events, keys, "
                                   "timestamp tokens, court report and a standalone verify.py into one ZIP. "
                                   "Case officers only; the export is recorded in the custody ledger.")
    p.add_argument("items", nargs="*", metavar="ITEM", help="exhibit numbers (or E0001); default: all items")
    p.add_argument("--out", required=True, metavar="FILE.zip", help="the bundle to write")
    p.add_argument("--lang", choices=["ko", "en"], default="ko", help="language of the court report (default ko)")
    p.add_argument("--no-blur", action="store_true", help="show thumbnails unblurred in the report")
    p.add_argument("--wacz", action="store_true",
                   help="also package each web capture as WACZ 1.1.1 (evidence/E…/wacz/)")
    p.add_argument("--overwrite", action="store_true", help="replace FILE.zip if it exists")
    p.add_argument("--sign-p12", metavar="FILE.p12",
                   help="PAdES-sign the court report with this PKCS#12 certificate (passphrase from "
                        "$EVIDENCE_KIT_P12_PASSWORD or a prompt); timestamped when a TSA is configured")
    add_json_flag(p)
    p.set_defaults(handler=cmd_export)


def _p12_passphrase() -> str:
    import getpass
    import os

    secret = os.environ.get("EVIDENCE_KIT_P12_PASSWORD")
    if secret is not None:
        return secret
    if not sys.stdin.isatty():
        raise InputError("Set EVIDENCE_KIT_P12_PASSWORD or run in a terminal to give the certificate's passphrase. / "
                         "인증서 비밀번호가 필요합니다.")
    return getpass.getpass("Certificate passphrase / 인증서 비밀번호: ")


def cmd_export(args: argparse.Namespace) -> int:
    cancel = cancel_on_sigint()
    passphrase = _p12_passphrase() if args.sign_p12 else None
    with open_case(args) as case:
        bar = ProgressBar("Exporting")
        try:
            result = export_bundle(case, args.items or None, args.out, lang=args.lang, blur=not args.no_blur,
                                   wacz=args.wacz, overwrite=args.overwrite, sign_p12=args.sign_p12,
                                   sign_passphrase=passphrase, progress=bar, cancel=cancel)
        finally:
            bar.finish()
    if args.json:
        print_json(result.to_json())
    else:
        print(f"Wrote {result.path}")
        print(f"  {len(result.items)} item(s), {result.files} files, {result.size} bytes")
        print(f"  SHA-256 {result.sha256}")
        print(f"  recorded as custody event #{result.event_seq}")
        if result.report_signature:
            print(f"  court report signed by {result.report_signature.get('signer', '')}"
                  + (" (timestamped)" if result.report_signature.get("timestamped") else ""))
        for w in result.warnings:
            print(f"evidence-kit: warning: {w}", file=sys.stderr)
    return 0
