"""PySide6 desktop application. Talks to evidence_kit.core only through its public API."""
