"""`agent-desktop rules due` and `rules show`: the due times of the regulation's examples, the warnings, the errors,
and the sources of the parameters — through `main()` and once through the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agent_desktop.cli import main
from agent_desktop.config import ENV_HOLIDAYS
from agent_desktop.core.working_days import parse_overrides

REPO = Path(__file__).resolve().parents[3]
SHIPPED_OVERRIDES = REPO / "resources" / "holidays" / "overrides.toml"

# A test-made schedule for 2027 (not the real one, which is unknown): New Year's Day and the Monday after it off,
# Saturday 2027-01-09 worked.
OVERRIDES_2027 = """
[years.2027]
holidays = ["2027-01-01", "2027-01-04"]
working_weekends = ["2027-01-09"]
"""


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's own config file or environment."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv(ENV_HOLIDAYS, raising=False)
    monkeypatch.delenv("AGENT_DESKTOP_RESOURCES", raising=False)  # the shipped resources/ folder
    return home


@pytest.fixture
def no_overrides(tmp_path: Path) -> Path:
    """An overrides file declaring no year, so the test does not depend on what the shipped file declares."""
    path = tmp_path / "no-years.toml"
    path.write_text("# no year declared\n", encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def due(capsys: pytest.CaptureFixture[str], start: str, *more: str) -> tuple[int, str, str]:
    return run(capsys, "rules", "due", "--from", start, *more)


def assert_one_error_line(err: str, *fragments: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("agent-desktop: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


# --- rules due: the regulation's calendar ---------------------------------------------------------------------


def test_national_day_week_is_skipped_and_the_adjusted_saturday_counts(capsys: pytest.CaptureFixture[str]) -> None:
    # 09-30 (1), 10-01..07 holiday, 10-08 (2), 10-09 (3), Sat 10-10 adjusted working day (4), 10-12..16 (5-9), 10-19
    assert due(capsys, "2026-09-29T09:00", "--working-days", "10") == (0, "2026-10-19T17:30:00+08:00\n", "")


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Mid-Autumn Festival 2026: Friday 09-25 is a holiday, the weekend is not worked
        ("2026-09-24T10:00", 1, "2026-09-28T17:30:00+08:00"),
        # Spring Festival 2026: 02-15..02-23 holidays; Saturdays 02-14 and 02-28 are adjusted working days
        ("2026-02-13T09:00", 1, "2026-02-14T17:30:00+08:00"),
        ("2026-02-13T09:00", 2, "2026-02-24T17:30:00+08:00"),
        ("2026-02-27T16:00", 1, "2026-02-28T17:30:00+08:00"),
        # the event's own day never counts, even at one minute past midnight
        ("2026-03-02T00:01", 1, "2026-03-03T17:30:00+08:00"),
    ],
)
def test_holidays_and_adjusted_working_days_of_2026(
    capsys: pytest.CaptureFixture[str], start: str, days: int, expected: str
) -> None:
    assert due(capsys, start, "--working-days", str(days)) == (0, expected + "\n", "")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-09-29T01:00+00:00", "2026-10-19T17:30:00+08:00"),  # 09:00 in Changsha
        ("2026-09-29T01:00Z", "2026-10-19T17:30:00+08:00"),
        ("2026-09-29T20:00-05:00", "2026-10-20T17:30:00+08:00"),  # already 09-30 09:00 in Changsha
        ("2026-09-29T09:00+08:00", "2026-10-19T17:30:00+08:00"),
    ],
)
def test_a_time_with_an_offset_is_converted_to_hotline_time(
    capsys: pytest.CaptureFixture[str], start: str, expected: str
) -> None:
    assert due(capsys, start, "--working-days", "10") == (0, expected + "\n", "")


def test_clock_hours_ignore_holidays(capsys: pytest.CaptureFixture[str]) -> None:
    # 第26条's 72 hours run straight through the National Day holiday
    assert due(capsys, "2026-09-29T09:00", "--hours", "72") == (0, "2026-10-02T09:00:00+08:00\n", "")
    assert due(capsys, "2026-09-30T23:30Z", "--hours", "2") == (0, "2026-10-01T09:30:00+08:00\n", "")


def test_office_close_and_time_zone_come_from_the_config_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[rules]\noffice_close = "18:00"\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(config), "rules", "due", "--from", "2026-09-29T09:00",
                       "--working-days", "10")
    assert (code, out) == (0, "2026-10-19T18:00:00+08:00\n")


# --- rules due: years chinese-calendar does not know ------------------------------------------------------------


def test_crossing_into_2027_without_overrides_works_and_warns(
    capsys: pytest.CaptureFixture[str], no_overrides: Path
) -> None:
    code, out, err = due(capsys, "2026-12-30T10:00", "--working-days", "2", "--holidays", str(no_overrides))
    assert (code, out) == (0, "2027-01-01T17:30:00+08:00\n")  # Monday–Friday: New Year's Day counted
    [line] = err.splitlines()
    assert line.startswith("agent-desktop: warning: no holiday schedule for 2027")
    assert "overrides file" in line


def test_crossing_into_2027_with_the_shipped_file_falls_back_unless_it_declares_2027(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = due(capsys, "2026-12-24T10:00", "--working-days", "10")
    assert code == 0
    shipped = parse_overrides(SHIPPED_OVERRIDES.read_text(encoding="utf-8"), source="shipped")
    if 2027 in shipped.years:  # an administrator has added the published schedule
        assert err == ""
    else:
        assert out == "2027-01-07T17:30:00+08:00\n"
        assert "no holiday schedule for 2027" in err


def test_an_overrides_file_for_2027_is_honoured_without_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    overrides = tmp_path / "holidays-2027.toml"
    overrides.write_text(OVERRIDES_2027, encoding="utf-8")
    # 12-31 (1), 2027-01-01 and 01-04 declared holidays, 01-05 (2)
    assert due(capsys, "2026-12-30T10:00", "--working-days", "2", "--holidays", str(overrides)) == (
        0, "2027-01-05T17:30:00+08:00\n", "",
    )
    # the declared working Saturday counts: 01-05 (1), 06, 07, 08, Sat 01-09 (5)
    code, out, err = due(capsys, "2027-01-04T10:00", "--working-days", "5", "--holidays", str(overrides))
    assert (code, out, err) == (0, "2027-01-09T17:30:00+08:00\n", "")


def test_overrides_file_from_the_environment_and_the_config_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "h.toml").write_text(OVERRIDES_2027, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[calendar]\nholidays = "h.toml"\n', encoding="utf-8")
    argv = ["rules", "due", "--from", "2026-12-30T10:00", "--working-days", "2"]
    assert run(capsys, "--config", str(config), *argv) == (0, "2027-01-05T17:30:00+08:00\n", "")
    monkeypatch.setenv(ENV_HOLIDAYS, str(tmp_path / "h.toml"))
    assert run(capsys, *argv) == (0, "2027-01-05T17:30:00+08:00\n", "")


# --- rules due: errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["2026-02-30T09:00", "yesterday", "2026-09-29T25:00", ""])
def test_a_bad_date_is_one_error_line(capsys: pytest.CaptureFixture[str], start: str) -> None:
    code, out, err = due(capsys, start, "--working-days", "10")
    assert (code, out) == (1, "")
    assert_one_error_line(err, "--from", "2026-09-29T09:00")


@pytest.mark.parametrize("days", ["0", "-3"])
def test_working_days_below_one_are_refused(capsys: pytest.CaptureFixture[str], days: str) -> None:
    code, out, err = due(capsys, "2026-09-29T09:00", "--working-days", days)
    assert (code, out) == (1, "")
    assert_one_error_line(err, "at least 1", days)


def test_hours_below_one_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = due(capsys, "2026-09-29T09:00", "--hours", "0")
    assert (code, out) == (1, "")
    assert_one_error_line(err, "--hours")


def test_a_date_beyond_the_calendar_is_an_error_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = due(capsys, "9999-12-30T09:00", "--working-days", "5")
    assert code == 1
    assert_one_error_line(err, "9999")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[years.2027\n", "not valid TOML"),
        ('[years.2027]\nholidays = ["2027-02-30"]\n', "2027-02-30"),
        ('[years.2027]\nholidays = ["2028-01-01"]\n', "not in 2027"),
        ('[years.2027]\nworking_weekends = ["2027-01-05"]\n', "not a Saturday or Sunday"),
    ],
)
def test_a_malformed_overrides_file_is_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, fragment: str
) -> None:
    overrides = tmp_path / "bad.toml"
    overrides.write_text(text, encoding="utf-8")
    code, out, err = due(capsys, "2026-09-29T09:00", "--working-days", "10", "--holidays", str(overrides))
    assert (code, out) == (1, "")
    assert_one_error_line(err, str(overrides), fragment)


def test_a_missing_overrides_file_is_one_error_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    code, _, err = due(capsys, "2026-09-29T09:00", "--working-days", "10", "--holidays", str(missing))
    assert code == 1
    assert_one_error_line(err, str(missing))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[rules]\nsign_limit_days = 2\n", "sign_limit_days"),
        ("[asterisk]\nhost = 'pbx'\n", "asterisk"),
        ("[rules\n", "not valid TOML"),
    ],
)
def test_a_bad_config_file_is_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, fragment: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    for argv in (["rules", "due", "--from", "2026-09-29T09:00", "--working-days", "1"], ["rules", "show"]):
        code, out, err = run(capsys, "--config", str(config), *argv)
        assert (code, out) == (1, "")
        assert_one_error_line(err, fragment, str(config))


def test_the_user_config_file_is_read_without_config_option(
    capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    config = isolated_dirs / "config" / "agent-desktop" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[rules]\nsign_limit_wd = 2\n[bogus]\n", encoding="utf-8")
    code, _, err = run(capsys, "rules", "show")
    assert code == 1
    assert_one_error_line(err, "bogus", str(config))


@pytest.mark.parametrize(
    "argv",
    [
        ["rules", "due", "--from", "2026-09-29T09:00"],  # neither --working-days nor --hours
        ["rules", "due", "--from", "2026-09-29T09:00", "--working-days", "2", "--hours", "3"],
        ["rules", "due", "--working-days", "2"],
        ["rules", "due", "--from", "2026-09-29T09:00", "--working-days", "ten"],
        ["rules"],
    ],
)
def test_usage_errors_are_argparse_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


# --- rules show -------------------------------------------------------------------------------------------------


def test_show_lists_every_parameter_with_article_description_and_default_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "rules", "show")
    assert (code, err) == (0, "")
    assert "Configuration: defaults (no config file at " in out
    assert "  sign_limit_wd = 1  [default]\n      第17条: units sign within the next working day\n" in out
    assert "  office_close = 17:30  [default]\n" in out
    limits = "咨询=3, 查询=3, 求助=10, 投诉=10, 举报=10, 建议=10, 表扬=10, 批评=10"
    assert f"  handling_limits_wd = {limits}  [default]\n" in out
    assert "  no_rating_timeout_h = 72  [default]\n      第26条: " in out
    assert "chinese-calendar 1.11.0: 2004–2026" in out


def test_show_names_the_config_file_as_the_source_of_a_value_from_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[rules]\nsign_limit_wd = 2\n[rules.handling_limits_wd]\n"咨询" = 5\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(config), "rules", "show")
    assert code == 0
    assert f"Configuration: config file {config}\n" in out
    assert f"  sign_limit_wd = 2  [config file {config}]\n" in out
    limits = "咨询=5, 查询=3, 求助=10, 投诉=10, 举报=10, 建议=10, 表扬=10, 批评=10"
    assert f"  handling_limits_wd = {limits}  [config file {config}]\n" in out
    assert "  return_window_wd = 2  [default]\n" in out


def test_show_json_carries_values_articles_and_sources(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[rules]\noffice_close = "18:00"\ndecrypt_roles = ["supervisor", "agent"]\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(config), "rules", "show", "--json")
    assert code == 0
    report = json.loads(out)
    params = {item["name"]: item for item in report["parameters"]}
    assert params["office_close"]["value"] == "18:00"
    assert params["office_close"]["source"] == f"config file {config}"
    assert params["decrypt_roles"]["value"] == ["agent", "supervisor"]
    assert params["sign_limit_wd"] == {
        "name": "sign_limit_wd",
        "value": 1,
        "text": "1",
        "article": "第17条",
        "description": "units sign within the next working day",
        "source": "default",
    }
    assert params["handling_limits_wd"]["value"]["consultation"] == 3
    assert report["config_file"] == str(config)
    package = report["holidays"]["chinese_calendar"]
    assert (package["first_year"], package["last_year"]) == (2004, 2026)


def test_show_lists_the_holiday_sources_by_year(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    overrides = tmp_path / "h.toml"
    overrides.write_text(OVERRIDES_2027 + '[years.2026]\nholidays = ["2026-01-01"]\n', encoding="utf-8")
    code, out, _ = run(capsys, "rules", "show", "--holidays", str(overrides))
    assert code == 0
    assert f"1. overrides file {overrides}  [--holidays]\n       years: 2026 (replaces chinese-calendar), 2027\n" in out
    assert "2. chinese-calendar 1.11.0: 2004–2026\n" in out
    assert "3. any other year: Monday–Friday, with a warning" in out
    code, out, _ = run(capsys, "rules", "show", "--json", "--holidays", str(overrides))
    holidays = json.loads(out)["holidays"]
    assert holidays["overrides_years"] == [2026, 2027]
    assert holidays["overrides_source"] == "--holidays"


def test_show_by_default_uses_the_shipped_overrides_file(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rules", "show", "--json")
    holidays = json.loads(out)["holidays"]
    assert holidays["overrides_file"] == str(SHIPPED_OVERRIDES)
    assert holidays["overrides_source"] == "default"


def test_show_refuses_a_malformed_overrides_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    overrides = tmp_path / "bad.toml"
    overrides.write_text("[years.27]\n", encoding="utf-8")
    code, out, err = run(capsys, "rules", "show", "--holidays", str(overrides))
    assert (code, out) == (1, "")
    assert_one_error_line(err, str(overrides), "four digits")


# --- the installed console script ------------------------------------------------------------------------------


def console_script() -> Path:
    found = shutil.which("agent-desktop", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the agent-desktop console script is not installed beside this Python; run scripts/test")
    return Path(found)


def test_the_console_script_prints_the_due_time_and_the_warning(tmp_path: Path, no_overrides: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in {ENV_HOLIDAYS, "AGENT_DESKTOP_RESOURCES"}}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}
    script = str(console_script())

    national_day = subprocess.run(
        [script, "rules", "due", "--from", "2026-09-29T09:00", "--working-days", "10"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert (national_day.returncode, national_day.stdout, national_day.stderr) == (
        0, "2026-10-19T17:30:00+08:00\n", "",
    )

    into_2027 = subprocess.run(
        [script, "rules", "due", "--from", "2026-12-24T10:00", "--working-days", "10", "--holidays", str(no_overrides)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert (into_2027.returncode, into_2027.stdout) == (0, "2027-01-07T17:30:00+08:00\n")
    assert into_2027.stderr.startswith("agent-desktop: warning: no holiday schedule for 2027")

    bad = subprocess.run(
        [script, "rules", "due", "--from", "2026-13-01", "--working-days", "1"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert (bad.returncode, bad.stdout) == (1, "")
    assert_one_error_line(bad.stderr, "2026-13-01")


def test_output_piped_into_a_reader_that_stops_early_is_no_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    # the seeded knowledge base as JSON is far more than a pipe buffer (~100 KB); the reader closes after one byte
    store = tmp_path / "seat.sqlite3"
    command = f"{sys.executable} -m agent_desktop kb list --json --store {store} | head -c 1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=60,
                            check=False)
    assert "Traceback" not in result.stderr
    assert "BrokenPipeError" not in result.stderr
