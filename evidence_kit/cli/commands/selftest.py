"""`evidence-kit selftest`: check that this workstation and this build can do the job.

For IT staff after an install, and for the packaged build's smoke test: the shipped resources are
found, an encrypted case can be created, written, reopened and verified (SQLCipher, Argon2,
AES-GCM, Ed25519), a PDF report with the embedded Korean font can be drawn (reportlab), and
QtWebEngine renders a page and prints it to PDF. Everything happens in a
temporary folder that is removed afterwards; nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ... import __version__
from ..common import add_json_flag, print_json

# Sub-folders of resources/ that features read. A missing one is reported, not fatal: some land
# with later features.
EXPECTED_RESOURCES = ("fonts", "icons", "templates", "platforms", "translations")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("selftest", help="check that this workstation can run Evidence Kit "
                                        "(case store, resources, web rendering)")
    p.add_argument("--no-webengine", action="store_true", help="skip the QtWebEngine rendering check")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="how long the web rendering check may take (default 60)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_selftest)


def _check(name: str, ok: bool, message: str, **extra: Any) -> dict[str, Any]:
    return {"check": name, "ok": ok, "message": message, **extra}


def check_resources() -> dict[str, Any]:
    from ...core.paths import resources_dir

    folder = resources_dir()
    if not folder.is_dir():
        return _check("resources", False, f"resources folder not found at {folder}")
    present = sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.rglob("*")))
    missing = [name for name in EXPECTED_RESOURCES if name not in present]
    message = f"{folder} ({', '.join(present) or 'empty'})"
    if missing:
        message += f"; not present: {', '.join(missing)}"
    return _check("resources", True, message, path=str(folder), present=present, missing=missing)


def check_case_store() -> dict[str, Any]:
    """Create, write, reopen and verify a throwaway case with the production key derivation."""
    from ...core.case import Case
    from ...core.crypto import default_argon2_params

    with tempfile.TemporaryDirectory(prefix="ek-selftest-") as tmp:
        path = Path(tmp) / "selftest.ekcase"
        sample = Path(tmp) / "sample.txt"
        sample.write_text("Evidence Kit self-test / 자가 진단\n", "utf-8")
        password = secrets.token_urlsafe(16)  # a throwaway case: nobody needs to know it
        started = time.monotonic()
        case = Case.create(path, number="SELFTEST-0001", title="Self-test", user="selftest",
                           password=password, full_name="Self-test")
        created = time.monotonic()
        with case:
            ingested = case.ingest([sample])
        opened_at = time.monotonic()
        with Case.open(path, user="selftest", password=password) as case:
            unlock_ms = int((time.monotonic() - opened_at) * 1000)
            ok = case.verify().ok
        params = default_argon2_params()
        return _check(
            "case store", ok and ingested.ok and len(ingested.items) == 1,
            f"created, ingested, reopened and verified a case (unlock {unlock_ms} ms, "
            f"Argon2id {params.time_cost}×{params.memory_kib // 1024} MiB)" if ok
            else "the test case did not verify",
            create_ms=int((created - started) * 1000), unlock_ms=unlock_ms)


def check_report_pdf() -> dict[str, Any]:
    """Draw a small Korean/English PDF with the shipped font, as the court report does."""
    import io

    from ...core.export.report import write_verification_report

    out = io.BytesIO()
    started = time.monotonic()
    write_verification_report({"ok": 1, "bundle_name": "selftest.zip", "problems": []}, out, "ko")
    pdf = out.getvalue()
    embedded = b"NanumGothic" in pdf
    ok = pdf.startswith(b"%PDF-") and embedded
    return _check("report PDF", ok,
                  f"Korean PDF with the embedded NanumGothic font ({len(pdf)} bytes, "
                  f"{int((time.monotonic() - started) * 1000)} ms)" if ok
                  else "the PDF does not embed the Korean font", pdf_bytes=len(pdf))


def check_webengine(timeout_s: float) -> dict[str, Any]:
    from ...render.selftest import check_webengine as run

    result = run(timeout_s)
    return _check("web rendering", result.ok, result.message, **{k: v for k, v in result.to_json().items()
                                                                   if k not in ("ok", "message")})


def cmd_selftest(args: argparse.Namespace) -> int:
    checks: list[dict[str, Any]] = [
        _check("version", True, f"evidence-kit {__version__}, Python {platform.python_version()}, "
                                f"{platform.system()} {platform.machine()}"
                                f"{' (packaged)' if getattr(sys, 'frozen', False) else ''}"),
        check_resources(),
    ]
    runs: list[tuple[str, Callable[[], dict[str, Any]]]] = [("case store", check_case_store),
                                                             ("report PDF", check_report_pdf)]
    if not args.no_webengine:
        runs.append(("web rendering", lambda: check_webengine(args.timeout)))
    for name, run in runs:
        try:
            checks.append(run())
        except Exception as exc:  # a self-test reports every failure and goes on
            checks.append(_check(name, False, f"{type(exc).__name__}: {exc}"))
    ok = all(c["ok"] for c in checks)
    if args.json:
        print_json({"ok": ok, "checks": checks})
    else:
        for c in checks:
            print(f"{'ok  ' if c['ok'] else 'FAIL'} {c['check']}: {c['message']}")
        print("All checks passed. / 모든 점검을 통과했습니다." if ok
              else "Some checks failed. / 일부 점검에 실패했습니다.")
    return 0 if ok else 1
