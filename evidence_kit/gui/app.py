"""Entry point of the desktop application: `evidence-kit` with no arguments."""

from __future__ import annotations

import logging
import os
import sys

from ..core.paths import log_dir


def _setup_logging() -> None:
    # Errors only, and never evidence content or secrets (workers log one-line summaries).
    logging.basicConfig(filename=str(log_dir() / "gui.log"), level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def create_application(argv: list[str] | None = None) -> object:
    """The QApplication (created once), with the language chosen from Settings or the system."""
    # QtWebEngine must be imported before the QApplication exists; it needs shared GL contexts.
    from PySide6.QtCore import QCoreApplication, Qt

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    try:  # Chromium flags (proxy, no background traffic) must be set before it starts
        from ..render.engine import prepare_environment

        prepare_environment()
    except ImportError:
        pass
    try:
        import PySide6.QtWebEngineWidgets  # noqa: F401
    except ImportError:  # the browser tab says so when opened
        pass
    from PySide6.QtWidgets import QApplication

    from ..core.settings import Settings
    from . import i18n

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Evidence Kit")
    app.setOrganizationName("Evidence Kit")
    i18n.set_language(Settings.load().language or i18n.system_language())
    return app


def run_gui(argv: list[str] | None = None) -> int:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) \
            and not os.environ.get("QT_QPA_PLATFORM"):
        print("evidence-kit: no display found; the desktop application needs one. "
              "Use evidence-kit --help for the command line.", file=sys.stderr)
        return 2
    _setup_logging()
    app = create_application(argv)
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from ..core.paths import resource
    from ..core.settings import Settings
    from . import smoke
    from .main_window import MainWindow
    from .start_dialog import StartDialog

    assert isinstance(app, QApplication)
    app.setWindowIcon(QIcon(str(resource("icons", "evidence-kit.svg"))))
    app.setDesktopFileName("evidence-kit")
    smoke.install(app)  # does nothing unless the packaged-build start-up probe is switched on
    windows: list[MainWindow] = []

    def show_start() -> None:
        settings = Settings.load()
        dialog = StartDialog(settings)

        def opened(case: object) -> None:
            window = MainWindow(case, settings)  # type: ignore[arg-type]
            window.case_closed.connect(show_start)
            windows.append(window)
            window.show()

        dialog.opened.connect(opened)
        dialog.rejected.connect(lambda: None)
        dialog.show()
        windows.append(dialog)  # type: ignore[arg-type]

    app.setQuitOnLastWindowClosed(True)
    show_start()
    return int(app.exec())
