"""The desk's look and language: the CJK font (Noto Sans CJK SC, else the system's CJK font), the style sheet
`resources/ui/style.qss`, and the Qt translator for a language other than the source language zh_CN
(`resources/ui/i18n/agent_desktop_<lang>.qm`)."""

from __future__ import annotations

import logging
from pathlib import Path

from agent_desktop.resources import resources_dir
from ui.qt import QCoreApplication, QtGui, QTranslator, QtWidgets

log = logging.getLogger(__name__)

CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC")
SOURCE_LANGUAGE = "zh_CN"


def ui_dir() -> Path:
    return resources_dir() / "ui"


def cjk_family() -> str | None:
    families = set(QtGui.QFontDatabase.families())
    return next((f for f in CJK_FAMILIES if f in families), None)


def apply_theme(app: QtWidgets.QApplication, *, point_size: int = 10) -> str | None:
    family = cjk_family()
    font = QtGui.QFont(family) if family else app.font()
    font.setPointSize(point_size)
    app.setFont(font)
    if family is None:
        log.warning("no CJK font found (install fonts-noto-cjk); Chinese text may not render")
    qss = ui_dir() / "style.qss"
    try:
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    except OSError as exc:
        log.warning("style sheet %s not read: %s", qss, exc)
    return family


def install_translation(app: QtWidgets.QApplication, language: str) -> QTranslator | None:
    """Load the translation for `language` (e.g. "en"); the source language needs none. The translator is
    returned so the caller keeps it alive."""
    if not language or language.replace("-", "_") in (SOURCE_LANGUAGE, "zh"):
        return None
    translator = QTranslator(app)
    path = ui_dir() / "i18n" / f"agent_desktop_{language}.qm"
    if not translator.load(str(path)):
        log.warning("no translation %s; the window stays in Chinese", path)
        return None
    QCoreApplication.installTranslator(translator)
    return translator
