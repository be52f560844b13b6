"""What the frozen app does not need from what PyInstaller's Qt hooks collect.

Used by packaging/evidence-kit.spec (after Analysis) and checked by tests/cli/test_packaging.py.
Rules work on destination paths inside the bundle, with forward slashes, so that one rule set
covers Linux (.so), Windows (.dll) and macOS (.dylib / framework) layouts.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import PurePosixPath
from typing import Any

# UI languages of the application (and of the Qt/Chromium strings it shows: dialogs, context menus).
KEEP_LANGUAGES = ("ko", "en")
# Chromium's own locale packs: Korean, and US English, Chromium's fallback.
KEEP_CHROMIUM_LOCALES = ("ko.pak", "en-US.pak")

# Qt libraries nothing kept links against (QtWebEngine needs Quick, Qml, QmlModels, QmlMeta,
# QmlWorkerScript, QuickWidgets, Positioning, WebChannel, PrintSupport, Network, OpenGL, DBus:
# those stay). Names as in libQt6<Name>.so / Qt6<Name>.dll / Qt<Name>.framework.
UNUSED_QT_LIBRARIES = [
    "Quick3D", "3D", "Multimedia", "Charts", "DataVisualization", "Graphs", "Designer", "Bluetooth",
    "Sensors", "SerialPort", "SerialBus", "Location", "Nfc", "RemoteObjects", "Scxml", "StateMachine",
    "SpatialAudio", "TextToSpeech", "Help", "HttpServer", "NetworkAuth", "Pdf", "Test", "Sql", "Lottie",
    "Labs", "VirtualKeyboard", "ShaderTools", "QuickTest", "QuickControls2", "QuickDialogs",
    "QuickTemplates", "QuickLayouts", "QuickParticles", "QuickShapes", "QuickTimeline", "QuickEffects",
    "QuickVectorImage", "QmlCompiler", "QmlCore", "QmlLocalStorage", "QmlXmlListModel", "QmlNetwork",
    "QmlDesignSupport", "WebEngineQuick", "WebView", "EglFS", "EglFs", "CanvasPainter", "FFmpeg",
]
# Plugin folders the app never loads.
UNUSED_PLUGIN_DIRS = [
    "qmltooling", "sqldrivers", "multimedia", "position", "geoservices", "sensors", "canbus", "texttospeech",
    "designer", "assetimporters", "renderers", "renderplugins", "sceneparsers", "geometryloaders",
    "scxmldatamodel", "webview", "networkinformation", "generic", "wayland-graphics-integration-server",
    "egldeviceintegrations",
]
# If the app starts importing one of these PySide6 modules, its libraries and plugins stay.
NEEDS_WHEN_USED = {
    "QtMultimedia": (["Multimedia", "FFmpeg"], ["multimedia"]),
    "QtMultimediaWidgets": (["Multimedia", "FFmpeg"], ["multimedia"]),
    "QtPdf": (["Pdf"], []),
    "QtPdfWidgets": (["Pdf"], []),
    "QtSql": (["Sql"], ["sqldrivers"]),
    "QtCharts": (["Charts"], []),
    "QtTextToSpeech": (["TextToSpeech"], ["texttospeech"]),
    "QtPositioning": ([], ["position"]),
}


def build_patterns(used_qt_modules: frozenset[str] = frozenset()) -> list[re.Pattern[str]]:
    libraries = list(UNUSED_QT_LIBRARIES)
    plugin_dirs = list(UNUSED_PLUGIN_DIRS)
    for module in used_qt_modules:
        libs, dirs = NEEDS_WHEN_USED.get(module, ([], []))
        libraries = [n for n in libraries if n not in libs]
        plugin_dirs = [d for d in plugin_dirs if d not in dirs]
    patterns = [
        # QML modules: the app has no QML UI, and QtWebEngineWidgets loads none at run time.
        re.compile(r"(^|/)Qt/qml/"),
        re.compile(r"(^|/)plugins/(" + "|".join(map(re.escape, plugin_dirs)) + r")/"),
        # Platform plugins for embedded displays and VNC (keep xcb, wayland, offscreen, minimal on
        # Linux; windows/direct2d and cocoa do not match).
        re.compile(r"(^|/)plugins/platforms/(lib)?q(vnc|linuxfb|eglfs|vkkhrdisplay|minimalegl)\.(so|dll|dylib)$"),
        # GTK3 theme: drags GTK's cairo/pango/atk stack into the bundle, where it can clash with the
        # desktop's own GTK; the xdg-desktop-portal theme still gives native file dialogs.
        re.compile(r"(^|/)plugins/platformthemes/libqgtk3\.so$"),
        # Input method whose Qt library is pruned (it would fail to load anyway).
        re.compile(r"(^|/)plugins/platforminputcontexts/(lib)?qtvirtualkeyboardplugin\.(so|dll|dylib)$"),
        # Chromium DevTools front-end: not offered to investigators.
        re.compile(r"(^|/)qtwebengine_devtools_resources\.pak$"),
        re.compile(r"(^|/)(lib)?Qt6?(" + "|".join(map(re.escape, libraries)) + r")[^/]*$"),
        # Qt's developer tools (rcc, uic, qmlcachegen, ...): only QtWebEngineProcess is part of the app.
        re.compile(r"(^|/)Qt/libexec/(?!QtWebEngineProcess)[^/]+$"),
    ]
    if "Pdf" in libraries:
        patterns.append(re.compile(r"(^|/)plugins/imageformats/(lib)?qpdf\.(so|dll|dylib)$"))
    return patterns


PRUNE_PATTERNS = build_patterns()

# Libraries loaded with dlopen() rather than linked (NSS's crypto modules, used by Chromium), so
# that no NEEDED entry leads to them.
DLOPENED = re.compile(r"^lib(softokn3|freeblpriv3|freebl3|nssckbi|nssdbm3|sqlite3)\b")


def _unused_translation(dest: str) -> bool:
    path = PurePosixPath(dest)
    if "translations" not in path.parts:
        return False
    if path.parent.name == "qtwebengine_locales":
        return path.name not in KEEP_CHROMIUM_LOCALES
    if path.suffix != ".qm":
        return False
    # qtbase_ko.qm, qt_help_en.qm, qtwebengine_zh_CN.qm: the language is the part after the
    # module name, with an optional region.
    parts = path.stem.split("_")
    lang = parts[-2] if len(parts) >= 3 and parts[-1].isupper() else parts[-1]
    return lang not in KEEP_LANGUAGES


def keep(dest: str, patterns: list[re.Pattern[str]] | None = None) -> bool:
    """False for a bundle path the app never uses."""
    dest = dest.replace("\\", "/")
    if _unused_translation(dest):
        return False
    return not any(p.search(dest) for p in (PRUNE_PATTERNS if patterns is None else patterns))


def drop_unreachable_system_libraries(binaries: list[Any]) -> list[Any]:
    """Linux: after the pruning, drop system libraries (top level of the bundle) that no kept
    binary links against any more, e.g. GTK's stack once the GTK theme plugin is gone.
    `binaries` holds PyInstaller TOC entries (dest, src, kind)."""
    from PyInstaller.depend.bindepend import get_imports

    def is_system_lib(dest: str) -> bool:
        return "/" not in dest and dest.startswith("lib") and ".so" in dest and not dest.startswith("libpython")

    by_name = {PurePosixPath(dest).name: (dest, src, kind) for dest, src, kind in binaries}
    reached: set[str] = set()
    stack = [e for e in binaries if not is_system_lib(e[0]) or DLOPENED.match(e[0])]
    while stack:
        _dest, src, _kind = stack.pop()
        try:
            imports = get_imports(src)
        except Exception:  # unreadable binary: keep everything it might need
            return binaries
        for name, _path in imports:
            base = os.path.basename(name)
            if base in by_name and base not in reached:
                reached.add(base)
                stack.append(by_name[base])
    kept = [e for e in binaries if not is_system_lib(e[0]) or DLOPENED.match(e[0]) or e[0] in reached]
    dropped = sorted(e[0] for e in binaries if e not in kept)
    print(f"prune: dropped {len(dropped)} system libraries nothing links against: {' '.join(dropped)}",
          file=sys.stderr)
    return kept
