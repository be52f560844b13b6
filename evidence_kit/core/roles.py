"""Roles and what each may do. Enforced in core: every mutating Case method checks here."""

from __future__ import annotations

from enum import StrEnum

from .errors import PermissionDeniedError


class Role(StrEnum):
    INVESTIGATOR = "investigator"
    CASE_OFFICER = "case_officer"
    AUDITOR = "auditor"


class Permission(StrEnum):
    READ = "read"            # list, show, log, view (blurred)
    REVEAL = "reveal"        # view unblurred media (logged)
    VERIFY = "verify"
    EXTRACT = "extract"      # write a decrypted copy out of the store (logged)
    CAPTURE = "capture"      # capture, ingest, import
    ANNOTATE = "annotate"    # notes and tags
    EXPORT = "export"        # evidence bundles
    REQUEST = "request"      # platform request drafts and their tracking
    MANAGE_USERS = "manage_users"
    SETTINGS = "settings"    # case-wide settings (e.g. review unblurred)
    MAINTAIN = "maintain"    # check / clear orphan objects


_ALLOWED: dict[Role, frozenset[Permission]] = {
    Role.CASE_OFFICER: frozenset(Permission),
    Role.INVESTIGATOR: frozenset({Permission.READ, Permission.REVEAL, Permission.VERIFY,
                                  Permission.EXTRACT, Permission.CAPTURE, Permission.ANNOTATE,
                                  Permission.MAINTAIN}),
    Role.AUDITOR: frozenset({Permission.READ, Permission.REVEAL, Permission.VERIFY,
                             Permission.EXTRACT}),
}

ROLE_LABELS = {
    Role.INVESTIGATOR: ("Investigator", "수사관"),
    Role.CASE_OFFICER: ("Case officer", "사건 담당관"),
    Role.AUDITOR: ("Auditor", "감사관"),
}


def parse_role(text: str) -> Role:
    norm = text.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {"officer": "case_officer", "caseofficer": "case_officer"}
    norm = aliases.get(norm, norm)
    try:
        return Role(norm)
    except ValueError:
        from .errors import InputError

        raise InputError(f"Unknown role {text!r}: use investigator, case_officer or auditor.") from None


def allowed(role: Role | str, permission: Permission) -> bool:
    return permission in _ALLOWED.get(Role(role), frozenset())


def require(role: Role | str, permission: Permission) -> None:
    if not allowed(role, permission):
        en, ko = ROLE_LABELS[Role(role)]
        article = "An" if en[0] in "AEIOU" else "A"
        action = permission.value.replace("_", " ")
        raise PermissionDeniedError(
            f"{article} {en.lower()} may not {action} in this case. / "
            f"{ko}에게는 이 작업 권한이 없습니다.")
