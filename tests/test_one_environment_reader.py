"""The process environment is read in one place: `agent_desktop.resources.process_environment` (which
`agent_desktop.config.load_config` reads every command's variables through, once). Checked by reading every module
of the packages (ast): `os.environ`, `os.getenv` and `from os import environ/getenv` appear nowhere else."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("agent_desktop", "telephony", "asr", "sync", "ui")
READER = "agent_desktop/resources.py"
_READS = frozenset({"environ", "environb", "getenv", "getenvb"})


def environment_reads(source: str) -> list[int]:
    """Lines of `source` that read the process environment."""
    lines: list[int] = []
    for node in ast.walk(ast.parse(source)):
        attribute = isinstance(node, ast.Attribute) and node.attr in _READS and isinstance(node.value, ast.Name) and (
            node.value.id == "os"
        )
        imported = isinstance(node, ast.ImportFrom) and node.module == "os" and any(
            alias.name in _READS for alias in node.names
        )
        if attribute or imported:
            lines.append(node.lineno)
    return lines


def test_only_the_one_reader_reads_the_environment() -> None:
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            where = path.relative_to(REPO).as_posix()
            if where != READER:
                found += [f"{where}:{line}" for line in environment_reads(path.read_text(encoding="utf-8"))]
    assert found == []
    assert environment_reads((REPO / READER).read_text(encoding="utf-8"))  # the reader itself does


@pytest.mark.parametrize(("source", "reads"), [
    ("import os\nx = os.environ.get('A')\n", True),
    ("import os\nx = os.getenv('A')\n", True),
    ("from os import environ\n", True),
    ("from os import getenv as g\n", True),
    ("import os\nx = os.path.join('a')\n", False),
    ("environ = {}\nx = environ.get('A')\n", False),
])
def test_the_checker(source: str, reads: bool) -> None:
    assert bool(environment_reads(source)) is reads
