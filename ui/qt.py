"""The one place the desktop imports Qt from (STYLE.md "Qt": qutebrowser's `qt/` package): every other module of `ui/`
takes its Qt names from here, so a change of binding or version is made once. A plain re-export."""

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QEventLoop,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

__all__ = [
    "QAbstractItemView", "QAbstractTableModel", "QApplication", "QBrush", "QColor", "QCoreApplication", "QEvent",
    "QEventLoop", "QFont", "QHBoxLayout", "QHeaderView", "QKeySequence", "QLabel", "QLineEdit", "QListWidget",
    "QListWidgetItem", "QModelIndex", "QObject", "QPersistentModelIndex", "QPlainTextEdit", "QPushButton",
    "QShortcut", "QTableView", "QTextBrowser", "QTimer", "QVBoxLayout", "QWidget", "Qt", "Signal", "Slot",
]
