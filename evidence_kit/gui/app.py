"""Entry point of the desktop application (replaced by the GUI feature)."""

from __future__ import annotations


def run_gui() -> int:
    import sys

    print("The desktop application is not built yet; use evidence-kit --help.", file=sys.stderr)
    return 2
