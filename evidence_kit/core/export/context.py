"""What an export knows when it writes the report and the CASE/UCO graph.

The bundle writer fills one ExportContext; the court report (report.py) and the CASE/UCO
document (caseuco.py) only read it, so both describe exactly the same export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..case import Artifact, CaseInfo, Item, User
from ..ledger import Event


@dataclass
class ExportContext:
    case_info: CaseInfo
    exporter: User
    exported_at: str                 # UTC, ISO 8601 with ms and "Z"
    lang: str                        # "ko" or "en"
    blur: bool                       # thumbnails blurred in the report (default True)
    items: list[Item]                # with their artifacts
    events: list[Event]              # every ledger event included in the bundle, in seq order
    ledger_head: tuple[int, str]     # (seq, hash) of the case ledger when the export started
    evidence_digest: str             # SHA-256 over the evidence/ lines of SHA256SUMS
    bundle_name: str                 # file name of the ZIP
    tool: str                        # "Evidence Kit x.y.z"
    users: list[User] = field(default_factory=list)
    timestamps: list[dict[str, Any]] = field(default_factory=list)  # RFC 3161 tokens in the bundle
    # Returns the decrypted bytes of an artifact (images for thumbnails; capped by the caller).
    read_artifact: Callable[[Artifact], bytes] | None = None
    # Paths of each artifact inside the bundle, by artifact id ("evidence/E0001/original/photo.jpg").
    artifact_paths: dict[int, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def events_of(self, exhibit: str) -> list[Event]:
        return [e for e in self.events if e.item == exhibit]
