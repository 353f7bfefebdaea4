"""Working days of Karnataka government offices, the unit in which grievance timelines are counted.

A day is a working day unless it is a Sunday, the second or fourth Saturday of its month, a Karnataka
public holiday (the `holidays` package, India subdivision KA) or an extra holiday of config/calendar.yaml;
a date listed under `working_days` there is a working day whatever else applies.

A timeline starts from the office day of filing: the day itself when it is a working day and the grievance
arrived by 17:30, otherwise the next working day. The due date is that many working days later (the office
day of filing is not counted, as the General Clauses Act reads "from"), at 17:30 India time.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from marshmallow import ValidationError, fields, validates_schema

import rules
from rules.loading import load_with
from rules.schema import Strict, StrictBool, Text
from rules.yamlfile import parse_bytes

INDIA = ZoneInfo("Asia/Kolkata")
OFFICE_CLOSES = time(17, 30)
CALENDAR_FILE = "calendar.yaml"


class CalendarDate(fields.Field):
    default_error_messages = {"invalid": "expected a date written as YYYY-MM-DD, got {input!r}"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.make_error("invalid", input=str(value))


class ExtraHoliday(Strict):
    date = CalendarDate(required=True)
    name = Text(required=True)


class WeeklyOff(Strict):
    sundays = StrictBool(load_default=True)
    second_and_fourth_saturdays = StrictBool(load_default=True)


class CalendarFile(Strict):
    extra_holidays = fields.List(fields.Nested(ExtraHoliday), load_default=list)
    working_days = fields.List(CalendarDate(), load_default=list)
    weekly_off = fields.Nested(WeeklyOff, load_default=lambda: {"sundays": True, "second_and_fourth_saturdays": True})

    @validates_schema
    def _each_date_once(self, data, **kwargs):
        errors = {}
        seen = {}
        for index, holiday in enumerate(data.get("extra_holidays", [])):
            if holiday["date"] in seen:
                errors.setdefault("extra_holidays", {})[index] = {
                    "date": [f"{holiday['date']} is already an extra holiday (entry {seen[holiday['date']] + 1})"]}
            seen.setdefault(holiday["date"], index)
        working = set()
        for index, day in enumerate(data.get("working_days", [])):
            if day in seen:
                errors.setdefault("working_days", {})[index] = [f"{day} is also listed as an extra holiday; keep it in one list"]
            elif day in working:
                errors.setdefault("working_days", {})[index] = [f"{day} is listed twice"]
            working.add(day)
        if errors:
            raise ValidationError(errors)


@dataclass
class WorkingCalendar:
    extra_holidays: dict[date, str] = field(default_factory=dict)
    working_days: frozenset[date] = frozenset()
    sundays_off: bool = True
    second_and_fourth_saturdays_off: bool = True
    _public: dict[int, frozenset[date]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    @classmethod
    def from_config(cls, config_dir) -> "WorkingCalendar":
        """The calendar of `config_dir`/calendar.yaml (the rules alone when there is no such file); cached until
        the file changes. Raises rules.ConfigInvalid with file:line:col when the file is wrong."""
        path = Path(config_dir).resolve() / CALENDAR_FILE
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        with _cache_lock:
            cached = _cache.get(path)
        if cached and cached[0] == stamp:
            return cached[1]
        calendar = cls() if stamp is None else cls.from_file(path)
        with _cache_lock:
            _cache[path] = (stamp, calendar)
        return calendar

    @classmethod
    def from_file(cls, path) -> "WorkingCalendar":
        raw = Path(path).read_bytes()
        text = raw.decode("utf-8", errors="replace")
        if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
            return cls()
        source, errors = parse_bytes(raw, str(path))
        if not errors and not isinstance(source.data, dict):
            errors = [source.error((), "expected a mapping with extra_holidays:, working_days: and weekly_off: at the top of the file")]
        if not errors:
            data, errors = load_with(CalendarFile(), source)
        if errors:
            raise rules.ConfigInvalid(errors)
        return cls(extra_holidays={h["date"]: h["name"] for h in data["extra_holidays"]},
                   working_days=frozenset(data["working_days"]),
                   sundays_off=data["weekly_off"]["sundays"],
                   second_and_fourth_saturdays_off=data["weekly_off"]["second_and_fourth_saturdays"])

    # --- days ----------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = _local(day).date()
        if day in self.working_days:
            return True
        if day in self.extra_holidays or day in self._public_holidays(day.year):
            return False
        if day.weekday() == 6:
            return not self.sundays_off
        if day.weekday() == 5 and (day.day - 1) // 7 in (1, 3):
            return not self.second_and_fourth_saturdays_off
        return True

    def _public_holidays(self, year: int) -> frozenset[date]:
        found = self._public.get(year)
        if found is None:
            with self._lock:  # the holidays package fills its dict lazily, which is not safe across threads
                found = self._public.get(year)
                if found is None:
                    found = frozenset(holidays.country_holidays("IN", subdiv="KA", years=year))
                    self._public[year] = found
        return found

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def office_day(self, moment: datetime) -> date:
        """The working day on which something that happened at `moment` is dealt with."""
        local = _local(moment)
        day = local.date()
        if not self.is_working_day(day) or local.time() > OFFICE_CLOSES:
            day = self.next_working_day(day)
        return day

    # --- timelines -----------------------------------------------------------------------------

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """When a timeline of `days` working days that starts at `start` falls due: 17:30 India time of the
        `days`-th working day after the office day of `start`, as an aware UTC datetime."""
        if days < 0:
            raise ValueError(f"a timeline cannot be negative ({days} working days)")
        day = self._advance(self.office_day(start), days)
        return datetime.combine(day, OFFICE_CLOSES, INDIA).astimezone(timezone.utc)

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days after `a` up to and including `b` (negative when `b` is before `a`). A datetime stands for
        its office day, so working_days_between(start, add_working_days(start, n)) == n."""
        first, last = (self.office_day(x) if isinstance(x, datetime) else x for x in (a, b))
        if last < first:
            return -self.working_days_between(last, first)
        count, day = 0, first
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def pause_adjusted_due(self, due: datetime, paused_from: datetime, paused_until: datetime) -> datetime:
        """`due` moved later by the working days a grievance spent waiting (e.g. for the citizen's reply), at the
        same time of day. A pause that starts and ends within one office day moves nothing."""
        if _local(paused_until) < _local(paused_from):
            raise ValueError("a pause cannot end before it starts")
        paused = self.working_days_between(paused_from, paused_until)
        if paused == 0:
            return due
        local = _local(due)
        day = self._advance(local.date(), paused)
        return datetime.combine(day, local.timetz()).astimezone(timezone.utc)

    def _advance(self, day: date, days: int) -> date:
        for _ in range(days):
            day = self.next_working_day(day)
        return day


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; timelines need aware datetimes (UTC from the database)")
    return moment.astimezone(INDIA)


_cache: dict[Path, tuple[tuple[int, int] | None, WorkingCalendar]] = {}
_cache_lock = threading.Lock()
