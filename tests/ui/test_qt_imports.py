"""Qt is imported in one module of the desktop, `ui/qt.py` (qutebrowser's rule): every other module takes its Qt
names from there."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QT_PACKAGES = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def qt_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        found += [n for n in names if n.split(".")[0] in QT_PACKAGES]
    return found


def test_the_checker_sees_both_import_forms() -> None:
    assert qt_imports("import PySide6.QtCore\nfrom PySide6 import QtWidgets\nimport os") == [
        "PySide6.QtCore", "PySide6"]


def test_only_ui_qt_imports_pyside6() -> None:
    offenders = {
        str(path.relative_to(REPO)): names
        for folder in ("ui", "agent_desktop")
        for path in (REPO / folder).rglob("*.py")
        if path != REPO / "ui" / "qt.py" and (names := qt_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
