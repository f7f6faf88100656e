"""A schedule chosen with the picker (weekdays, times, every week / two weeks / n-th weekday of
the month, months and public holidays skipped) becomes the stored rule, comes back as the same
choices, is said in words in each language, and gives the right dates. Bad choices are refused
with a reason the form shows at the field (tests/test_inventory_validation.py, the series
form)."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from flask_babel import force_locale

from core.inventory.schedules import (
    ScheduleProblem,
    belgian_public_holidays,
    compose,
    dates_between,
    in_words,
    picked,
    valid,
)
from tests.conftest import make_app


@pytest.fixture(scope="module")
def words_app(sqlite_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("schedules") / "concerto.db"
    shutil.copy(sqlite_template, path)
    application = make_app(f"sqlite:///{path}")
    yield application
    application.extensions["concerto.db"].engine.dispose()


def said(app, text, language):
    with app.test_request_context("/"), force_locale(language):
        return in_words(text, language)


TUESDAY_AFTERNOON = {"repeat": "weekly", "days": ["TU"], "starts": "14:00", "ends": "16:00"}


@pytest.mark.parametrize(
    ("choices", "language", "words"),
    [
        (TUESDAY_AFTERNOON, "nl", "elke dinsdag, van 14.00 tot 16.00 uur"),
        (TUESDAY_AFTERNOON, "fr", "chaque mardi, de 14\u00a0h à 16\u00a0h"),
        (TUESDAY_AFTERNOON, "en", "every Tuesday, from 14:00 to 16:00"),
        (
            {"repeat": "monthly", "week": "2", "days": ["TU"], "starts": "14:00", "ends": "16:30"},
            "fr",
            "chaque mois, le deuxième mardi, de 14\u00a0h à 16\u00a0h\u00a030",
        ),
        (
            {"repeat": "fortnightly", "days": ["MO", "TH"], "skip_months": ["7", "8"]},
            "nl",
            "om de 2 weken op maandag en donderdag, behalve in juli en augustus",
        ),
        (
            {"repeat": "weekly", "days": ["FR"], "skip_holidays": "1"},
            "fr",
            "chaque vendredi, sauf les jours fériés",
        ),
        (
            {
                "repeat": "monthly",
                "week": "-1",
                "days": ["WE"],
                "skip_months": [str(m) for m in range(1, 10)],
            },
            "en",
            "every month on the last Wednesday, only in October, November and December",
        ),
    ],
)
def test_choices_become_a_rule_said_in_words_and_come_back(words_app, choices, language, words):
    stored = compose(choices)
    assert valid(stored), stored
    assert len(stored) <= 300
    assert said(words_app, stored, language) == words
    back = picked(stored)
    assert compose(back) == stored  # the picker shows what was chosen, and saves it unchanged


@pytest.mark.parametrize(
    ("choices", "code"),
    [
        ({"repeat": "weekly", "days": []}, "no_day"),
        (
            {"repeat": "weekly", "days": ["TU"], "starts": "16:00", "ends": "14:00"},
            "end_before_start",
        ),
        (
            {"repeat": "weekly", "days": ["TU"], "starts": "14:00", "ends": "14:00"},
            "end_before_start",
        ),
        ({"repeat": "weekly", "days": ["TU"], "ends": "14:00"}, "no_start"),
        ({"repeat": "weekly", "days": ["TU"], "starts": "25:00"}, "clock"),
        (
            {"repeat": "weekly", "days": ["TU"], "skip_months": [str(m) for m in range(1, 13)]},
            "no_months",
        ),
        ({"repeat": "monthly", "days": ["TU"]}, "no_week"),
        ({"repeat": "daily", "days": ["TU"]}, "choice"),
        ({"repeat": "weekly", "days": ["XX"]}, "no_day"),
        ({"repeat": "weekly", "days": ["TU", "XX"]}, "choice"),
        ({"repeat": "weekly", "days": ["TU"], "skip_months": ["13"]}, "choice"),
    ],
)
def test_choices_that_make_no_schedule_are_refused_with_a_reason(choices, code):
    with pytest.raises(ScheduleProblem) as refused:
        compose(choices)
    assert refused.value.code == code


def test_no_fixed_schedule_is_no_rule():
    assert compose({"repeat": "", "days": ["TU"]}) is None
    assert picked(None) == {} and picked("") == {}


def test_a_series_needs_its_end_time():
    with pytest.raises(ScheduleProblem) as refused:
        compose({"repeat": "weekly", "days": ["TU"], "starts": "14:00"}, needs_end=True)
    assert refused.value.code == "no_end"


@pytest.mark.parametrize(
    "rule",
    ["FREQ=YEARLY;BYMONTH=3", "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU", "FREQ=MONTHLY;BYMONTHDAY=15"],
)
def test_a_rule_the_picker_cannot_show_is_kept_as_it_is(rule):
    assert picked(rule) is None


def test_a_plain_rule_from_the_api_is_shown_in_the_picker():
    assert picked("FREQ=WEEKLY;BYDAY=WE") == {"days": ["WE"], "repeat": "weekly"}
    assert picked("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=3") is None  # said in words, kept as it is


def test_public_holidays_and_skipped_months_leave_out_their_dates():
    # Every Monday of 2026 from April to May, except on public holidays and in May.
    stored = compose({"repeat": "weekly", "days": ["MO"], "skip_holidays": "1"})
    days = dates_between(stored, date(2026, 4, 1), date(2026, 5, 31))
    assert date(2026, 4, 6) not in days  # Easter Monday
    assert date(2026, 5, 25) not in days  # Whit Monday
    assert date(2026, 4, 13) in days and date(2026, 5, 18) in days
    summer = compose({"repeat": "weekly", "days": ["MO"], "skip_months": ["7", "8"]})
    assert not [
        d for d in dates_between(summer, date(2026, 6, 1), date(2026, 9, 30)) if d.month in (7, 8)
    ]
    assert belgian_public_holidays(2027) >= {date(2027, 3, 29), date(2027, 5, 6), date(2027, 7, 21)}


@pytest.mark.parametrize(
    "text",
    [
        "RRULE:FREQ=WEEKLY;BYDAY=TU\nDURATION:P1D",
        "RRULE:FREQ=WEEKLY;BYDAY=TU\nDURATION:PT25H",
        "every tuesday",
        "",
    ],
)
def test_text_that_is_no_schedule_is_not_valid(text):
    assert not valid(text)


# --- the picker on the pages --------------------------------------------------------------


def test_a_series_chosen_with_the_picker_plans_its_meetings(app, providers):
    from sqlalchemy import func, select

    from core.meetings import services as meetings
    from core.meetings.models import Body, Meeting
    from tests.logins import login_as

    secretary = app.test_client()
    login_as(secretary, app, "secretary")
    with app.extensions["concerto.db"].session() as db:
        body_id = db.scalar(select(Body.id).order_by(Body.id).limit(1))
    page = secretary.get(f"/bodies/{body_id}/series/new").get_data(as_text=True)
    assert 'name="schedule_repeat"' in page and "FREQ" not in page
    form = {
        "csrf_token": csrf(secretary, f"/bodies/{body_id}/series/new"),
        "schedule_repeat": "monthly",
        "schedule_week": "1",
        "schedule_days": ["MO"],
        "schedule_starts": "10:00",
        "schedule_ends": "11:30",
        "schedule_skip_months": ["7", "8"],
        "schedule_skip_holidays": "1",
        "first_day": "2027-01-01",
        "last_day": "2027-12-31",
        "place_kind": "office",
        "place_text": "Koningsstraat 1",
    }
    response = secretary.post(f"/bodies/{body_id}/series/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.extensions["concerto.db"].session() as db:
        newest = db.scalar(select(func.max(Meeting.series_id)))
        planned = db.scalars(
            select(Meeting).where(Meeting.series_id == newest).order_by(Meeting.starts_at)
        ).all()
        local = [meetings.in_brussels(m.starts_at) for m in planned]
    # The first Monday of each month of 2027 but July and August; 1 November is All Saints'
    # Day, a public holiday, and has no meeting.
    assert [t.date().isoformat() for t in local] == [
        "2027-01-04",
        "2027-02-01",
        "2027-03-01",
        "2027-04-05",
        "2027-05-03",
        "2027-06-07",
        "2027-09-06",
        "2027-10-04",
        "2027-12-06",
    ]
    assert not [t for t in local if t.month in (7, 8)]
    assert {(t.hour, t.minute) for t in local} == {(10, 0)}
    assert {(m.ends_at - m.starts_at).seconds for m in planned} == {90 * 60}


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"schedule_days": []}, "Choose at least one day of the week."),
        ({"schedule_starts": "16:00", "schedule_ends": "15:00"}, "The end time must come after"),
        ({"schedule_ends": ""}, "Give the end time as well."),
        (
            {"schedule_skip_months": [str(m) for m in range(1, 13)]},
            "These exceptions leave out every month",
        ),
    ],
)
def test_a_series_picker_refuses_at_the_field_and_keeps_what_was_chosen(
    app, providers, choices, message
):
    from sqlalchemy import func, select

    from core.meetings.models import Body, Meeting
    from tests.forms import check_summary
    from tests.logins import login_as

    secretary = app.test_client()
    login_as(secretary, app, "secretary")
    with app.extensions["concerto.db"].session() as db:
        body_id = db.scalar(select(Body.id).order_by(Body.id).limit(1))
        before = db.scalar(select(func.count()).select_from(Meeting))
    form = {
        "csrf_token": csrf(secretary, f"/bodies/{body_id}/series/new"),
        "schedule_repeat": "fortnightly",
        "schedule_days": ["TU", "TH"],
        "schedule_starts": "14:00",
        "schedule_ends": "16:00",
        "schedule_skip_months": ["8"],
        "first_day": "2027-01-01",
        "last_day": "2027-06-30",
        "place_kind": "office",
        "place_text": "Koningsstraat 1",
        **choices,
    }
    response = secretary.post(f"/bodies/{body_id}/series/new", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    page = check_summary(html)
    assert message in page.summary
    assert tuple(href for href, _ in page.links) >= ("#f-schedule",)
    assert page.elements["f-schedule"].attrs["aria-invalid"] == "true"
    kept = {
        key: page.values.get(key, [])
        for key in ("schedule_repeat", "schedule_days", "schedule_starts", "schedule_ends")
    }
    assert kept == {
        "schedule_repeat": ["fortnightly"],
        "schedule_days": form["schedule_days"],
        "schedule_starts": [form["schedule_starts"]],
        "schedule_ends": [form["schedule_ends"]] if form["schedule_ends"] else [""],
    }
    assert page.values["place_text"] == ["Koningsstraat 1"]
    with app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(func.count()).select_from(Meeting)) == before


def csrf(client, path):
    from tests.logins import csrf_token

    return csrf_token(client, path)
