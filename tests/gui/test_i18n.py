from __future__ import annotations

import re
import string
from pathlib import Path

from evidence_kit.gui import i18n
from evidence_kit.gui.i18n import tr

GUI = Path(__file__).parents[2] / "evidence_kit" / "gui"


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_has_both_languages_and_the_same_fields() -> None:
    hangul = re.compile(r"[\uac00-\ud7a3]")
    for key in i18n.all_keys():
        en, ko = i18n.entry(key)
        assert en.strip() and ko.strip(), key
        assert _fields(en) == _fields(ko), key
        if not key.startswith(("lang.", "app.name", "main.title", "status.user", "col.", "detail.http",
                               "detail.exif", "detail.gps", "screen.seconds")) and en != ko:
            assert hangul.search(ko), f"{key}: the Korean text has no Korean"


def test_every_key_used_in_the_gui_exists() -> None:
    used: set[str] = set()
    # feature widgets (requests, Telegram, near-duplicates) keep their own tables
    own = [p for p in GUI.glob("*.py") if p.stem not in ("requests_tab", "telegram_viewer", "similar_view")]
    for path in own:
        text = path.read_text("utf-8")
        used |= set(re.findall(r"""\btr\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
        used |= set(re.findall(r"""_act\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
        used |= set(re.findall(r"""add_tab\([^,]+,\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
        # keys listed in tuples for retranslate(): any literal with a known prefix
        prefixes = "|".join(sorted({k.split(".")[0] for k in i18n.all_keys()} - {"app"}))
        used |= {k for k in re.findall(rf"""["']((?:{prefixes})\.[a-z0-9_]+)["']""", text)
                 if not k.endswith((".py", ".png", ".json"))}
    # modules register their own keys when imported
    import importlib

    for path in GUI.glob("*.py"):
        importlib.import_module(f"evidence_kit.gui.{path.stem}")

    missing = sorted(k for k in used if k not in i18n.all_keys() and not k.startswith("tab."))
    assert not missing, missing
    assert len(used) > 150, len(used)


def test_switch_language_at_run_time(qtbot) -> None:
    seen: list[str] = []
    i18n.notifier().changed.connect(seen.append)
    i18n.set_language("ko")
    assert tr("start.unlock") == "잠금 해제"
    assert tr("status.items", count=3) == "증거물 3건"
    i18n.set_language("en")
    assert tr("start.unlock") == "Unlock"
    assert seen[-2:] == ["ko", "en"]
    assert tr("no.such.key") == "no.such.key"


def test_error_text_picks_the_language() -> None:
    msg = "Wrong user name or password. / 사용자 이름 또는 비밀번호가 틀렸습니다."
    assert i18n.error_text(msg) == "Wrong user name or password."
    i18n.set_language("ko")
    assert i18n.error_text(msg).startswith("사용자 이름 또는 비밀번호가 틀렸습니다.")
    assert i18n.error_text("plain") == "plain"


def test_register_refuses_half_translations() -> None:
    import pytest

    with pytest.raises(ValueError):
        i18n.register({"x.y": ("only English", "")})
    i18n.register({"feature.title": ("Requests", "자료 요청")})
    assert tr("feature.title") == "Requests"


def test_system_language_follows_locale(monkeypatch) -> None:
    from PySide6.QtCore import QLocale

    QLocale.setDefault(QLocale(QLocale.Language.Korean, QLocale.Country.SouthKorea))
    try:
        monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale(QLocale.Language.Korean)))
        assert i18n.system_language() == "ko"
        monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale(QLocale.Language.English)))
        assert i18n.system_language() == "en"
    finally:
        QLocale.setDefault(QLocale(QLocale.Language.English))
