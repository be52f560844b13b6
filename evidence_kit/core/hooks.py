"""Feature hooks run after an item is committed (perceptual hashes, hash-list matching, …).

Entries are "module:function" strings, loaded on first use, so the case store does not import
the features and a feature is one line here. A hook failing never undoes the capture: the
item is already committed and signed; the failure is reported to the caller.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .case import Case, Item

ITEM_COMMITTED: list[str] = [
    "evidence_kit.core.perceptual:index_item",
]

_loaded: dict[str, Callable[..., Any]] = {}


def _load(entry: str) -> Callable[..., Any]:
    fn = _loaded.get(entry)
    if fn is None:
        module, _, name = entry.partition(":")
        fn = getattr(importlib.import_module(module), name)
        _loaded[entry] = fn
    return fn


def run_item_committed(case: Case, item: Item) -> list[str]:
    """Run every hook; return the messages of those that failed."""
    failures = []
    for entry in ITEM_COMMITTED:
        try:
            _load(entry)(case, item)
        except Exception as exc:
            failures.append(f"{entry}: {exc}")
    return failures
