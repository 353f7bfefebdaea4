"""Working days of Karnataka government offices and the due dates of grievance timelines."""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import holidays
import pytest

import rules
from ipgrs.grievances.calendar import INDIA, WorkingCalendar

SHIPPED = Path(__file__).resolve().parents[2] / "config"


def ist(*args) -> datetime:
    return datetime(*args, tzinfo=INDIA)


def write_calendar(folder: Path, text: str) -> Path:
    path = folder / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


# --- which days are working days -----------------------------------------------------------------

def test_karnataka_public_holidays_are_not_working_days(cal):
    assert not cal.is_working_day(date(2026, 1, 26))   # Republic Day, a Monday
    assert not cal.is_working_day(date(2025, 11, 1))   # Kannada Rajyotsava, a first Saturday that would otherwise be worked
    assert not cal.is_working_day(date(2026, 3, 19))   # Ugadi, a Thursday
    assert cal.is_working_day(date(2026, 1, 27))


def test_sundays_and_second_and_fourth_saturdays_are_off(cal):
    saturdays = [date(2026, 1, d) for d in (3, 10, 17, 24, 31)]
    assert [cal.is_working_day(d) for d in saturdays] == [True, False, True, False, True]
    assert not cal.is_working_day(date(2026, 1, 4))
    assert cal.is_working_day(date(2026, 1, 5))


def test_a_datetime_is_judged_by_its_day_in_india(cal):
    assert not cal.is_working_day(datetime(2026, 1, 25, 20, 0, tzinfo=timezone.utc))  # Monday 26 Jan in India
    assert cal.is_working_day(datetime(2026, 1, 26, 19, 0, tzinfo=timezone.utc))      # Tuesday 27 Jan in India


def test_the_shipped_calendar_file_is_valid_and_adds_nothing():
    assert WorkingCalendar.from_config(SHIPPED) == WorkingCalendar()


def test_without_a_calendar_file_the_rules_alone_apply(tmp_path):
    assert WorkingCalendar.from_config(tmp_path) == WorkingCalendar()
    assert WorkingCalendar.from_config(write_calendar(tmp_path, "# nothing yet\n")) == WorkingCalendar()


def test_extra_holidays_and_working_days_from_the_config_file(tmp_path):
    cal = WorkingCalendar.from_config(write_calendar(tmp_path, """\
extra_holidays:
  - {date: 2026-02-17, name: Local holiday}
  - {date: "2026-11-27", name: Kanakadasa Jayanti}
working_days: [2026-01-10, 2026-01-26]
"""))
    assert cal.extra_holidays == {date(2026, 2, 17): "Local holiday", date(2026, 11, 27): "Kanakadasa Jayanti"}
    assert not cal.is_working_day(date(2026, 2, 17)) and not cal.is_working_day(date(2026, 11, 27))
    assert cal.is_working_day(date(2026, 1, 10))  # a second Saturday declared working
    assert cal.is_working_day(date(2026, 1, 26))  # the list wins even over a public holiday
    assert cal.add_working_days(ist(2026, 2, 16, 10, 0), 1) == ist(2026, 2, 18, 17, 30)


def test_weekly_offs_can_be_switched_off(tmp_path):
    cal = WorkingCalendar.from_config(write_calendar(tmp_path, "weekly_off: {second_and_fourth_saturdays: false}\n"))
    assert cal.is_working_day(date(2026, 1, 10)) and not cal.is_working_day(date(2026, 1, 11))
    cal = WorkingCalendar.from_config(write_calendar(tmp_path, "weekly_off: {sundays: false}\n"))
    assert cal.is_working_day(date(2026, 1, 11)) and not cal.is_working_day(date(2026, 1, 10))


def test_the_file_is_read_again_when_it_changes(tmp_path):
    write_calendar(tmp_path, "extra_holidays: [{date: 2026-02-17, name: One}]\n")
    first = WorkingCalendar.from_config(tmp_path)
    assert WorkingCalendar.from_config(tmp_path) is first
    write_calendar(tmp_path, "extra_holidays: [{date: 2026-02-18, name: Two}]\n")
    stamp = (tmp_path / "calendar.yaml").stat().st_mtime_ns + 1_000_000_000
    os.utime(tmp_path / "calendar.yaml", ns=(stamp, stamp))
    second = WorkingCalendar.from_config(tmp_path)
    assert second.extra_holidays == {date(2026, 2, 18): "Two"}
    assert second.is_working_day(date(2026, 2, 17))


# --- errors in the file --------------------------------------------------------------------------

def errors_for(tmp_path, text: str) -> list[str]:
    write_calendar(tmp_path, text)
    with pytest.raises(rules.ConfigInvalid) as info:
        WorkingCalendar.from_config(tmp_path)
    return [str(e).replace(str(tmp_path.resolve()) + "/", "") for e in info.value.errors]


def test_a_wrong_value_is_reported_with_file_line_and_key(tmp_path):
    assert errors_for(tmp_path, """\
# holidays
extra_holidays:
  - {date: 1-11-2026, name: Rajyotsava}
  - {date: 2026-12-25}
working_days: [2026-01-10, soon]
weekly_of: {sundays: true}
""") == [
        "calendar.yaml:3:12: expected a date written as YYYY-MM-DD, got '1-11-2026' (at extra_holidays[0].date)",
        "calendar.yaml:4:5: required key 'name' not provided (at extra_holidays[1])",
        "calendar.yaml:5:28: expected a date written as YYYY-MM-DD, got 'soon' (at working_days[1])",
        "calendar.yaml:6:1: 'weekly_of' is not a valid key here; did you mean 'weekly_off'? (at weekly_of)",
    ]


def test_a_date_that_does_not_exist_is_reported_with_its_line(tmp_path):
    assert errors_for(tmp_path, "extra_holidays:\n  - {date: 2026-02-30, name: Nothing}\n") == [
        "calendar.yaml:2:12: 2026-02-30 is not a date on the calendar (at extra_holidays[0].date)"]


def test_a_date_given_twice_or_in_both_lists_is_reported(tmp_path):
    assert errors_for(tmp_path, """\
extra_holidays:
  - {date: 2026-02-17, name: One}
  - {date: 2026-02-17, name: Again}
working_days:
  - 2026-02-17
  - 2026-01-10
  - 2026-01-10
""") == [
        "calendar.yaml:3:12: 2026-02-17 is already an extra holiday (entry 1) (at extra_holidays[1].date)",
        "calendar.yaml:5:5: 2026-02-17 is also listed as an extra holiday; keep it in one list (at working_days[0])",
        "calendar.yaml:7:5: 2026-01-10 is listed twice (at working_days[2])",
    ]


def test_a_yaml_syntax_error_names_the_line(tmp_path):
    errors = errors_for(tmp_path, "weekly_off:\n  sundays: true\n extra_holidays: []\n")
    assert len(errors) == 1 and errors[0].startswith("calendar.yaml:3:") and "YAML syntax error" in errors[0]


def test_a_list_at_the_top_is_refused(tmp_path):
    assert errors_for(tmp_path, "- 2026-01-01\n") == [
        "calendar.yaml:1:1: expected a mapping with extra_holidays:, working_days: and weekly_off: at the top of the file"]


# --- due dates -----------------------------------------------------------------------------------

def test_due_date_skips_weekends_and_holidays_and_ends_at_half_past_five(cal):
    # Friday 23 Jan 2026; Saturday 24 is a fourth Saturday, Monday 26 Republic Day.
    due = cal.add_working_days(ist(2026, 1, 23, 10, 0), 1)
    assert due == ist(2026, 1, 27, 17, 30)
    assert due.tzinfo is timezone.utc and due == datetime(2026, 1, 27, 12, 0, tzinfo=timezone.utc)
    assert cal.add_working_days(ist(2026, 1, 19, 10, 0), 5) == ist(2026, 1, 27, 17, 30)
    assert cal.add_working_days(ist(2026, 1, 19, 10, 0), 10) == ist(2026, 2, 2, 17, 30)  # Saturday 31 is a fifth Saturday


def test_filing_after_office_hours_or_on_a_holiday_counts_from_the_next_working_day(cal):
    monday = cal.add_working_days(ist(2026, 1, 19, 9, 0), 1)
    assert monday == ist(2026, 1, 20, 17, 30)
    assert cal.add_working_days(ist(2026, 1, 19, 17, 30), 1) == monday
    assert cal.add_working_days(ist(2026, 1, 19, 17, 31), 1) == ist(2026, 1, 21, 17, 30)
    assert cal.add_working_days(ist(2026, 1, 18, 11, 0), 1) == monday   # Sunday counts as Monday morning
    assert cal.add_working_days(ist(2026, 1, 26, 11, 0), 1) == ist(2026, 1, 28, 17, 30)  # Republic Day
    assert cal.add_working_days(ist(2026, 1, 23, 23, 0), 0) == ist(2026, 1, 27, 17, 30)


def test_counting_between_agrees_with_adding(cal):
    start = ist(2026, 1, 1, 0, 0)
    for hours in range(0, 24 * 60, 7):
        moment = start + timedelta(hours=hours)
        for days in (1, 3, 15):
            due = cal.add_working_days(moment, days)
            assert cal.working_days_between(moment, due) == days
            assert cal.is_working_day(due)
    assert cal.working_days_between(date(2026, 1, 23), date(2026, 1, 27)) == 1
    assert cal.working_days_between(date(2026, 1, 27), date(2026, 1, 23)) == -1
    public = holidays.country_holidays("IN", subdiv="KA", years=2026)
    on_weekdays = [d for d in public if d.weekday() != 6 and not (d.weekday() == 5 and (d.day - 1) // 7 in (1, 3))]
    # 2026 has 52 Sundays and 24 second or fourth Saturdays; 1 January is a working Thursday, so it is not counted.
    assert cal.working_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 364 - 52 - 24 - len(on_weekdays)


def test_naive_datetimes_and_negative_timelines_are_refused(cal):
    with pytest.raises(ValueError, match="no time zone"):
        cal.add_working_days(datetime(2026, 1, 19, 10, 0), 1)
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(ist(2026, 1, 19, 10, 0), -1)


# --- pauses --------------------------------------------------------------------------------------

def test_a_pause_moves_the_due_date_by_the_working_days_spent_waiting(cal):
    due = cal.add_working_days(ist(2026, 1, 19, 10, 0), 7)
    assert due == ist(2026, 1, 29, 17, 30)  # Saturday 24 and Republic Day 26 skipped
    # Waiting from Tuesday 20 to Thursday 22: the officer lost Wednesday and Thursday.
    moved = cal.pause_adjusted_due(due, ist(2026, 1, 20, 11, 0), ist(2026, 1, 22, 10, 0))
    assert moved == ist(2026, 1, 31, 17, 30)
    assert moved.tzinfo is timezone.utc
    # Waiting over a holiday weekend costs only the working days in it.
    assert cal.pause_adjusted_due(due, ist(2026, 1, 23, 16, 0), ist(2026, 1, 27, 9, 0)) == ist(2026, 1, 30, 17, 30)


def test_a_pause_inside_one_office_day_or_outside_office_hours_moves_nothing(cal):
    due = ist(2026, 1, 28, 17, 30)
    assert cal.pause_adjusted_due(due, ist(2026, 1, 20, 10, 0), ist(2026, 1, 20, 16, 0)) == due
    assert cal.pause_adjusted_due(due, ist(2026, 1, 23, 18, 0), ist(2026, 1, 27, 9, 0)) == due  # Friday evening to Tuesday morning
    with pytest.raises(ValueError, match="cannot end before it starts"):
        cal.pause_adjusted_due(due, ist(2026, 1, 22, 10, 0), ist(2026, 1, 20, 10, 0))


def test_a_pause_across_the_due_date_gives_back_the_time_that_was_left(cal):
    due = ist(2026, 1, 21, 17, 30)                       # Wednesday
    paused, resumed = ist(2026, 1, 20, 10, 0), ist(2026, 1, 29, 10, 0)  # Tuesday to the next Thursday
    moved = cal.pause_adjusted_due(due, paused, resumed)
    left_at_pause = cal.working_days_between(paused, due)
    assert moved == cal.add_working_days(resumed, left_at_pause) == ist(2026, 1, 30, 17, 30)
