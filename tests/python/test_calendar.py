"""The working-day calendar and the clocks."""

import datetime

import pytest

import yishi
from conftest import ROOT, at


def test_the_national_calendar_is_bundled():
    cal = yishi.Calendar.national()
    assert cal.years == [2024, 2025, 2026]
    assert repr(cal) == "<yishi.Calendar 2024, 2025, 2026>"
    assert cal.covers(datetime.date(2025, 10, 1)) and not cal.covers(datetime.date(2030, 1, 1))


def test_holidays_and_make_up_days():
    cal = yishi.Calendar.national()
    assert not cal.is_working_day(datetime.date(2025, 10, 1))  # National Day
    assert cal.is_working_day(datetime.date(2025, 9, 28))  # a Sunday worked (调休)
    assert cal.add_working_days(datetime.date(2025, 9, 30), 1) == datetime.date(2025, 10, 9)
    assert cal.working_days_between(datetime.date(2025, 9, 26), datetime.date(2025, 10, 10)) == 5
    weekdays = yishi.Calendar()
    assert weekdays.years == [] and repr(weekdays) == "<yishi.Calendar Monday–Friday, no holidays>"
    assert weekdays.is_working_day(datetime.date(2025, 10, 1))
    assert not weekdays.is_working_day(datetime.date(2025, 9, 28))
    with pytest.raises(ValueError):
        cal.add_working_days(datetime.date(2025, 9, 30), 0)


def test_deadlines_in_working_days_across_national_day():
    cal = yishi.Calendar.national()
    friday = at("2025-09-26", 15)
    # docs/engine.md: +5wd from a Friday afternoon before the 2025 holiday is due 10-10 at 18:00
    assert cal.deadline(friday, "5wd") == at("2025-10-10", 18)
    assert cal.warning_point(friday, "5wd") == at("2025-10-09", 15, 15)
    assert cal.deadline(friday, "3wd") == at("2025-09-30", 18)
    assert cal.warning_point(friday, "3wd", 0.75) == at("2025-09-30", 10, 15)
    assert cal.deadline(friday, "4wh") == at("2025-09-28", 10)  # 3 h on Friday, 1 on the make-up Sunday
    assert cal.deadline(friday, "0wd") == friday
    assert cal.end_of_working_day(friday) == at("2025-09-26", 18)
    assert cal.local_date(at("2025-09-26", 23, 59)) == datetime.date(2025, 9, 26)
    assert cal.at(datetime.date(2025, 9, 26), 15) == friday
    with pytest.raises(ValueError, match="working-time limit"):
        cal.deadline(friday, "5 days")
    with pytest.raises(TypeError, match="working-time limit"):
        cal.deadline(friday, 5)


def test_naive_datetimes_are_china_standard_time():
    cal = yishi.Calendar.national()
    naive = datetime.datetime(2025, 9, 26, 15, 0)
    assert cal.deadline(naive, "5wd") == at("2025-10-10", 18)
    utc = datetime.datetime(2025, 9, 26, 7, 0, tzinfo=datetime.timezone.utc)  # the same instant
    assert cal.deadline(utc, "5wd") == at("2025-10-10", 18)
    assert cal.deadline(utc, "5wd").tzinfo == yishi.CST
    with pytest.raises(TypeError, match="datetime.datetime"):
        cal.deadline(datetime.date(2025, 9, 26), "5wd")


def test_loading_calendar_files_and_directories(tmp_path):
    one = yishi.Calendar.load(ROOT / "bundles" / "calendars" / "cn-2025.yaml")
    assert one.years == [2025]
    assert yishi.Calendar.load(str(ROOT / "bundles" / "calendars")).years == [2024, 2025, 2026]
    bad = tmp_path / "cn-2027.yaml"
    bad.write_text("calendar: cn\nyear: 2027\nsource: test\nholidayz: []\n", encoding="utf-8")
    with pytest.raises(yishi.LoadError) as info:
        yishi.Calendar.load(bad)
    missing, typo = info.value.diagnostics
    assert (missing.code, missing.line, missing.column) == ("E1007", 1, 1)
    assert (typo.file, typo.line, typo.column, typo.code) == (str(bad), 4, 1, "E1005") and typo.is_error
    assert typo.help == "did you mean `holidays`?"


def test_manual_clock():
    clock = yishi.ManualClock(at("2025-03-03", 9, 30))
    assert clock.now == at("2025-03-03", 9, 30)
    clock.advance_to(at("2025-03-04", 10))
    assert clock.now == at("2025-03-04", 10)
    clock.advance_to(at("2025-03-01", 10))  # never backward
    assert clock.now == at("2025-03-04", 10)
    clock.set(at("2025-03-01", 10))  # unless set
    assert clock.now == at("2025-03-01", 10)
    clock.advance(datetime.timedelta(hours=2, minutes=30))
    assert clock.now == at("2025-03-01", 12, 30)
    assert repr(clock) == "<yishi.ManualClock 2025-03-01T12:30:00+08:00>"
    assert isinstance(clock, yishi.Clock)
    with pytest.raises(TypeError):
        yishi.ManualClock("2025-03-03")


def test_system_clock():
    clock = yishi.SystemClock()
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((clock.now - now).total_seconds()) < 5
    assert repr(clock) == "<yishi.SystemClock>"
    with pytest.raises(TypeError):
        yishi.Clock()
