"""Platform data requests: drafts (PDF, DOCX, text, e-mail), tracking, deadlines and statistics.

    check = check_draft(case, RequestSpec("x", "preservation", ["E0001"], lang="ko", fields={...}))
    req = draft_request(case, spec)            # stored, hashed, logged (request_drafted)
    update_request(case, req.id, "sent", on="2026-03-02", channel="portal", reference="X-123")
    due(case); stats(case); stats_csv(stats(case))
"""

from .model import FIELDS, DraftCheck, MissingFieldsError, RequestSpec, check_draft, default_fields, field_label
from .platform_data import PlatformData, PlatformDataError, get_platform, load_platforms
from .store import (
    DueEntry,
    Output,
    Request,
    StatRow,
    draft_request,
    due,
    export_outputs,
    get_request,
    list_requests,
    read_output,
    render_draft,
    stats,
    stats_csv,
    update_request,
    write_stats_csv,
)
from .types import REQUEST_TYPES, STATUSES, parse_status, parse_type, status_label, type_label

__all__ = [
    "FIELDS", "REQUEST_TYPES", "STATUSES", "DraftCheck", "DueEntry", "MissingFieldsError", "Output", "PlatformData",
    "PlatformDataError", "Request", "RequestSpec", "StatRow", "check_draft", "default_fields", "draft_request", "due",
    "export_outputs", "field_label", "get_platform", "get_request", "list_requests", "load_platforms",
    "parse_status", "parse_type", "read_output", "render_draft", "stats", "stats_csv", "status_label", "type_label",
    "update_request", "write_stats_csv",
]
