"""`evidence-kit`: the command-line front. With no arguments it opens the desktop app.

Each module in evidence_kit/cli/commands/ defines register(subparsers) and adds its own
sub-commands, so features add commands without touching this file.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from .. import __version__
from ..core.errors import EvidenceKitError
from ..core.logs import setup_logging
from . import commands as commands_pkg


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evidence-kit",
        description="Preserve online evidence in an encrypted chain-of-custody store. "
                    "Run without arguments to open the desktop application.")
    parser.add_argument("--version", action="version", version=f"evidence-kit {__version__}")
    parser.add_argument("--case", metavar="PATH", default=os.environ.get("EVIDENCE_KIT_CASE"),
                        help="the case folder (default: $EVIDENCE_KIT_CASE)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands_pkg.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        from ..gui.app import run_gui

        return run_gui()
    parser = build_parser()
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    log = setup_logging().getChild("cli")
    command = " ".join(str(getattr(args, a)) for a in ("command", "case_command", "user_command", "sub_command")
                       if getattr(args, a, None))
    log.info("command %s started", command)
    try:
        code = int(handler(args) or 0)
        log.info("command %s finished with status %d", command, code)
        return code
    except EvidenceKitError as exc:
        log.warning("command %s failed: %s", command, type(exc).__name__)
        print(f"evidence-kit: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("evidence-kit: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
