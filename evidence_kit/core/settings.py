"""Workstation settings (not evidence): language, recent cases, timestamp authorities, NTP
server, capture limits. A JSON file in the user's config folder; nothing here is secret.
Nothing is sent anywhere unless the user configures it here."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .paths import config_dir

FILE_NAME = "settings.json"


@dataclass
class Settings:
    language: str = ""                      # "ko", "en", or "" for the system locale
    recent_cases: list[str] = field(default_factory=list)
    tsa_urls: list[str] = field(default_factory=list)  # RFC 3161 timestamp authorities; none by default
    ntp_server: str = ""                    # measure clock offset at capture when set
    user_agent: str = ""                    # "" = the tool's default
    proxy: str = ""                         # e.g. socks5://127.0.0.1:9050; recorded with each capture
    persona: str = ""                       # named persistent browser profile; "" = off the record
    capture_timeout_s: int = 60
    render_timeout_s: int = 45
    max_response_bytes: int = 512 << 20
    max_embedded_media: int = 50
    max_embedded_media_bytes: int = 200 << 20
    max_screenshot_height: int = 30000
    allow_invalid_tls: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def path(cls) -> Path:
        return config_dir() / FILE_NAME

    @classmethod
    def load(cls) -> Settings:
        try:
            data = json.loads(cls.path().read_text("utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError, OSError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        defaults = cls()
        for name, value in data.items():
            if name in known and isinstance(value, type(getattr(defaults, name))):
                kwargs[name] = value
        return cls(**kwargs)

    def save(self) -> None:
        path = self.path()
        tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), "utf-8")
        os.replace(tmp, path)

    def add_recent_case(self, case_path: str, limit: int = 10) -> None:
        self.recent_cases = [case_path] + [p for p in self.recent_cases if p != case_path]
        self.recent_cases = self.recent_cases[:limit]
