"""Packaging definitions: one version, a valid desktop entry, pruning rules that keep what the
frozen app needs, the Linux install script. The frozen build itself is tested by
packaging/build-linux.sh (too slow for this suite)."""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

import evidence_kit

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def load_prune() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ek_packaging_prune", PACKAGING / "prune.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the version comes from one place --------------------------------------------------------

def packaging_files() -> list[Path]:
    files = [p for p in PACKAGING.rglob("*") if p.is_file() and p.name != "constraints.txt"]
    files += list((ROOT / ".github" / "workflows").glob("*.yml"))
    return [p for p in files if p.suffix not in (".png", ".ico", ".icns")]


def test_no_packaging_file_copies_the_version() -> None:
    version = evidence_kit.__version__
    pattern = re.compile(rf"(?<![\d.]){re.escape(version)}(?![\d.])")
    offenders = [str(p.relative_to(ROOT)) for p in packaging_files() if pattern.search(p.read_text("utf-8"))]
    assert offenders == []
    assert 'version = { attr = "evidence_kit.__version__" }' in (ROOT / "pyproject.toml").read_text("utf-8")


def test_every_definition_reads_the_version() -> None:
    assert "evidence_kit" in (PACKAGING / "evidence-kit.spec").read_text("utf-8")
    assert "@VERSION@" in (PACKAGING / "linux" / "evidence-kit.desktop").read_text("utf-8")
    assert "evidence_kit.__version__" in (PACKAGING / "build-linux.sh").read_text("utf-8")
    iss = (PACKAGING / "windows" / "evidence-kit.iss").read_text("utf-8")
    assert re.search(r"#define AppVersion GetStringFileInfo\(", iss)
    assert "evidence_kit.__version__" in (ROOT / ".github" / "workflows" / "build.yml").read_text("utf-8")
    assert "evidence_kit.__version__" in (PACKAGING / "macos" / "dmg-settings.py").read_text("utf-8")


def test_spec_reads_the_version_without_importing(tmp_path: Path) -> None:
    """The spec's read_version() parses evidence_kit/__init__.py; run that function on its own."""
    source = (PACKAGING / "evidence-kit.spec").read_text("utf-8")
    compile(source, "evidence-kit.spec", "exec")  # the whole spec is valid Python
    func = re.search(r"^def read_version\(\).*?(?=^\S)", source, re.S | re.M)
    assert func
    namespace: dict = {"ROOT": ROOT}
    exec("import ast\n" + func.group(0), namespace)
    assert namespace["read_version"]() == evidence_kit.__version__


def spec_function(name: str) -> dict:
    source = (PACKAGING / "evidence-kit.spec").read_text("utf-8")
    func = re.search(rf"^def {name}\(\).*?(?=^\S)", source, re.S | re.M)
    assert func, name
    import ast

    namespace: dict = {"ROOT": ROOT, "re": re, "Path": Path, "ast": ast}
    exec(func.group(0), namespace)
    return namespace


def test_spec_collects_modules_the_app_reads_as_text() -> None:
    """The bundle's standalone verify.py is read from the package with importlib.resources; in a
    frozen app modules are in the PYZ archive, so the spec must ship that source as a file."""
    found = spec_function("python_files_read_as_data")["python_files_read_as_data"]()
    assert (str(ROOT / "evidence_kit" / "core" / "export" / "bundle_check.py"),
            str(Path("evidence_kit") / "core" / "export")) in found


def test_spec_finds_the_qt_modules_the_app_imports() -> None:
    found = spec_function("qt_modules_imported_by_app")["qt_modules_imported_by_app"]()
    assert {"QtCore", "QtWidgets", "QtWebEngineCore"} <= found
    assert all(name.startswith("Qt") and "." not in name for name in found)


# --- desktop entry and icons --------------------------------------------------------------------

def rendered_desktop_file(tmp_path: Path) -> Path:
    text = (PACKAGING / "linux" / "evidence-kit.desktop").read_text("utf-8")
    out = tmp_path / "evidence-kit.desktop"
    out.write_text(text.replace("@VERSION@", evidence_kit.__version__), "utf-8")
    return out


def test_desktop_entry(tmp_path: Path) -> None:
    path = rendered_desktop_file(tmp_path)
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Exec"] == "evidence-kit" and entry["Icon"] == "evidence-kit"
    assert entry["Name[ko]"] and entry["Comment[ko]"] and entry["Terminal"] == "false"
    icons = ROOT / "resources" / "icons"
    assert (icons / f"{entry['Icon']}.svg").is_file()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate missing (desktop-file-utils in scripts/test)")
def test_desktop_entry_passes_desktop_file_validate(tmp_path: Path) -> None:
    proc = subprocess.run(["desktop-file-validate", str(rendered_desktop_file(tmp_path))],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout + proc.stderr


# --- pruning ---------------------------------------------------------------------------------

QT = "PySide6/Qt"
NEEDED = [
    f"{QT}/libexec/QtWebEngineProcess",
    f"{QT}/resources/qtwebengine_resources.pak",
    f"{QT}/resources/qtwebengine_resources_100p.pak",
    f"{QT}/resources/qtwebengine_resources_200p.pak",
    f"{QT}/resources/icudtl.dat",
    f"{QT}/resources/v8_context_snapshot.bin",
    f"{QT}/translations/qtwebengine_locales/ko.pak",
    f"{QT}/translations/qtwebengine_locales/en-US.pak",
    f"{QT}/translations/qtbase_ko.qm",
    f"{QT}/translations/qtbase_en.qm",
    f"{QT}/translations/qtwebengine_ko.qm",
    f"{QT}/translations/qt_help_ko.qm",
    f"{QT}/lib/libQt6WebEngineCore.so.6",
    f"{QT}/lib/libQt6Quick.so.6",          # linked by QtWebEngineCore
    f"{QT}/lib/libQt6QuickWidgets.so.6",   # linked by QtWebEngineWidgets
    f"{QT}/lib/libQt6Positioning.so.6",
    f"{QT}/lib/libQt6WebChannel.so.6",
    f"{QT}/lib/libQt6PrintSupport.so.6",
    f"{QT}/lib/libicudata.so.73",
    f"{QT}/plugins/platforms/libqxcb.so",
    f"{QT}/plugins/platforms/libqwayland.so",
    f"{QT}/plugins/platforms/libqoffscreen.so",
    f"{QT}/plugins/platforms/qwindows.dll",
    f"{QT}/plugins/platforms/libqcocoa.dylib",
    f"{QT}/plugins/imageformats/libqjpeg.so",
    f"{QT}/plugins/iconengines/libqsvgicon.so",
    f"{QT}/plugins/tls/libqopensslbackend.so",
    "PySide6/Qt6WebEngineCore.dll",
    "PySide6/QtWebEngineProcess.exe",
    "PySide6/translations/qtbase_ko.qm",
    "resources/fonts/NanumGothic.ttf",
    "resources/translations/ko.json",
    "evidence_kit/core/migrations/0001_core.sql",
]
UNUSED = [
    f"{QT}/qml/QtQuick/Controls/libqtquickcontrols2plugin.so",
    f"{QT}/translations/qtbase_de.qm",
    f"{QT}/translations/qt_help_pt_BR.qm",
    f"{QT}/translations/qtwebengine_zh_CN.qm",
    f"{QT}/translations/qtwebengine_locales/de.pak",
    f"{QT}/translations/qtwebengine_locales/en-GB.pak",
    f"{QT}/resources/qtwebengine_devtools_resources.pak",
    f"{QT}/lib/libQt63DCore.so.6",
    f"{QT}/lib/libQt6Quick3DRuntimeRender.so.6",
    f"{QT}/lib/libQt6Multimedia.so.6",
    f"{QT}/lib/libQt6Charts.so.6",
    f"{QT}/lib/libQt6Designer.so.6",
    f"{QT}/lib/libQt6Pdf.so.6",
    f"{QT}/lib/libQt6EglFsKmsSupport.so.6",
    f"{QT}/lib/libQt6QuickControls2.so.6",
    f"{QT}/libexec/rcc",
    f"{QT}/libexec/qmlcachegen",
    f"{QT}/plugins/multimedia/libffmpegmediaplugin.so",
    f"{QT}/plugins/sqldrivers/libqsqlite.so",
    f"{QT}/plugins/platforms/libqvnc.so",
    f"{QT}/plugins/platformthemes/libqgtk3.so",
    f"{QT}/plugins/imageformats/libqpdf.so",
    f"{QT}/plugins/position/libqtposition_geoclue2.so",
    "PySide6/Qt63DCore.dll",
    "PySide6\\translations\\qtbase_fr.qm",
]


@pytest.mark.parametrize("dest", NEEDED)
def test_pruning_keeps_what_the_app_needs(dest: str) -> None:
    assert load_prune().keep(dest)


@pytest.mark.parametrize("dest", UNUSED)
def test_pruning_drops_what_the_app_never_uses(dest: str) -> None:
    assert not load_prune().keep(dest)


def test_a_module_the_app_starts_using_keeps_its_libraries() -> None:
    prune = load_prune()
    patterns = prune.build_patterns(frozenset({"QtMultimedia", "QtPdf"}))
    for dest in (f"{QT}/lib/libQt6Multimedia.so.6", f"{QT}/plugins/multimedia/libffmpegmediaplugin.so",
                 f"{QT}/lib/libQt6Pdf.so.6", f"{QT}/plugins/imageformats/libqpdf.so"):
        assert prune.keep(dest, patterns), dest
    assert not prune.keep(f"{QT}/lib/libQt63DCore.so.6", patterns)


# --- Linux install script ----------------------------------------------------------------------

def fake_app(tmp_path: Path) -> Path:
    app = tmp_path / "opt" / "evidence kit-1"  # a space in the path, as users do
    (app / "share").mkdir(parents=True)
    (app / "evidence-kit").write_text("#!/bin/sh\necho fake\n")
    (app / "evidence-kit").chmod(0o755)
    shutil.copy(rendered_desktop_file(tmp_path), app / "share" / "evidence-kit.desktop")
    shutil.copytree(ROOT / "resources" / "icons", app / "share" / "icons")
    shutil.copy(PACKAGING / "linux" / "install.sh", app / "install.sh")
    return app


def test_install_and_uninstall_for_the_user(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    proc = subprocess.run(["sh", str(app / "install.sh")], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    local = home / ".local"
    desktop = (local / "share" / "applications" / "evidence-kit.desktop").read_text("utf-8")
    assert f'Exec="{app}/evidence-kit"' in desktop
    for size in (16, 48, 256, 512):
        assert (local / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "evidence-kit.png").is_file()
    link = local / "bin" / "evidence-kit"
    assert link.is_symlink() and link.resolve() == (app / "evidence-kit").resolve()
    if shutil.which("desktop-file-validate"):
        installed = local / "share" / "applications" / "evidence-kit.desktop"
        check = subprocess.run(["desktop-file-validate", str(installed)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout

    proc = subprocess.run(["sh", str(app / "install.sh"), "--uninstall"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert not (local / "share" / "applications" / "evidence-kit.desktop").exists()
    assert not link.exists() and not link.is_symlink()
    assert not list((local / "share" / "icons").rglob("evidence-kit.*"))


def test_install_refuses_outside_the_app_folder(tmp_path: Path) -> None:
    script = tmp_path / "install.sh"
    shutil.copy(PACKAGING / "linux" / "install.sh", script)
    proc = subprocess.run(["sh", str(script)], capture_output=True, text=True,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert proc.returncode == 1
    assert "Run this script from the unpacked Evidence Kit folder." in proc.stderr
    assert not (tmp_path / ".local").exists()


def test_shell_scripts_parse() -> None:
    for script in [*PACKAGING.glob("*.sh"), *PACKAGING.glob("*/*.sh")]:
        proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert proc.returncode == 0, f"{script.name}: {proc.stderr}"
