"""The Qt tests run on the offscreen platform (no display needed) with the desk's theme, and a Qt warning (or
worse) fails the test that caused it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest

from ui.qt import QtCore, qInstallMessageHandler

# The offscreen platform's notes on what it cannot do (raise a window, grab the keyboard for a completer's popup):
# about the platform, not our widgets.
IGNORED = ("This plugin does not support ", "QFont::setPointSize: Point size <= 0")

_messages: list[str] = []


def _handler(kind: QtCore.QtMsgType, context: QtCore.QMessageLogContext, message: str) -> None:
    if kind in (QtCore.QtMsgType.QtDebugMsg, QtCore.QtMsgType.QtInfoMsg):
        return
    if any(text in message for text in IGNORED):
        return
    _messages.append(f"{kind.name}: {message}")


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["agent-desktop-tests"]


@pytest.fixture(autouse=True)
def _qt_warnings_fail(qapp) -> Iterator[None]:
    from ui.theme import apply_theme

    apply_theme(qapp)
    previous = qInstallMessageHandler(_handler)
    _messages.clear()
    yield
    qInstallMessageHandler(previous)
    if _messages:
        found = list(_messages)
        _messages.clear()
        pytest.fail("Qt warned:\n" + "\n".join(found))
