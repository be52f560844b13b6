"""Operational log: what the program did (commands, counts, exhibit numbers, errors by kind),
never secrets or evidence content (no passwords, keys, file contents, URLs' query strings, or
message text). One rotating file in the user's log folder."""

from __future__ import annotations

import logging
import logging.handlers
import os

from .paths import log_dir

LOG_NAME = "evidence-kit.log"
_configured = False


def setup_logging(level: int = logging.INFO) -> logging.Logger:
    global _configured
    logger = logging.getLogger("evidence_kit")
    if _configured:
        return logger
    _configured = True
    logger.setLevel(level)
    logger.propagate = False
    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir() / LOG_NAME, maxBytes=5 << 20, backupCount=3, encoding="utf-8")
        if os.name == "posix":
            os.chmod(log_dir() / LOG_NAME, 0o600)
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    return logger


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"evidence_kit.{name}")
