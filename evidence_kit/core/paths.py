"""Where Evidence Kit keeps its own files. Every path comes from here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_DIR_NAME = "evidence-kit"


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(path, 0o700)
    return path


def config_dir() -> Path:
    """User settings (recent cases, language, TSA list). EVIDENCE_KIT_HOME overrides, for tests."""
    home = os.environ.get("EVIDENCE_KIT_HOME")
    if home:
        return _private_dir(Path(home) / "config")
    return _private_dir(Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False)))


def data_dir() -> Path:
    """Persona browser profiles and other per-user data."""
    home = os.environ.get("EVIDENCE_KIT_HOME")
    if home:
        return _private_dir(Path(home) / "data")
    return _private_dir(Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)))


def log_dir() -> Path:
    home = os.environ.get("EVIDENCE_KIT_HOME")
    if home:
        return _private_dir(Path(home) / "logs")
    return _private_dir(Path(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False)))


def resources_dir() -> Path:
    """The shipped resources/ folder: fonts, templates, platform data, translations.

    Looked up in a frozen app's bundle first, then beside the package (source checkout or
    editable install). EVIDENCE_KIT_RESOURCES overrides both.
    """
    override = os.environ.get("EVIDENCE_KIT_RESOURCES")
    if override:
        return Path(override)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "resources", here / "resources"):
        if candidate.is_dir():
            return candidate
    return here.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
