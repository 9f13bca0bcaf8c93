"""Tests of the working-day calendar (RULES.md "Working days", tech brief §8).

The 2026 expectations are written out by hand from the State Council's 2026 schedule; `chinese_calendar` is
used only as an oracle in one property test over 2004–2026. Years the package does not cover (2027 in
chinese-calendar 1.11, and anything before 2004) exercise the overrides file and the Monday–Friday fallback.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_desktop.core.errors import CalendarError, ConfigError, InvalidCommand
from agent_desktop.core.working_days import (
    DaySource,
    FallbackNotice,
    HolidayOverrides,
    WorkingDayCalendar,
    YearOverride,
    load_overrides,
    parse_overrides,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def shanghai(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


# The fallback tests are about a year the package does not know; 2027 is that year for chinese-calendar 1.11.
needs_2027_uncovered = pytest.mark.skipif(
    _package_covers(2027),
    reason="chinese-calendar now covers 2027; move the fallback tests to the next uncovered year",
)

OVERRIDES_2027_TEXT = """\
# 2027 schedule as an administrator would type it (the dates after 01-01 are made up for the test)
[years.2027]
holidays = ["2027-01-01", "2027-02-10", "2027-02-11"]
working_weekends = ["2027-01-03", "2027-02-07"]   # 调休上班日: two Sundays
"""


@pytest.fixture
def calendar() -> WorkingDayCalendar:
    return WorkingDayCalendar()


@pytest.fixture
def calendar_2027() -> WorkingDayCalendar:
    return WorkingDayCalendar(parse_overrides(OVERRIDES_2027_TEXT, source="holidays.toml"))


# --- is_working_day in 2026


@pytest.mark.parametrize(
    ("day", "weekday"),
    [
        pytest.param(date(2026, 1, 1), THU, id="new-year"),
        pytest.param(date(2026, 1, 2), FRI, id="new-year-bridge"),
        *[
            pytest.param(date(2026, 2, d), (d - 15 + SUN) % 7, id=f"spring-festival-02-{d}")
            for d in range(15, 24)
        ],
        pytest.param(date(2026, 9, 25), FRI, id="mid-autumn"),
        *[
            pytest.param(date(2026, 10, d), (d - 1 + THU) % 7, id=f"national-day-10-0{d}")
            for d in range(1, 8)
        ],
    ],
)
def test_statutory_holidays_of_2026_are_not_working_days(
    calendar: WorkingDayCalendar, day: date, weekday: int
):
    assert day.weekday() == weekday  # guards the table itself
    assert calendar.is_working_day(day) is False


@pytest.mark.parametrize(
    ("day", "weekday"),
    [
        pytest.param(date(2026, 1, 4), SUN, id="new-year-adjusted-sunday"),
        pytest.param(date(2026, 2, 14), SAT, id="spring-festival-adjusted-saturday-before"),
        pytest.param(date(2026, 2, 28), SAT, id="spring-festival-adjusted-saturday-after"),
        pytest.param(date(2026, 9, 20), SUN, id="national-day-adjusted-sunday"),
        pytest.param(date(2026, 10, 10), SAT, id="national-day-adjusted-saturday"),
    ],
)
def test_adjusted_working_weekends_of_2026_are_working_days(
    calendar: WorkingDayCalendar, day: date, weekday: int
):
    assert day.weekday() == weekday
    assert calendar.is_working_day(day) is True


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 9, 24),
        date(2026, 9, 28),
        date(2026, 2, 24),
        date(2026, 1, 5),
    ],
    ids=str,
)
def test_ordinary_weekdays_around_the_2026_holidays_are_working_days(calendar: WorkingDayCalendar, day: date):
    assert day.weekday() < 5
    assert calendar.is_working_day(day) is True


@pytest.mark.parametrize(
    "day", [date(2026, 9, 19), date(2026, 10, 11), date(2026, 3, 1), date(2026, 1, 3)], ids=str
)
def test_ordinary_weekends_of_2026_are_not_working_days(calendar: WorkingDayCalendar, day: date):
    assert day.weekday() >= 5
    assert calendar.is_working_day(day) is False


def test_2026_has_248_working_days(calendar: WorkingDayCalendar):
    # 248 working days, 6 of them adjusted weekends (tech brief §8, checked against the State Council notice)
    assert calendar.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 248


def test_2026_comes_from_the_package_and_records_no_notice(calendar: WorkingDayCalendar):
    assert calendar.source_for(2026) is DaySource.PACKAGE
    calendar.add_working_days(date(2026, 1, 1), 200)
    assert calendar.notices == ()


# --- due()


def test_ten_working_days_across_national_day(calendar: WorkingDayCalendar):
    # 09-30 (1), 10-01..07 off, 10-08 (2), 10-09 (3), Saturday 10-10 (4), 10-12..16 (5..9), 10-19 (10)
    due = calendar.due(shanghai(2026, 9, 29, 9, 0), 10)
    assert due == shanghai(2026, 10, 19, 17, 30)
    assert due.utcoffset() == timedelta(hours=8)
    assert due.tzinfo == SHANGHAI


@pytest.mark.parametrize(("hour", "minute"), [(0, 1), (9, 0), (17, 29), (17, 31), (23, 59)])
def test_the_events_own_day_never_counts_whatever_the_time(
    calendar: WorkingDayCalendar, hour: int, minute: int
):
    assert calendar.due(shanghai(2026, 9, 29, hour, minute), 1) == shanghai(2026, 9, 30, 17, 30)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        pytest.param(shanghai(2026, 10, 3, 10, 0), shanghai(2026, 10, 8, 17, 30), id="on-national-day"),
        pytest.param(shanghai(2026, 10, 7, 23, 59), shanghai(2026, 10, 8, 17, 30), id="last-holiday-late"),
        pytest.param(shanghai(2026, 9, 30, 0, 1), shanghai(2026, 10, 8, 17, 30), id="eve-of-national-day"),
        pytest.param(shanghai(2026, 9, 25, 12, 0), shanghai(2026, 9, 28, 17, 30), id="on-mid-autumn"),
        pytest.param(shanghai(2026, 9, 20, 12, 0), shanghai(2026, 9, 21, 17, 30), id="on-adjusted-sunday"),
        pytest.param(
            shanghai(2026, 9, 19, 12, 0), shanghai(2026, 9, 20, 17, 30), id="saturday-before-adjusted-sunday"
        ),
        pytest.param(
            shanghai(2026, 2, 13, 18, 0), shanghai(2026, 2, 14, 17, 30), id="friday-before-adjusted-saturday"
        ),
        pytest.param(shanghai(2026, 2, 14, 18, 0), shanghai(2026, 2, 24, 17, 30), id="over-spring-festival"),
        pytest.param(shanghai(2025, 12, 31, 18, 0), shanghai(2026, 1, 4, 17, 30), id="over-new-year"),
    ],
)
def test_due_over_holidays_and_adjusted_weekends(
    calendar: WorkingDayCalendar, event: datetime, expected: datetime
):
    assert calendar.due(event, 1) == expected


def test_event_given_in_utc_counts_from_its_shanghai_day(calendar: WorkingDayCalendar):
    event = datetime(2026, 9, 28, 17, 0, tzinfo=UTC)  # already 09-29 01:00 in Shanghai
    assert calendar.local_date(event) == date(2026, 9, 29)
    assert calendar.due(event, 1) == shanghai(2026, 9, 30, 17, 30)
    # one minute earlier in Shanghai terms is still 09-28, so 09-29 is the first working day
    assert calendar.due(datetime(2026, 9, 28, 15, 59, tzinfo=UTC), 1) == shanghai(2026, 9, 29, 17, 30)


def test_office_close_is_configurable(calendar: WorkingDayCalendar):
    late = WorkingDayCalendar(office_close=time(18, 0))
    assert late.office_close == time(18, 0)
    assert calendar.office_close == time(17, 30)
    assert late.due(shanghai(2026, 9, 29, 9, 0), 10) == shanghai(2026, 10, 19, 18, 0)


def test_time_zone_is_configurable():
    utc_calendar = WorkingDayCalendar(timezone="UTC")
    assert utc_calendar.zone == ZoneInfo("UTC")
    # in UTC the event is still on 09-28, so one working day later is 09-29, closing at 17:30 UTC
    assert utc_calendar.due(datetime(2026, 9, 28, 17, 0, tzinfo=UTC), 1) == datetime(
        2026, 9, 29, 17, 30, tzinfo=UTC
    )


def test_extend_moves_a_due_time_by_working_days(calendar: WorkingDayCalendar):
    due = shanghai(2026, 9, 30, 17, 30)
    assert calendar.extend(due, 1) == shanghai(2026, 10, 8, 17, 30)
    assert calendar.extend(due, 10) == shanghai(2026, 10, 20, 17, 30)


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 9, 29, 9, 0), date(2026, 9, 29), "2026-09-29T09:00+08:00"],
    ids=["naive", "date", "str"],
)
def test_due_refuses_anything_but_an_aware_datetime(calendar: WorkingDayCalendar, moment):
    with pytest.raises(InvalidCommand) as info:
        calendar.due(moment, 1)
    assert info.value.code == "naive_datetime"
    with pytest.raises(InvalidCommand):
        calendar.local_date(moment)


@pytest.mark.parametrize("count", [0, -1, -10])
def test_a_count_below_one_is_a_calendar_error(calendar: WorkingDayCalendar, count: int):
    with pytest.raises(CalendarError) as info:
        calendar.due(shanghai(2026, 9, 29, 9, 0), count)
    assert info.value.code == "bad_working_days"
    assert str(count) in str(info.value)
    with pytest.raises(CalendarError):
        calendar.add_working_days(date(2026, 9, 29), count)


# --- crossing into 2027 and other uncovered years


@needs_2027_uncovered
def test_crossing_into_2027_without_overrides_counts_monday_to_friday(calendar: WorkingDayCalendar):
    assert calendar.notices == ()
    # 12-31 (1), then Friday 2027-01-01 counts because nobody told us it is a holiday (2)
    assert calendar.due(shanghai(2026, 12, 30, 10, 0), 2) == shanghai(2027, 1, 1, 17, 30)
    assert calendar.is_working_day(date(2027, 1, 2)) is False  # Saturday
    assert calendar.is_working_day(date(2027, 1, 3)) is False  # Sunday
    assert calendar.is_working_day(date(2027, 1, 4)) is True  # Monday
    assert calendar.add_working_days(date(2026, 12, 30), 5) == date(2027, 1, 6)
    assert calendar.notices == (FallbackNotice(2027),)  # one notice per year, however often it was consulted
    text = str(calendar.notices[0])
    assert "2027" in text
    assert "overrides file" in text


def test_a_year_before_the_package_falls_back_too(calendar: WorkingDayCalendar):
    assert (
        calendar.is_working_day(date(2003, 10, 1)) is True
    )  # a Wednesday; the real holiday is unknown to us
    assert calendar.is_working_day(date(2003, 10, 4)) is False  # Saturday
    assert calendar.notices == (FallbackNotice(2003),)
    assert "2003" in str(calendar.notices[0])


@needs_2027_uncovered
def test_notices_are_sorted_by_year(calendar: WorkingDayCalendar):
    calendar.is_working_day(date(2028, 5, 1))
    calendar.is_working_day(date(2003, 5, 1))
    calendar.is_working_day(date(2027, 5, 1))
    assert [n.year for n in calendar.notices] == [2003, 2027, 2028]


def test_crossing_into_2027_with_overrides(calendar_2027: WorkingDayCalendar):
    assert calendar_2027.is_working_day(date(2027, 1, 1)) is False  # declared holiday, a Friday
    assert calendar_2027.is_working_day(date(2027, 1, 3)) is True  # declared adjusted working Sunday
    assert calendar_2027.is_working_day(date(2027, 1, 2)) is False  # undeclared Saturday stays off
    assert calendar_2027.is_working_day(date(2027, 1, 4)) is True  # undeclared Monday stays on
    # 12-31 (1), 01-01 skipped, Saturday 01-02 off, Sunday 01-03 worked (2)
    assert calendar_2027.due(shanghai(2026, 12, 30, 10, 0), 2) == shanghai(2027, 1, 3, 17, 30)
    # Sunday 02-07 worked, 02-10 and 02-11 off: 02-05 -> 02-07 (1), 02-08 (2), 02-09 (3), 02-12 (4)
    assert calendar_2027.add_working_days(date(2027, 2, 5), 4) == date(2027, 2, 12)
    assert calendar_2027.notices == ()


def test_overrides_for_a_year_the_package_covers_replace_the_package():
    """Documented behaviour: a [years.N] table replaces the package's schedule for N entirely; it is not
    merged. An administrator who overrides a covered year must list all its holidays and working weekends."""
    overrides = parse_overrides('[years.2026]\nholidays = ["2026-10-01"]\n', source="o.toml")
    cal = WorkingDayCalendar(overrides)
    assert cal.source_for(2026) is DaySource.OVERRIDES
    assert cal.is_working_day(date(2026, 10, 1)) is False  # declared
    assert (
        cal.is_working_day(date(2026, 10, 2)) is True
    )  # a package holiday, not declared: now a working Friday
    assert cal.is_working_day(date(2026, 9, 20)) is False  # a package adjusted Sunday, not declared: now off
    assert cal.is_working_day(date(2025, 10, 1)) is False  # other years still come from the package
    assert cal.notices == ()


@pytest.mark.parametrize(
    ("overrides_text", "year", "expected"),
    [
        pytest.param(None, 2026, DaySource.PACKAGE, id="2026"),
        pytest.param(None, 2004, DaySource.PACKAGE, id="2004"),
        pytest.param(OVERRIDES_2027_TEXT, 2027, DaySource.OVERRIDES, id="2027-with-overrides"),
        pytest.param(OVERRIDES_2027_TEXT, 2026, DaySource.PACKAGE, id="2026-with-2027-overrides"),
        pytest.param(OVERRIDES_2027_TEXT, 2028, DaySource.FALLBACK, id="2028-with-2027-overrides"),
        pytest.param(None, 2003, DaySource.FALLBACK, id="2003"),
        pytest.param(None, 2027, DaySource.FALLBACK, id="2027-without-overrides", marks=needs_2027_uncovered),
    ],
)
def test_source_for(overrides_text: str | None, year: int, expected: DaySource):
    overrides = parse_overrides(overrides_text, source="o.toml") if overrides_text else None
    cal = WorkingDayCalendar(overrides)
    assert cal.source_for(year) is expected
    assert cal.notices == ()  # asking where a year comes from is not consulting it


def test_a_calendar_without_any_working_day_is_a_calendar_error():
    # an overrides file that declares four whole years as holidays by mistake
    lines = []
    for year in range(2027, 2031):
        days = [date(year, 1, 1) + timedelta(days=i) for i in range(366)]
        listed = ", ".join(f'"{d.isoformat()}"' for d in days if d.year == year)
        lines.append(f"[years.{year}]\nholidays = [{listed}]\n")
    cal = WorkingDayCalendar(parse_overrides("".join(lines), source="o.toml"))
    with pytest.raises(CalendarError) as info:
        cal.add_working_days(date(2026, 12, 31), 1)
    assert info.value.code == "no_working_day"
    assert "overrides" in str(info.value)


# --- parse_overrides / load_overrides


def test_parse_overrides_reads_strings_and_toml_dates():
    text = (
        "[years.2027]\n"
        'holidays = ["2027-01-01", 2027-02-10]\n'
        "working_weekends = [2027-02-07]\n"
        "[years.2028]\n"  # a year with nothing declared is still a declared year
    )
    overrides = parse_overrides(text, source="holidays.toml")
    assert overrides.source == "holidays.toml"
    assert overrides.for_year(2027) == YearOverride(
        2027, frozenset({date(2027, 1, 1), date(2027, 2, 10)}), frozenset({date(2027, 2, 7)})
    )
    assert overrides.for_year(2028) == YearOverride(2028, frozenset(), frozenset())
    assert overrides.for_year(2029) is None
    assert WorkingDayCalendar(overrides).source_for(2028) is DaySource.OVERRIDES


def test_an_empty_overrides_file_declares_nothing():
    overrides = parse_overrides("# nothing yet\n", source="holidays.toml")
    assert overrides.for_year(2027) is None
    assert HolidayOverrides().source == "(none)"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("[years.2027\n", "not valid TOML", id="invalid-toml"),
        pytest.param(
            'version = 1\n[years.2027]\nholidays = ["2027-01-01"]\n', "version", id="unknown-top-key"
        ),
        pytest.param("years = 5\n", "[years]", id="years-not-a-table"),
        pytest.param('[years.27]\nholidays = ["2027-01-01"]\n', "'27'", id="two-digit-year"),
        pytest.param("[years.abcd]\n", "'abcd'", id="letters-year"),
        pytest.param("[years.20270]\n", "'20270'", id="five-digit-year"),
        pytest.param("[years]\n2027 = 5\n", "years.2027", id="year-not-a-table"),
        pytest.param('[years.2027]\nholiday = ["2027-01-01"]\n', "holiday", id="unknown-year-key"),
        pytest.param('[years.2027]\nholidays = "2027-01-01"\n', "list of dates", id="holidays-not-a-list"),
        pytest.param(
            '[years.2027]\nholidays = ["2026-12-31"]\n', "2026-12-31 is not in 2027", id="date-outside-year"
        ),
        pytest.param(
            '[years.2027]\nworking_weekends = ["2028-01-01"]\n',
            "2028-01-01 is not in 2027",
            id="weekend-outside-year",
        ),
        pytest.param(
            '[years.2027]\nworking_weekends = ["2027-01-05"]\n',
            "2027-01-05 is not a Saturday",
            id="weekday-as-weekend",
        ),
        pytest.param(
            '[years.2027]\nholidays = ["2027-02-06"]\nworking_weekends = ["2027-02-06"]\n',
            "2027-02-06 both a holiday and a working day",
            id="in-both-lists",
        ),
        pytest.param(
            '[years.2027]\nholidays = ["2027-02-30"]\n', "'2027-02-30' is not a date", id="impossible-date"
        ),
        pytest.param('[years.2027]\nholidays = ["next friday"]\n', "'next friday' is not a date", id="words"),
        pytest.param("[years.2027]\nholidays = [20270101]\n", "20270101 is not a date", id="integer"),
        pytest.param("[years.2027]\nholidays = [2027-01-01T09:00:00]\n", "is not a date", id="toml-datetime"),
    ],
)
def test_parse_overrides_rejects_mistakes_naming_the_file(text: str, fragment: str):
    with pytest.raises(ConfigError) as info:
        parse_overrides(text, source="/etc/agent-desktop/holidays.toml")
    assert info.value.code == "bad_overrides"
    message = str(info.value)
    assert "/etc/agent-desktop/holidays.toml" in message
    assert fragment in message


def test_a_year_key_of_unicode_digits_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        parse_overrides('[years."²⁰²⁷"]\n', source="holidays.toml")
    assert info.value.code == "bad_overrides"


def test_load_overrides_reads_a_utf8_file(tmp_path: Path):
    path = tmp_path / "holidays.toml"
    path.write_text("# 2027年节假日安排（国务院办公厅通知）\n" + OVERRIDES_2027_TEXT, encoding="utf-8")
    overrides = load_overrides(path)
    assert overrides.source == str(path)
    year = overrides.for_year(2027)
    assert year is not None
    assert date(2027, 1, 1) in year.holidays


def test_load_overrides_names_the_file_in_its_parse_errors(tmp_path: Path):
    path = tmp_path / "holidays.toml"
    path.write_text('[years.2027]\nworking_weekends = ["2027-01-05"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_overrides(path)
    assert info.value.code == "bad_overrides"
    assert str(path) in str(info.value)


def test_load_overrides_on_a_missing_file_is_unreadable_file(tmp_path: Path):
    path = tmp_path / "absent.toml"
    with pytest.raises(ConfigError) as info:
        load_overrides(path)
    assert info.value.code == "unreadable_file"
    assert str(path) in str(info.value)


def test_load_overrides_on_a_file_that_is_not_utf8_is_unreadable_file(tmp_path: Path):
    path = tmp_path / "holidays.toml"
    path.write_bytes("# 节假日\n".encode("gbk"))
    with pytest.raises(ConfigError) as info:
        load_overrides(path)
    assert info.value.code == "unreadable_file"


# --- what the calendar accepts as a day


def test_a_datetime_is_refused_where_a_day_is_expected(calendar_2027: WorkingDayCalendar):
    with pytest.raises(InvalidCommand):
        calendar_2027.is_working_day(
            datetime(2027, 1, 1, 9, 0)
        )  # today: True, although 2027-01-01 is a holiday


# --- working_days_between


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(date(2026, 9, 29), date(2026, 10, 19), 10, id="national-day"),
        pytest.param(date(2026, 10, 1), date(2026, 10, 7), 0, id="inside-the-holiday"),
        pytest.param(date(2026, 9, 29), date(2026, 9, 29), 0, id="same-day"),
        pytest.param(date(2026, 10, 19), date(2026, 9, 29), 0, id="end-before-start"),
        pytest.param(date(2026, 9, 19), date(2026, 9, 20), 1, id="end-is-adjusted-sunday"),
        pytest.param(date(2026, 9, 20), date(2026, 9, 21), 1, id="start-excluded"),
    ],
)
def test_working_days_between_examples(calendar: WorkingDayCalendar, start: date, end: date, expected: int):
    assert calendar.working_days_between(start, end) == expected


@pytest.mark.parametrize("count", [1, 2, 5, 10, 30])
def test_working_days_between_agrees_with_add_working_days(calendar: WorkingDayCalendar, count: int):
    for start in (date(2026, 9, 20), date(2026, 9, 30), date(2026, 2, 13), date(2026, 12, 25)):
        end = calendar.add_working_days(start, count)
        assert calendar.working_days_between(start, end) == count
        # the day before the result is one working day short
        assert calendar.working_days_between(start, end - timedelta(days=1)) == count - 1


# --- properties

# One calendar with no overrides: 2004–2026 come from the package, 2027–2031 from the Monday–Friday fallback.
_PROPERTY_CALENDAR = WorkingDayCalendar()
_PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)
days = st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31))
counts = st.integers(min_value=1, max_value=60)


@_PROPERTY_SETTINGS
@given(day=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)))
def test_is_working_day_matches_chinese_calendar_2004_to_2026(day: date):
    assert _PROPERTY_CALENDAR.is_working_day(day) is chinese_calendar.is_workday(day)


@needs_2027_uncovered
@_PROPERTY_SETTINGS
@given(day=st.dates(min_value=date(2027, 1, 1), max_value=date(2030, 12, 31)))
def test_fallback_years_are_monday_to_friday(day: date):
    assert _PROPERTY_CALENDAR.is_working_day(day) is (day.weekday() < 5)


@_PROPERTY_SETTINGS
@given(day=days, n=counts, m=counts)
def test_more_working_days_end_strictly_later(day: date, n: int, m: int):
    if n == m:
        return
    n, m = sorted((n, m))
    assert _PROPERTY_CALENDAR.add_working_days(day, n) < _PROPERTY_CALENDAR.add_working_days(day, m)


@_PROPERTY_SETTINGS
@given(d1=days, d2=days, n=counts)
def test_a_later_start_never_ends_earlier(d1: date, d2: date, n: int):
    d1, d2 = sorted((d1, d2))
    assert _PROPERTY_CALENDAR.add_working_days(d1, n) <= _PROPERTY_CALENDAR.add_working_days(d2, n)


@_PROPERTY_SETTINGS
@given(day=days, n=counts)
def test_the_result_is_a_later_working_day_n_working_days_on(day: date, n: int):
    result = _PROPERTY_CALENDAR.add_working_days(day, n)
    assert result > day
    assert _PROPERTY_CALENDAR.is_working_day(result)
    assert _PROPERTY_CALENDAR.working_days_between(day, result) == n


@_PROPERTY_SETTINGS
@given(day=days, n=counts, m=counts)
def test_adding_working_days_composes(day: date, n: int, m: int):
    cal = _PROPERTY_CALENDAR
    assert cal.add_working_days(cal.add_working_days(day, n), m) == cal.add_working_days(day, n + m)


@_PROPERTY_SETTINGS
@given(day=days, n=counts, hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_due_is_the_office_close_of_the_nth_working_day_after_the_local_day(
    day: date, n: int, hour: int, minute: int
):
    event = datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)
    due = _PROPERTY_CALENDAR.due(event, n)
    assert due == datetime.combine(_PROPERTY_CALENDAR.add_working_days(day, n), time(17, 30), tzinfo=SHANGHAI)
    assert due > event
