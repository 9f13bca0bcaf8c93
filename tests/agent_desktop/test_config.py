"""Configuration loading: defaults → TOML file → environment, the sources of every rule parameter, the errors for
a bad file, and the calendar built from it."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime, time
from pathlib import Path

import pytest

from agent_desktop import config as config_module
from agent_desktop.config import (
    ENV_HOLIDAYS,
    AppConfig,
    build_calendar,
    default_config_path,
    default_holidays_path,
    load_config,
)
from agent_desktop.core.errors import ConfigError
from agent_desktop.core.rule_parameters import RuleParameters, parameter_names
from agent_desktop.core.work_order import Category
from agent_desktop.core.working_days import DaySource, parse_overrides

REPO = Path(__file__).resolve().parents[2]
SHIPPED_OVERRIDES = REPO / "resources" / "holidays" / "overrides.toml"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's own config file or environment."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv(ENV_HOLIDAYS, raising=False)
    monkeypatch.delenv("AGENT_DESKTOP_RESOURCES", raising=False)  # the shipped resources/ folder
    return home


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_there_is_no_config_file(isolated_dirs: Path) -> None:
    config = load_config()
    assert config.rules == RuleParameters()
    assert config.config_path is None
    assert dict(config.sources) == dict.fromkeys(parameter_names(), "default")
    assert config.data_dir == isolated_dirs / "data" / "agent-desktop"
    assert config.holidays_path == SHIPPED_OVERRIDES
    assert config.holidays_source == "default"


def test_the_user_config_file_is_found_in_the_platform_config_dir(isolated_dirs: Path) -> None:
    expected = isolated_dirs / "config" / "agent-desktop" / "config.toml"
    assert default_config_path() == expected
    write(expected, "[rules]\nsign_limit_wd = 2\n")
    config = load_config()
    assert config.config_path == expected
    assert config.rules.sign_limit_wd == 2
    assert config.sources["sign_limit_wd"] == f"config file {expected}"


def test_every_rule_parameter_reports_its_source(tmp_path: Path) -> None:
    path = write(
        tmp_path / "site.toml",
        """
[rules]
sign_limit_wd = 2
office_close = "18:00"
unusual_return_rate = 0.25
decrypt_roles = ["supervisor", "agent"]

[rules.handling_limits_wd]
"咨询" = 5
""",
    )
    config = load_config(path)
    source = f"config file {path}"
    assert config.rules.sign_limit_wd == 2
    assert config.rules.office_close == time(18, 0)
    assert config.rules.unusual_return_rate == 0.25
    assert config.rules.handling_limit_wd(Category.CONSULTATION) == 5
    assert config.rules.handling_limit_wd(Category.COMPLAINT) == 10  # untouched categories keep their default
    changed = {"sign_limit_wd", "office_close", "unusual_return_rate", "decrypt_roles", "handling_limits_wd"}
    assert set(config.sources) == parameter_names()
    assert {name for name, src in config.sources.items() if src == source} == changed
    assert {name for name, src in config.sources.items() if src == "default"} == parameter_names() - changed


def test_the_config_is_immutable(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "c.toml", ""))
    with pytest.raises(AttributeError):
        config.holidays_path = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.sources["timezone"] = "elsewhere"  # type: ignore[index]


def test_calendar_and_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    text = '[calendar]\nholidays = "holidays.toml"\n[paths]\ndata_dir = "data"\n'
    path = write(tmp_path / "etc" / "config.toml", text)
    config = load_config(path)
    assert config.holidays_path == tmp_path / "etc" / "holidays.toml"
    assert config.holidays_source == f"config file {path}"
    assert config.data_dir == tmp_path / "etc" / "data"


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "h.toml"
    path = write(tmp_path / "config.toml", f'[calendar]\nholidays = "{target.as_posix()}"\n')
    assert load_config(path).holidays_path == target


def test_environment_names_the_overrides_file_over_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "config.toml", '[calendar]\nholidays = "from-file.toml"\n')
    monkeypatch.setenv(ENV_HOLIDAYS, str(tmp_path / "from-env.toml"))
    config = load_config(path)
    assert config.holidays_path == tmp_path / "from-env.toml"
    assert config.holidays_source == f"environment {ENV_HOLIDAYS}"
    # an explicit mapping replaces os.environ
    assert load_config(path, environ={}).holidays_path == tmp_path / "from-file.toml"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[telephony]\nhost = 'pbx'\n", "telephony"),
        ("colour = 'blue'\n", "colour"),
        ("[rules]\nsign_limit_days = 2\n", "sign_limit_days"),
        ("[calendar]\nholiday = 'x.toml'\n", "calendar.holiday"),
        ("[paths]\ncache_dir = 'x'\n", "paths.cache_dir"),
        ("[ami]\nusername = 'desk'\n", "ami.username"),
        ("[seat]\nqueue = 'hotline'\n", "seat.queue"),
        ("[asr]\nmodel = 'vosk'\n", "asr.model"),
        ("[sync]\ntoken = 'abc'\n", "sync.token"),
        ("[server]\nport = 8765\n", "server.port"),
    ],
)
def test_unknown_keys_are_refused_naming_key_and_file(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path / "config.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert key in caught.value.message
    assert str(path) in caught.value.message
    assert caught.value.code == "unknown_key"


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", "[rules\nsign_limit_wd = 2\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in caught.value.message
    assert caught.value.code == "bad_toml"


def test_a_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in caught.value.message
    assert caught.value.code == "unreadable_file"


def test_a_config_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes("[rules]\n# 规则\n".encode("gb18030"))
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        load_config(path)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[rules]\nsign_limit_wd = 0\n", "sign_limit_wd must be at least 1"),
        ("[rules]\nsign_limit_wd = 'one'\n", "rules.sign_limit_wd must be a whole number"),
        ("[rules]\ntimezone = 'Mars/Olympus'\n", "unknown time zone"),
        ("rules = 3\n", "rules must be a table"),
        ("[calendar]\nholidays = 7\n", "calendar.holidays must be a path"),
        ("[paths]\ndata_dir = ''\n", "paths.data_dir must be a path"),
        ("[ami]\nport = '5038'\n", "ami.port must be a port number"),
        ("[ami]\nport = 70000\n", "ami.port must be a port number"),
        ("[ami]\nhost = ''\n", "ami.host must be non-empty text"),
        ("[ami]\nuser = 5\n", "ami.user must be non-empty text"),
        ("[seat]\nqueues = 'hotline'\n", "seat.queues must be a non-empty list"),
        ("[seat]\nqueues = []\n", "seat.queues must be a non-empty list"),
        ("[seat]\nafter_call_work_s = -1\n", "seat.after_call_work_s must be a number of seconds"),
        ("[seat]\nafter_call_work_s = true\n", "seat.after_call_work_s must be a number of seconds"),
        ("[asr]\nlisten_port = true\n", "asr.listen_port must be a port number"),
        ("[asr]\nfork_by_uniqueid = 'yes'\n", "asr.fork_by_uniqueid must be true or false"),
        ("[asr]\nmodel_dir = 3\n", "asr.model_dir must be a path"),
        ("[sync]\nurl = 'http://center'\n", "sync.url must be a ws:// or wss:// address"),
        ("[sync]\nstore = ''\n", "sync.store must be a path"),
        ("[server]\nlisten = 'localhost'\n", "server.listen must be HOST:PORT"),
        ("ami = 'pbx'\n", "ami must be a table"),
    ],
)
def test_bad_values_name_the_file(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path / "config.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert fragment in caught.value.message
    assert str(path) in caught.value.message


def test_build_calendar_uses_office_close_and_overrides_of_the_config(tmp_path: Path) -> None:
    holidays = write(tmp_path / "holidays.toml", '[years.2027]\nholidays = ["2027-01-01"]\n')
    path = write(tmp_path / "config.toml", '[rules]\noffice_close = "18:00"\n[calendar]\nholidays = "holidays.toml"\n')
    calendar = build_calendar(load_config(path))
    assert calendar.source_for(2027) is DaySource.OVERRIDES
    assert not calendar.is_working_day(date(2027, 1, 1))
    due = calendar.due(datetime.fromisoformat("2026-12-31T10:00+08:00"), 1)
    assert due.isoformat() == "2027-01-04T18:00:00+08:00"
    assert calendar.notices == ()
    assert holidays.is_file()


def test_build_calendar_override_path_wins(tmp_path: Path) -> None:
    chosen = write(tmp_path / "chosen.toml", '[years.2027]\nholidays = ["2027-01-04"]\n')
    config = load_config(write(tmp_path / "config.toml", '[calendar]\nholidays = "missing.toml"\n'))
    calendar = build_calendar(config, holidays_override=chosen)
    assert not calendar.is_working_day(date(2027, 1, 4))


def test_build_calendar_refuses_a_missing_or_malformed_overrides_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "config.toml", '[calendar]\nholidays = "missing.toml"\n'))
    with pytest.raises(ConfigError, match=r"missing\.toml"):
        build_calendar(config)
    bad = write(tmp_path / "bad.toml", '[years.2027]\nholidays = ["2027-02-30"]\n')
    with pytest.raises(ConfigError, match="2027-02-30"):
        build_calendar(config, holidays_override=bad)


def test_build_calendar_without_any_overrides_file_falls_back_with_a_notice() -> None:
    calendar = build_calendar(AppConfig(holidays_path=None))
    assert calendar.is_working_day(date(2027, 1, 1))  # unknown year: Monday–Friday
    assert [notice.year for notice in calendar.notices] == [2027]


def test_the_shipped_overrides_file_is_valid() -> None:
    assert default_holidays_path() == SHIPPED_OVERRIDES
    overrides = parse_overrides(SHIPPED_OVERRIDES.read_text(encoding="utf-8"), source=str(SHIPPED_OVERRIDES))
    assert overrides.source == str(SHIPPED_OVERRIDES)


def test_the_example_in_the_shipped_overrides_file_is_valid_when_uncommented() -> None:
    # the comments teach an administrator the format; the example must parse as written
    text = SHIPPED_OVERRIDES.read_text(encoding="utf-8")
    block = text.split("# --- example")[1].split("# --- end of example ---")[0].splitlines()[1:]
    example = "\n".join(line.removeprefix("# ") for line in block)
    overrides = parse_overrides(example, source="example")
    assert overrides.years, "the example declares a year"
    for year in overrides.years.values():
        assert year.holidays and year.working_weekends


def test_resources_dir_falls_back_to_the_checkout_without_the_resources_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "agent_desktop.resources", None)  # makes the import fail
    with pytest.raises(ImportError):
        import agent_desktop.resources  # noqa: F401
    assert config_module.default_holidays_path() == SHIPPED_OVERRIDES


def test_the_configuration_doc_documents_every_rule_parameter_with_its_article() -> None:
    doc = REPO / "docs" / "configuration.md"
    readme = doc.read_text(encoding="utf-8")
    rows = {
        cells[0].strip("` "): cells
        for line in readme.splitlines()
        if line.startswith("| `") and len(cells := [c.strip() for c in line.strip("|").split("|")]) == 4
    }
    defaults = RuleParameters()
    for name, article, _ in RuleParameters.describe_fields():
        assert name in rows, f"{doc.name}'s [rules] table lacks {name}"
        assert rows[name][2] == article, f"{doc.name} gives {name} the article {rows[name][2]}, not {article}"
        value = getattr(defaults, name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert rows[name][1] == str(value), f"{doc.name} gives {name} the default {rows[name][1]}, not {value}"


def test_telephony_speech_and_sync_tables_have_embedded_defaults(isolated_dirs: Path) -> None:
    config = load_config()
    data_dir = isolated_dirs / "data" / "agent-desktop"
    assert (config.ami.host, config.ami.port, config.ami.user) == ("127.0.0.1", 5038, "desk")
    assert config.ami.secret_env == "AGENT_DESKTOP_AMI_SECRET" and config.ami.secret is None
    assert config.seat.interface is None and config.seat.queues == ("hotline",)
    assert config.seat.hotline_number == "12345" and config.seat.after_call_work_s == 30.0
    assert config.asr.model_dir is None and (config.asr.listen_host, config.asr.listen_port) == ("127.0.0.1", 9093)
    assert config.asr.advertise_host is None and config.asr.fork_by_uniqueid is False and config.asr.lang is None
    assert config.sync.url is None and config.sync.token_env == "AGENT_DESKTOP_SYNC_TOKEN"
    # the same files the adapters default to today
    from sync.local_store import default_store_path
    from sync.server.db import default_db_url

    assert config.sync.store == default_store_path() == data_dir / "seat-store.sqlite3"
    assert config.server.db == default_db_url() and config.server.listen == "127.0.0.1:8765"


def test_telephony_speech_and_sync_tables_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "desk" / "config.toml",
        """
[paths]
data_dir = "data"
[ami]
host = "pbx.example"
port = 5039
user = "seat07"
secret_env = "PBX_SECRET"
[seat]
interface = "PJSIP/1007"
queues = ["hotline", "hotline-en"]
member_name = "座席07"
after_call_work_s = 15
hotline_number = "0731-12345"
[asr]
model_dir = "models/vosk-model-cn-0.22"
listen_host = "0.0.0.0"
listen_port = 9100
advertise_host = "10.0.0.7"
fork_by_uniqueid = true
lang = "zh"
[sync]
url = "wss://center.example:8765"
token_env = "CENTER_TOKEN"
seat = "A07"
ca_file = "/etc/hotline/ca.pem"
[server]
db = "postgresql+psycopg://hotline@db/hotline"
listen = "0.0.0.0:8765"
""",
    )
    config = load_config(path)
    here = tmp_path / "desk"
    assert (config.ami.host, config.ami.port, config.ami.user, config.ami.secret_env) == (
        "pbx.example", 5039, "seat07", "PBX_SECRET")
    assert config.seat.interface == "PJSIP/1007" and config.seat.queues == ("hotline", "hotline-en")
    assert config.seat.member_name == "座席07" and config.seat.after_call_work_s == 15.0
    assert config.seat.hotline_number == "0731-12345"
    assert config.asr.model_dir == here / "models" / "vosk-model-cn-0.22"
    assert (config.asr.listen_host, config.asr.listen_port, config.asr.advertise_host) == ("0.0.0.0", 9100, "10.0.0.7")
    assert config.asr.fork_by_uniqueid is True and config.asr.lang == "zh"
    assert (config.sync.url, config.sync.token_env, config.sync.seat) == ("wss://center.example:8765", "CENTER_TOKEN",
                                                                         "A07")
    assert config.sync.ca_file == Path("/etc/hotline/ca.pem")
    assert config.sync.store == here / "data" / "seat-store.sqlite3"  # follows [paths] data_dir
    assert config.server.db == "postgresql+psycopg://hotline@db/hotline" and config.server.listen == "0.0.0.0:8765"
    with pytest.raises(AttributeError):
        config.ami.host = "other"  # type: ignore[misc]


def test_the_server_db_defaults_into_the_configured_data_dir(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[paths]\ndata_dir = "d"\n[sync]\nstore = "seat.db"\n')
    config = load_config(path)
    assert config.server.db == f"sqlite:///{tmp_path / 'd' / 'central-store.sqlite3'}"
    assert config.sync.store == tmp_path / "seat.db"  # relative to the config file, like [paths]


def test_an_ami_secret_in_the_file_never_shows(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[ami]\nsecret = "s3cr3t-pbx"\n')
    config = load_config(path)
    assert config.ami.secret == "s3cr3t-pbx"
    assert "s3cr3t-pbx" not in repr(config) and "s3cr3t-pbx" not in repr(config.ami)
    bad = write(tmp_path / "bad.toml", "[ami]\nsecret = 12345678\n")
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert "ami.secret must be text" in caught.value.message and "12345678" not in caught.value.message


def test_the_ami_login_is_md5_unless_the_file_says_plain(tmp_path: Path) -> None:
    from agent_desktop.settings import ami_settings

    assert load_config().ami.auth_type == "md5"
    plain = load_config(write(tmp_path / "config.toml", '[ami]\nauth_type = "PLAIN"\n'))
    assert plain.ami.auth_type == "plain"
    assert ami_settings(plain, secret="pw").auth_type == "plain"
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path / "bad.toml", '[ami]\nauth_type = "sha1"\n'))
    assert "ami.auth_type must be 'md5' or 'plain'" in caught.value.message


def test_the_ami_secret_comes_from_the_environment_before_the_file(tmp_path: Path) -> None:
    from agent_desktop.settings import ami_secret

    config = load_config(write(tmp_path / "config.toml", '[ami]\nsecret_env = "PBX_SECRET"\nsecret = "file"\n'))
    assert ami_secret(config, {}) == "file"
    assert ami_secret(config, {"PBX_SECRET": "named"}) == "named"
    assert ami_secret(config, {"PBX_SECRET": "named", "AGENT_DESKTOP_AMI_SECRET": "standard"}) == "standard"
    assert ami_secret(load_config(), {}) is None


def test_the_adapters_settings_are_built_from_the_config(tmp_path: Path) -> None:
    from agent_desktop.settings import ami_settings, seat_config

    path = write(tmp_path / "config.toml", '[ami]\nhost = "pbx"\nport = 5039\nuser = "seat07"\n'
                                           '[seat]\ninterface = "PJSIP/1007"\nqueues = ["q1", "q2"]\n'
                                           'after_call_work_s = 12\nhotline_number = "96345"\n'
                                           'recordings_dir = "/srv/recordings/"\n')
    config = load_config(path)
    settings = ami_settings(config, secret="pw", ping_interval=0.0)
    assert (settings.host, settings.port, settings.username, settings.secret) == ("pbx", 5039, "seat07", "pw")
    assert settings.ping_interval == 0.0 and "pw" not in repr(settings)
    seat = seat_config(config)
    assert seat.interface == "PJSIP/1007" and seat.queues == ("q1", "q2")
    assert seat.after_call_work_seconds == 12.0 and seat.hotline_number == seat.hotline_name == "96345"
    assert seat.recordings_dir == "/srv/recordings/"  # a survey's recording is played to the seat from there
    bare = load_config(write(tmp_path / "bare.toml", '[seat]\ninterface = "PJSIP/1"\n'))
    assert seat_config(bare).recordings_dir == "/var/spool/asterisk/monitor"
    assert seat_config(config, interface="PJSIP/1001", hotline_number=None).interface == "PJSIP/1001"
    with pytest.raises(ConfigError, match="no seat interface"):
        seat_config(load_config())


def test_the_speech_service_options_come_from_asr(tmp_path: Path) -> None:
    import inspect

    from agent_desktop.settings import speech_service_options
    from asr.service import SpeechService

    config = load_config(write(tmp_path / "config.toml",
                               '[asr]\nmodel_dir = "m"\nlisten_port = 9100\nadvertise_host = "10.0.0.7"\n'))
    options = speech_service_options(config)
    assert set(options) <= set(inspect.signature(SpeechService).parameters)  # the real names, not guesses
    assert options["listen_port"] == 9100 and options["advertise_host"] == "10.0.0.7"
    assert options["model_dir"] == tmp_path / "m"
