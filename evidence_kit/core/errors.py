"""Typed errors a user can cause. Each carries a one-line message fit to show as is."""

from __future__ import annotations


class EvidenceKitError(Exception):
    """Base of every error that is shown to a user instead of a traceback."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(EvidenceKitError):
    """Bad input from the user or from a suspect-controlled file or URL."""

    exit_code = 2


class NotACaseError(EvidenceKitError):
    """The folder is not an Evidence Kit case."""


class CaseExistsError(EvidenceKitError):
    """A case (or another non-empty folder) is already at the path."""


class NewerSchemaError(EvidenceKitError):
    """The case was written by a newer version of Evidence Kit."""


class AuthenticationError(EvidenceKitError):
    """Wrong user name or password. Never says which of the two was wrong."""

    exit_code = 3


class PermissionDeniedError(EvidenceKitError):
    """The user's role does not allow the action."""

    exit_code = 4


class CaseBusyError(EvidenceKitError):
    """Another process holds the case for an operation that needs it alone."""

    exit_code = 5


class NotFoundError(EvidenceKitError):
    """An item, artifact, user or request does not exist."""


class IntegrityError(EvidenceKitError):
    """Stored evidence or the ledger does not match what was recorded."""

    exit_code = 6


class StorageFullError(EvidenceKitError):
    """The disk filled up; nothing half-written was kept."""


class CancelledError(EvidenceKitError):
    """The user cancelled a long operation; nothing half-written was kept."""

    exit_code = 130

    def __init__(self, message: str = "Cancelled; nothing was saved. / 취소됨: 저장된 것이 없습니다.") -> None:
        super().__init__(message)
