"""The one place the desktop imports Qt (PySide6): every other module of `ui/` takes its Qt names from here, so a
change of binding or version touches one file (tests/ui/test_qt_imports.py fails on a direct import elsewhere).

Import-time only; owns no state. On import it also checks the binding for the reference leak of PySide6 6.12.0 on
Python 3.11 (below) and, when the binding has it, keeps None, True and False alive for the process's lifetime.
"""

from __future__ import annotations

import ctypes
import logging
import sys

import PySide6
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
    "SINGLETONS_KEPT",
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


# --- PySide6 6.12.0's reference leak on None, True and False ---------------------------------------------------------
#
# The 6.12.0 wheels (one abi3 build for Python 3.10 and up) return None from every void method (setText, setEnabled,
# processEvents, ...) and from `QObject.property` of an unset name without taking a reference to it, and True from
# `Signal.emit` likewise: each call takes one reference from None (or True) that nobody gave. From 3.12 on these
# objects are immortal and nothing happens; on 3.11 their counts fall with every repaint (150-300 a second in the
# latency bench's shift, 1,500 in its screen-pop flood) until one reaches 0 and the interpreter aborts with
# "none_dealloc" (or "bool_dealloc") wherever the last reference happens to go — under a render, in a garbage
# collection on another thread, at teardown. 6.11.3 does not leak. No code of ours can avoid void methods, so when
# the binding leaks we make the three objects as good as immortal, as 3.12 does: their counts are raised by
# `_KEEP_ALIVE`, which no leak can drain in the life of a process (2**48 at a million leaked references a second
# lasts 9 years).

_LEAK_PROBE_CALLS = 64
_KEEP_ALIVE = 1 << 48


class _LeakProbe(QObject):
    fired = Signal()


def _binding_leaks() -> bool:
    probe = _LeakProbe()
    none, true = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(_LEAK_PROBE_CALLS):
        probe.setObjectName("")  # void: returns None
        probe.fired.emit()  # returns True
    # another thread may take or drop a few references meanwhile; a leak shows as one per call
    lost = max(none - sys.getrefcount(None), true - sys.getrefcount(True))
    return lost >= _LEAK_PROBE_CALLS // 2


def _keep_singletons_alive() -> tuple[str, ...]:
    """Names of the singletons kept alive: none unless this is CPython before 3.12 and the binding leaks."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12) or hasattr(sys, "getobjects"):
        return ()  # immortal already (3.12+), or an object layout other than the release build's (Py_TRACE_REFS)
    if not _binding_leaks():
        return ()
    kept = []
    for name, singleton in (("None", None), ("True", True), ("False", False)):
        # a release build of CPython 3.11 starts every object with its Py_ssize_t reference count; a reference
        # another thread takes or drops between the read and the write is lost against 2**48: harmless
        ctypes.c_ssize_t.from_address(id(singleton)).value += _KEEP_ALIVE
        kept.append(name)
    logging.getLogger(__name__).warning(
        "PySide6 %s leaks references to None or True on Python %d.%d (6.12.0 does, 6.11.3 does not): kept None, "
        "True and False alive for this process", PySide6.__version__, *sys.version_info[:2])
    return tuple(kept)


SINGLETONS_KEPT: tuple[str, ...] = _keep_singletons_alive()
