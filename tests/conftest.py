"""Every test runs with its own empty user config and data folders and without the operator's AGENT_DESKTOP_*
variables, so a developer's own configuration can never make a test pass or fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(variable, str(Path(home) / variable.lower()))
    for variable in list(os.environ):
        if variable.startswith("AGENT_DESKTOP_"):
            monkeypatch.delenv(variable)
