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


def test_the_readme_documents_every_rule_parameter_with_its_article() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = {
        cells[0].strip("` "): cells
        for line in readme.splitlines()
        if line.startswith("| `") and len(cells := [c.strip() for c in line.strip("|").split("|")]) == 4
    }
    defaults = RuleParameters()
    for name, article, _ in RuleParameters.describe_fields():
        assert name in rows, f"README.md's [rules] table lacks {name}"
        assert rows[name][2] == article, f"README.md gives {name} the article {rows[name][2]}, not {article}"
        value = getattr(defaults, name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert rows[name][1] == str(value), f"README.md gives {name} the default {rows[name][1]}, not {value}"
