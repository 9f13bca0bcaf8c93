"""The layering of DESIGN.md and STYLE.md, enforced by reading every import statement (ast, so imports inside
functions, `from x import y` and relative imports all count):

- `agent_desktop/core/` imports the standard library, chinese_calendar, cryptography and itself only; never Qt,
  panoramisk, websockets, vosk, SQLAlchemy, asyncio, nor anything that opens a network connection.
- `ui/` imports the adapters (`telephony`, `asr`, `sync`) only through their service interfaces (modules named
  `interfaces` or `service`), never an implementation, nor the libraries the adapters wrap.
- the adapters never import `ui/` or Qt, and from `agent_desktop` only the core and `agent_desktop.resources` (never
  its config, CLI, settings, runtime or composition root): a shared helper adapters need is pure and lives in the
  core (listeners, backoff, health), or is a place on disk and lives in `resources`;
- Qt (PySide6 and kin) is imported only under `ui/` and by the composition root `agent_desktop/app.py`;
- a service's `interfaces` module (what a front end imports) pulls in none of the libraries the adapter wraps.

The checkers are tested on synthetic source too, so an empty package (ui/ today) cannot make this pass vacuously.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORE = REPO / "agent_desktop" / "core"
UI = REPO / "ui"
ADAPTERS = ("telephony", "asr", "sync")

GUI = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pytestqt")
NETWORK = (
    "asyncio", "socket", "ssl", "http", "urllib.request", "selectors", "socketserver", "ftplib", "smtplib",
    "poplib", "imaplib", "xmlrpc", "requests", "httpx", "aiohttp",
)
ADAPTER_LIBRARIES = ("panoramisk", "websockets", "vosk", "sqlalchemy")
CORE_FORBIDDEN = GUI + NETWORK + ADAPTER_LIBRARIES + ADAPTERS + ("ui",)
CORE_ALLOWED_THIRD_PARTY = ("chinese_calendar", "cryptography")
UI_FORBIDDEN_LIBRARIES = ADAPTER_LIBRARIES
SERVICE_INTERFACE_NAMES = frozenset({"interfaces", "service"})
ADAPTER_MAY_USE_FROM_AGENT_DESKTOP = ("agent_desktop.core", "agent_desktop.resources")
QT_ALLOWED_IN = ("ui/", "agent_desktop/app.py")


@dataclass(frozen=True)
class Import:
    module: str  # the absolute dotted name imported (for `from x import y`, also `x.y` is checked)
    line: int
    where: str


@dataclass(frozen=True)
class Violation:
    where: str
    line: int
    module: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: imports {self.module}: {self.reason}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, *, is_package: bool = False, where: str = "<source>") -> list[Import]:
    """Every module named by an import in `source` (the module `module`), absolute, with its line."""
    tree = ast.parse(source, filename=where)
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno, where) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, package)
            found.append(Import(base, node.lineno, where))
            found += [Import(f"{base}.{alias.name}", node.lineno, where) for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Call) and (name := _dynamic_import_name(node)) is not None:
            found.append(Import(name, node.lineno, where))
    return found


def _absolute(name: str | None, level: int, package: str) -> str:
    if level == 0:
        return name or ""
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return "." * level + (name or "")  # beyond the top: left relative, so it matches nothing allowed
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, name] if name else base)


def _dynamic_import_name(call: ast.Call) -> str | None:
    """The literal name of `importlib.import_module("x")` or `__import__("x")`."""
    func = call.func
    dynamic = (isinstance(func, ast.Name) and func.id in {"__import__", "import_module"}) or (
        isinstance(func, ast.Attribute) and func.attr == "import_module"
    )
    if dynamic and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _within(name: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def core_violations(found: list[Import]) -> list[Violation]:
    out: list[Violation] = []
    for imp in found:
        name = imp.module
        hit = _within(name, CORE_FORBIDDEN)
        if hit is not None:
            out.append(Violation(imp.where, imp.line, name, f"the core must not import {hit}"))
            continue
        root = name.split(".")[0]
        if (
            root in sys.stdlib_module_names
            or root == "__future__"
            or _within(name, CORE_ALLOWED_THIRD_PARTY)
            or _within(name, ("agent_desktop.core",))
        ):
            continue
        out.append(
            Violation(imp.where, imp.line, name, "the core imports only the standard library, chinese_calendar, "
                      "cryptography and agent_desktop.core")
        )
    return out


def ui_violations(found: list[Import]) -> list[Violation]:
    out: list[Violation] = []
    for imp in found:
        name = imp.module
        parts = name.split(".")
        if parts[0] in ADAPTERS:
            if len(parts) == 1:
                # the bare package: a `from telephony import x` is judged by its `telephony.x` entry
                continue
            if not SERVICE_INTERFACE_NAMES & set(parts[1:]):
                out.append(Violation(imp.where, imp.line, name, "ui/ may use an adapter only through its "
                                     "service interface (a *.interfaces or *.service module)"))
        elif (hit := _within(name, UI_FORBIDDEN_LIBRARIES)) is not None:
            out.append(Violation(imp.where, imp.line, name, f"ui/ must not use {hit}; that is an adapter's job"))
    out += _bare_adapter_imports(found)
    return out


def _bare_adapter_imports(found: list[Import]) -> list[Violation]:
    # `import telephony` (no submodule named anywhere on that line) reaches the implementation through the package
    named_sub = {(imp.where, imp.line) for imp in found if "." in imp.module and imp.module.split(".")[0] in ADAPTERS}
    return [
        Violation(imp.where, imp.line, imp.module, "ui/ may not import an adapter package itself")
        for imp in found
        if imp.module in ADAPTERS and (imp.where, imp.line) not in named_sub
    ]


def adapter_violations(found: list[Import]) -> list[Violation]:
    out: list[Violation] = []
    for imp in found:
        hit = _within(imp.module, ("ui", *GUI))
        if hit is not None:
            out.append(Violation(imp.where, imp.line, imp.module, f"adapters must not import {hit}"))
        elif imp.module.split(".")[0] == "agent_desktop" and imp.module != "agent_desktop" and \
                _within(imp.module, ADAPTER_MAY_USE_FROM_AGENT_DESKTOP) is None:
            out.append(Violation(imp.where, imp.line, imp.module, "adapters import only agent_desktop.core and "
                                 "agent_desktop.resources from agent_desktop (not its config, CLI or runtime)"))
    return out


def qt_violations(found: list[Import]) -> list[Violation]:
    return [Violation(imp.where, imp.line, imp.module, "Qt is imported only under ui/ and by agent_desktop/app.py")
            for imp in found
            if _within(imp.module, GUI) is not None and not imp.where.startswith(QT_ALLOWED_IN)]


def package_imports(folder: Path) -> Iterator[Import]:
    for path in sorted(folder.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        yield from imports_of(
            source,
            module_name(path, REPO),
            is_package=path.name == "__init__.py",
            where=str(path.relative_to(REPO)),
        )


# --- the real tree -------------------------------------------------------------------------------------------


def test_core_imports_only_the_standard_library_and_small_pure_libraries() -> None:
    modules = sorted(CORE.rglob("*.py"))
    assert len(modules) >= 5, "the walk must see the core's modules"
    found = list(package_imports(CORE))
    # the core imports chinese_calendar and its own errors: seeing them proves the walk reads real imports
    assert any(imp.module == "chinese_calendar" for imp in found)
    assert any(imp.module.startswith("agent_desktop.core.errors") for imp in found)
    violations = core_violations(found)
    assert not violations, "\n".join(map(str, violations))


def test_ui_uses_adapters_only_through_their_service_interfaces() -> None:
    assert UI.is_dir()
    violations = ui_violations(list(package_imports(UI)))
    assert not violations, "\n".join(map(str, violations))


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapters_never_import_the_ui(adapter: str) -> None:
    folder = REPO / adapter
    assert folder.is_dir()
    violations = adapter_violations(list(package_imports(folder)))
    assert not violations, "\n".join(map(str, violations))


def test_qt_is_imported_only_under_ui_and_by_the_composition_root() -> None:
    found: list[Import] = []
    for top in ("agent_desktop", "telephony", "asr", "sync", "ui", "bench"):
        found += list(package_imports(REPO / top))
    assert any(imp.where.startswith("agent_desktop/cli/") for imp in found), "the walk must see the CLI"
    violations = qt_violations(found)
    assert not violations, "\n".join(map(str, violations))


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_an_adapters_interfaces_module_loads_none_of_the_libraries_it_wraps(adapter: str) -> None:
    """What a front end imports (`<adapter>.interfaces`) must not drag in panoramisk, vosk, SQLAlchemy or
    websockets: checked in a fresh interpreter, on the modules actually loaded."""
    import subprocess

    code = (f"import sys, {adapter}.interfaces\n"
            f"print(','.join(sorted(m for m in {(*ADAPTER_LIBRARIES, 'jieba')!r} if m in sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}).stdout.strip()
    assert loaded == "", f"{adapter}.interfaces loads {loaded}"


# --- the checkers themselves, on synthetic source ------------------------------------------------------------


def _core(source: str, module: str = "agent_desktop.core.sample") -> list[Violation]:
    return core_violations(imports_of(source, module, where="core_sample.py"))


def _ui(source: str, module: str = "ui.sample") -> list[Violation]:
    return ui_violations(imports_of(source, module, where="ui_sample.py"))


@pytest.mark.parametrize(
    "source",
    [
        "import socket",
        "import asyncio.events",
        "import sqlalchemy as sa",
        "from sqlalchemy.orm import Session",
        "from PySide6.QtCore import Signal",
        "import panoramisk",
        "from websockets.asyncio.client import connect",
        "import vosk",
        "from http import client",
        "import http.client",
        "from urllib import request",
        "import urllib.request",
        "import ssl",
        "import selectors",
        "def later():\n    import socket\n    return socket",
        "class Late:\n    def go(self):\n        from asyncio import sleep\n        return sleep",
        "import importlib\nimportlib.import_module('vosk')",
        "__import__('websockets')",
        "from telephony.ami import AmiClient",
        "import numpy",
        "from agent_desktop import config",
        "from .. import config",
        "from ..cli import main",
    ],
)
def test_core_checker_refuses(source: str) -> None:
    violations = _core(source)
    assert violations, f"the checker let through: {source!r}"
    assert all(v.where == "core_sample.py" and v.line >= 1 for v in violations)


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "import datetime\nfrom zoneinfo import ZoneInfo",
        "from urllib.parse import quote",
        "import chinese_calendar",
        "from cryptography.fernet import Fernet",
        "from agent_desktop.core.errors import ConfigError",
        "from . import errors",
        "from .working_days import WorkingDayCalendar",
        "import typing\nif typing.TYPE_CHECKING:\n    from collections.abc import Mapping",
    ],
)
def test_core_checker_accepts(source: str) -> None:
    assert _core(source) == []


def test_core_checker_reports_the_line_of_a_nested_import() -> None:
    source = "import datetime\n\n\ndef f():\n    import socket\n"
    [violation] = _core(source)
    assert (violation.line, violation.module) == (5, "socket")
    assert "socket" in str(violation) and "core_sample.py:5" in str(violation)


def test_relative_imports_are_resolved_against_the_module() -> None:
    found = imports_of("from .. import config", "agent_desktop.core.sample")
    assert {imp.module for imp in found} == {"agent_desktop", "agent_desktop.config"}
    package_found = imports_of("from . import errors", "agent_desktop.core", is_package=True)
    assert {imp.module for imp in package_found} == {"agent_desktop.core", "agent_desktop.core.errors"}


@pytest.mark.parametrize(
    "source",
    [
        "from telephony import ami",
        "import telephony.ami",
        "from telephony.ami import AmiClient",
        "import telephony",
        "from asr.vosk_engine import Recognizer",
        "from sync import outbox, service",
        "def wire():\n    from sync.outbox import Outbox\n    return Outbox",
        "import vosk",
        "from sqlalchemy import select",
        "import panoramisk",
    ],
)
def test_ui_checker_refuses(source: str) -> None:
    assert _ui(source), f"the checker let through: {source!r}"


@pytest.mark.parametrize(
    "source",
    [
        "from telephony.interfaces import CallControl",
        "from telephony import interfaces",
        "from asr.service import TranscriptService",
        "import sync.service",
        "from sync.interfaces import SyncStatus",
        "from PySide6.QtWidgets import QWidget",
        "from agent_desktop.core.work_order import WorkOrder",
    ],
)
def test_ui_checker_accepts(source: str) -> None:
    assert _ui(source) == []


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ("from ui.main_window import MainWindow", True),
        ("from PySide6.QtCore import QObject", True),
        ("import panoramisk\nfrom agent_desktop.core.errors import TelephonyError", False),
        ("from agent_desktop.config import default_data_dir", True),
        ("from agent_desktop import config", True),
        ("from agent_desktop.cli.calls import watch", True),
        ("from agent_desktop.runtime import Runtime", True),
        ("def later():\n    from agent_desktop.settings import seat_config", True),
        ("from agent_desktop.resources import default_data_dir", False),
        ("from agent_desktop.core.listeners import Listeners", False),
    ],
)
def test_adapter_checker(source: str, refused: bool) -> None:
    found = imports_of(source, "telephony.ami", where="telephony_sample.py")
    assert bool(adapter_violations(found)) is refused


# --- the seat session (agent_desktop/desk): pure, above the core, below every front end ----------------------

DESK = REPO / "agent_desktop" / "desk"
# besides everything the core may not import: no files, clocks or threads either (time is passed in)
DESK_NO_IO = ("os", "pathlib", "io", "shutil", "sqlite3", "threading", "subprocess", "time", "tempfile")


def desk_violations(found: list[Import]) -> list[Violation]:
    out: list[Violation] = []
    for imp in found:
        name = imp.module
        hit = _within(name, CORE_FORBIDDEN + DESK_NO_IO)
        if hit is not None:
            out.append(Violation(imp.where, imp.line, name, f"the seat session is pure: no {hit}"))
        elif not (name.split(".")[0] in sys.stdlib_module_names or name == "__future__"
                  or _within(name, ("agent_desktop.core", "agent_desktop.desk"))):
            out.append(Violation(imp.where, imp.line, name,
                                 "the seat session imports the standard library and agent_desktop.core only"))
    return out


def test_the_seat_session_is_pure() -> None:
    found = list(package_imports(DESK))
    assert any(imp.module.startswith("agent_desktop.core.lifecycle") for imp in found)
    violations = desk_violations(found)
    assert not violations, "\n".join(map(str, violations))


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ("import asyncio", True),
        ("from PySide6.QtCore import Signal", True),
        ("from telephony.service import TelephonyService", True),
        ("from sync.drafts import DraftStore", True),
        ("import sqlalchemy", True),
        ("from pathlib import Path", True),
        ("import time", True),
        ("from agent_desktop import config", True),
        ("from agent_desktop.core.lifecycle import apply", False),
        ("from agent_desktop.desk.calls import CallState", False),
        ("from dataclasses import dataclass, replace", False),
    ],
)
def test_desk_checker(source: str, refused: bool) -> None:
    found = imports_of(source, "agent_desktop.desk.sample", where="desk_sample.py")
    assert bool(desk_violations(found)) is refused


@pytest.mark.parametrize(
    ("where", "source", "refused"),
    [
        ("agent_desktop/cli/calls.py", "from PySide6.QtCore import QObject", True),
        ("telephony/service.py", "import shiboken6", True),
        ("agent_desktop/core/x.py", "from PyQt6 import QtCore", True),
        ("ui/qt.py", "from PySide6.QtCore import QObject, Signal", False),
        ("agent_desktop/app.py", "from PySide6.QtWidgets import QApplication", False),
    ],
)
def test_qt_checker(where: str, source: str, refused: bool) -> None:
    assert bool(qt_violations(imports_of(source, "sample", where=where))) is refused
