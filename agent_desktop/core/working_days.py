"""Working days (工作日) and deadlines in them.

A working day is Monday–Friday minus China's statutory holidays, plus the adjusted working weekends (调休上班日).
Where the answer for a year comes from, in order:
1. the overrides file, for the years it declares (an administrator adds the next year once the State Council
   publishes it, usually in November, before the `chinese-calendar` package catches up);
2. the `chinese-calendar` package (2004–2026 in 1.11);
3. Monday–Friday, with a notice recorded for that year, so the caller can warn the user: a deadline computed this
   way may land on a holiday nobody has told us about. It never raises for a date outside the package's range.

"Within N WD" ends at the office close (default 17:30 Asia/Shanghai) of the Nth working day after the triggering
event; the event's own day does not count, whatever time of day it happened.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

from agent_desktop.core.errors import CalendarError, ConfigError, InvalidCommand

# Far more than any limit of the regulation; it bounds the day-by-day walk against a calendar that declares a
# whole year as holidays by mistake.
_MAX_SCAN_DAYS = 3 * 366


class DaySource(StrEnum):
    OVERRIDES = "overrides"
    PACKAGE = "chinese-calendar"
    FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class YearOverride:
    """One year's schedule as the State Council published it."""

    year: int
    holidays: frozenset[date]
    working_weekends: frozenset[date]


@dataclass(frozen=True, slots=True)
class HolidayOverrides:
    years: Mapping[int, YearOverride] = field(default_factory=dict)
    source: str = "(none)"

    def for_year(self, year: int) -> YearOverride | None:
        return self.years.get(year)


def parse_overrides(text: str, *, source: str) -> HolidayOverrides:
    """Parse an overrides file:

        [years.2027]
        holidays = ["2027-01-01", ...]
        working_weekends = ["2027-02-07", ...]   # 调休上班日

    Every mistake is a `ConfigError` naming the file, the year and the date."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}", code="bad_overrides") from exc
    unknown = set(data) - {"years"}
    if unknown:
        raise ConfigError(f"{source}: unknown top-level key(s): {', '.join(sorted(unknown))}", code="bad_overrides")
    years_table = data.get("years", {})
    if not isinstance(years_table, dict):
        raise ConfigError(f"{source}: [years] must be a table of years", code="bad_overrides")
    years: dict[int, YearOverride] = {}
    for key, table in years_table.items():
        if not (isinstance(key, str) and len(key) == 4 and key.isascii() and key.isdigit()):
            raise ConfigError(f"{source}: year key {key!r} must be four digits", code="bad_overrides")
        year = int(key)
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: years.{key} must be a table", code="bad_overrides")
        extra = set(table) - {"holidays", "working_weekends"}
        if extra:
            raise ConfigError(f"{source}: years.{key}: unknown key(s) {', '.join(sorted(extra))}", code="bad_overrides")
        holidays = _dates(table.get("holidays", []), year, f"{source}: years.{key}.holidays")
        weekends = _dates(table.get("working_weekends", []), year, f"{source}: years.{key}.working_weekends")
        both = holidays & weekends
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ConfigError(f"{source}: years.{key}: {listed} both a holiday and a working day", code="bad_overrides")
        not_weekend = [d for d in weekends if d.weekday() < 5]
        if not_weekend:
            listed = ", ".join(d.isoformat() for d in sorted(not_weekend))
            raise ConfigError(
                f"{source}: years.{key}.working_weekends: {listed} is not a Saturday or Sunday", code="bad_overrides"
            )
        years[year] = YearOverride(year, holidays, weekends)
    return HolidayOverrides(years, source)


def load_overrides(path: Path) -> HolidayOverrides:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read holiday overrides {path}: {exc}", code="unreadable_file") from exc
    return parse_overrides(text, source=str(path))


def _dates(raw: Any, year: int, where: str) -> frozenset[date]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be a list of dates", code="bad_overrides")
    out: set[date] = set()
    for item in raw:
        if isinstance(item, date) and not isinstance(item, datetime):
            day = item
        elif isinstance(item, str):
            try:
                day = date.fromisoformat(item)
            except ValueError as exc:
                raise ConfigError(f"{where}: {item!r} is not a date (YYYY-MM-DD)", code="bad_overrides") from exc
        else:
            raise ConfigError(f"{where}: {item!r} is not a date (YYYY-MM-DD)", code="bad_overrides")
        if day.year != year:
            raise ConfigError(f"{where}: {day.isoformat()} is not in {year}", code="bad_overrides")
        out.add(day)
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class FallbackNotice:
    """A year whose working days were guessed as Monday–Friday."""

    year: int

    def __str__(self) -> str:
        return (
            f"warning: no holiday schedule for {self.year} (chinese-calendar covers 2004–2026 and the overrides file "
            f"has no [years.{self.year}]); counted Monday–Friday as working days — add the State Council's "
            f"{self.year} schedule to the holiday overrides file"
        )


class WorkingDayCalendar:
    """Answers "is this a working day" and "when is N working days after this". Pure apart from the notices it
    collects about fallback years (read them with `notices`)."""

    def __init__(
        self,
        overrides: HolidayOverrides | None = None,
        *,
        office_close: time = time(17, 30),
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._overrides = overrides or HolidayOverrides()
        self._office_close = office_close
        self._zone = ZoneInfo(timezone)
        self._package_years: dict[int, bool] = {}
        self._package_days: dict[date, bool] = {}  # the package's answer never changes; deadlines ask it often
        self._fallback_years: set[int] = set()

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def office_close(self) -> time:
        return self._office_close

    @property
    def notices(self) -> tuple[FallbackNotice, ...]:
        return tuple(FallbackNotice(y) for y in sorted(self._fallback_years))

    def source_for(self, year: int) -> DaySource:
        if self._overrides.for_year(year) is not None:
            return DaySource.OVERRIDES
        if self._package_knows(year):
            return DaySource.PACKAGE
        return DaySource.FALLBACK

    def is_working_day(self, day: date) -> bool:
        require_day(day)
        override = self._overrides.for_year(day.year)
        if override is not None:
            if day in override.working_weekends:
                return True
            return day.weekday() < 5 and day not in override.holidays
        if self._package_knows(day.year):
            known = self._package_days.get(day)
            if known is None:
                known = self._package_days[day] = bool(chinese_calendar.is_workday(day))
            return known
        self._fallback_years.add(day.year)
        return day.weekday() < 5

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`th working day strictly after `day` (the day itself never counts)."""
        require_day(day)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise CalendarError(f"working days must be a whole number, at least 1, got {count!r}",
                                code="bad_working_days")
        current = day
        remaining = count
        scanned = 0
        while remaining:
            try:
                current += timedelta(days=1)
            except OverflowError:
                raise CalendarError(f"{count} working days after {day.isoformat()} lie beyond the calendar",
                                    code="date_out_of_range") from None
            scanned += 1
            if scanned > _MAX_SCAN_DAYS * max(1, count // 200 + 1):
                raise CalendarError(
                    f"no working day found within {scanned} days after {day.isoformat()}; check the overrides file",
                    code="no_working_day",
                )
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (0 when end <= start)."""
        require_day(start)
        require_day(end)
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    def local_date(self, moment: datetime) -> date:
        return require_aware(moment).astimezone(self._zone).date()

    def close_of(self, day: date) -> datetime:
        return datetime.combine(day, self._office_close, tzinfo=self._zone)

    def due(self, start: datetime, working_days: int) -> datetime:
        """End of the `working_days`th working day after the day of `start` (office close, local time)."""
        return self.close_of(self.add_working_days(self.local_date(start), working_days))

    def extend(self, due: datetime, working_days: int) -> datetime:
        """Move a due time on by `working_days` (an approved extension, 第21条)."""
        return self.due(due, working_days)

    def _package_knows(self, year: int) -> bool:
        known = self._package_years.get(year)
        if known is None:
            try:
                chinese_calendar.is_workday(date(year, 6, 1))
            except NotImplementedError:
                known = False
            else:
                known = True
            self._package_years[year] = known
        return known


def require_day(day: date) -> date:
    # a datetime is a date to Python but never equals the dates of an overrides year: refuse it, do not misanswer
    if not isinstance(day, date) or isinstance(day, datetime):
        raise InvalidCommand(f"expected a date, got {type(day).__name__}; use local_date() for a moment")
    return day


def require_aware(moment: datetime, what: str = "time") -> datetime:
    """Deadlines are instants; a naive datetime cannot be compared with them, so it is the caller's error."""
    if not isinstance(moment, datetime):
        raise InvalidCommand(f"{what}: expected a datetime, got {type(moment).__name__}", code="naive_datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidCommand(
            f"{what} {moment.isoformat()} has no time zone; the core only takes timezone-aware datetimes",
            code="naive_datetime",
        )
    return moment
