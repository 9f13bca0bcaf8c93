"""The one place the desktop imports Qt (PySide6): every other module of `ui/` takes its Qt names from here, so a
change of binding or version touches one file (tests/ui/test_qt_imports.py fails on a direct import elsewhere).

Import-time only; owns no state.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QEvent,
    QObject,
    Qt,
    QTimer,
    QTranslator,
    Signal,
    Slot,
    qInstallMessageHandler,
)

__all__ = [
    "QT_TRANSLATE_NOOP",
    "QCoreApplication",
    "QEvent",
    "QObject",
    "QTimer",
    "QTranslator",
    "Qt",
    "QtCore",
    "QtGui",
    "QtWidgets",
    "Signal",
    "Slot",
    "qInstallMessageHandler",
]
