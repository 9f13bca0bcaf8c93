"""The one reader of the environment: `load_config` takes the variables the commands read, once; nothing else of the
environment is kept, and no secret shows in a repr."""

from __future__ import annotations

from pathlib import Path

from agent_desktop.config import load_config
from agent_desktop.settings import ami_secret, sync_token


def test_the_variables_are_read_with_the_configuration_once(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('[ami]\nsecret_env = "PBX_SECRET"\n[sync]\ntoken_env = "CENTER_TOKEN"\n', encoding="utf-8")
    environ = {"AGENT_DESKTOP_AMI": "pbx:5038", "PBX_SECRET": "s3cret", "CENTER_TOKEN": "t0ken", "HOME": "/root",
               "AGENT_DESKTOP_SERVER_DB": "sqlite:///x.db"}
    config = load_config(config_file, environ=environ)
    environ.clear()  # read once: later changes of the environment do not reach this command
    assert config.environment.get("AGENT_DESKTOP_AMI") == "pbx:5038"
    assert config.environment.get("AGENT_DESKTOP_SERVER_DB") == "sqlite:///x.db"
    assert config.environment.get("HOME") is None  # only what the commands read is kept
    assert ami_secret(config) == "s3cret" and sync_token(config) == "t0ken"
    assert "s3cret" not in repr(config) and "t0ken" not in repr(config)


def test_the_standard_variables_win_over_the_ones_the_file_names() -> None:
    config = load_config(None, environ={"AGENT_DESKTOP_SYNC_TOKEN": " standard ", "AGENT_DESKTOP_AMI_SECRET": "a"})
    assert sync_token(config) == "standard" and ami_secret(config) == "a"
    assert sync_token(load_config(None, environ={})) is None


def test_a_token_file_is_read_when_the_environment_gives_none_and_refused_when_others_may_read_it(
        tmp_path: Path) -> None:
    import pytest

    from agent_desktop.core.errors import ConfigError

    token_file = tmp_path / "seat.token"
    token_file.write_text("from-file\n", encoding="utf-8")
    token_file.chmod(0o600)
    config_file = tmp_path / "config.toml"
    config_file.write_text('[sync]\ntoken_file = "seat.token"\n', encoding="utf-8")  # relative to the config file
    config = load_config(config_file, environ={})
    assert config.sync.token_file == token_file and sync_token(config) == "from-file"
    assert sync_token(load_config(config_file, environ={"AGENT_DESKTOP_SYNC_TOKEN": "env"})) == "env"
    token_file.chmod(0o644)
    with pytest.raises(ConfigError) as refused:
        sync_token(config)
    assert refused.value.code == "file_permissions" and "from-file" not in str(refused.value)
