"""Qt tests run on the offscreen platform, and a Qt warning fails the test that caused it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QtMsgType

_FAILING = (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
# the offscreen platform itself says this when a window is shown: a property of the test platform, not of our code
_PLATFORM_NOTES = ("This plugin does not support propagateSizeHints()",)


@pytest.fixture(autouse=True)
def _qt_warnings_fail(qtlog):
    yield
    bad = [record.message for record in qtlog.records if record.type in _FAILING
           and record.message not in _PLATFORM_NOTES]
    assert not bad, "Qt warnings: " + "; ".join(bad)
