"""`evidence-kit verify BUNDLE.zip`: filled in by the export feature."""

from __future__ import annotations

import argparse

from ..core.errors import InputError


def run_verify_bundle(args: argparse.Namespace) -> int:
    raise InputError("Verifying bundles is not available in this build.")
