"""Pages of bodies, their members and series of meetings, and the meetings' index."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from core import clock
from core.clock import in_brussels, utcnow
from core.db import db_session
from core.identity.models import User
from core.inventory import schedules
from core.meetings import services as meetings
from core.meetings.models import Body, Meeting, Membership
from core.meetings.views.common import (
    blueprint,
    form_errors,
    keep,
    kept_bodies,
    last_place,
    on_behalf_value,
    overlap_warning,
    owner_choices,
    partner_options,
    place_choices,
)
from core.permissions import can, current, require
from core.reference.models import Prison
from core.web import attempt, get_or_404

# --- meetings and bodies -------------------------------------------------------------------------


@blueprint.get("/meetings")
def index():
    """Upcoming meetings first, whatever their year (a meeting planned for next January is
    in view in December), then the past ones by year, newest first; ``?year=`` shows one
    year."""
    require("meetings.read")
    session = db_session()
    body_id = request.args.get("body", type=int)
    year = request.args.get("year", type=int)
    if year is not None and not 2000 <= year <= 2100:
        abort(404)
    now = utcnow()
    query = meetings.listed_meetings(body_id=body_id, year=year)
    if year is not None:
        upcoming = []
        past = session.scalars(query)
    else:
        # The past shown by default: this year and the last; older years are one link away.
        since, _end = meetings.year_bounds(clock.today().year - 1)
        upcoming = session.scalars(query.where(Meeting.ends_at >= now)).all()
        past = session.scalars(query.where(Meeting.ends_at < now, Meeting.starts_at >= since))
    by_year: dict[int, list[Meeting]] = {}
    for meeting in sorted(past, key=lambda m: m.starts_at, reverse=year is None):
        by_year.setdefault(in_brussels(meeting.starts_at).year, []).append(meeting)
    # The years before the ones shown, newest first, back to the first meeting's.
    first = session.scalar(select(func.min(Meeting.starts_at)))
    shown_from = year if year is not None else clock.today().year - 1
    first_year = in_brussels(first).year if first else shown_from
    principal = current()
    user = session.get(User, principal.user_id) if principal.user_id else None
    return render_template(
        "meetings/index.html",
        upcoming=upcoming,
        by_year=by_year,
        older_years=range(shown_from - 1, first_year - 1, -1),
        bodies=session.scalars(select(Body).order_by(Body.id)).all(),
        body_id=body_id,
        year=year,
        now=now,
        user=user,
        may_plan=bool(kept_bodies(principal)),
        may_create_body=bool(owner_choices(principal)),
        may_read_outbox=can(principal, "outbox.read"),
    )


@blueprint.post("/calendar/token")
def new_calendar_token():
    require("meetings.read")
    session = db_session()
    user = get_or_404(User, current().user_id)
    user.calendar_token = secrets.token_urlsafe(24)
    session.commit()
    flash(_("Your calendar has a new private address; the old one no longer works."), "success")
    return redirect(url_for("meetings.index"))


@blueprint.route("/bodies/new", methods=["GET", "POST"])
def new_body():
    """A new body of the committee (the secretariat) or of the person's own authority (its
    coordinators); one who may do both chooses."""
    require("meetings.read")
    owners = owner_choices(current())
    if not owners:
        abort(403)
    errors, values = {}, {"owner": owners[0][0]}
    if request.method == "POST":
        values = request.form.to_dict()
        owner = values.setdefault("owner", owners[0][0])
        if owner not in dict(owners):
            abort(403)
        outcome = attempt(lambda session: meetings.create_body(session, values, owner or None))
        if outcome.ok:
            flash(_("The body was created."), "success")
            return redirect(url_for("meetings.body", body_id=outcome.result.id))
        errors = form_errors(outcome)
    return render_template(
        "meetings/body_form.html",
        body=None,
        values=values,
        errors=errors,
        owners=owners,
        **place_choices(),
    ), 422 if errors else 200


@blueprint.route("/bodies/<int(max=2147483647):body_id>/edit", methods=["GET", "POST"])
def edit_body(body_id: int):
    require("meetings.read")
    body = get_or_404(Body, body_id)
    keep(body)
    errors = {}
    values = {
        "kind": body.kind,
        "public_calendar": body.public_calendar,
        "prison": body.prison_code,
        **{f"name_{lang}": getattr(body, f"name_{lang}") for lang in ("nl", "fr", "en")},
    }
    if request.method == "POST":
        values = request.form.to_dict()
        outcome = attempt(lambda session: meetings.update_body(session, body, values))
        if outcome.ok:
            flash(_("The body was saved."), "success")
            return redirect(url_for("meetings.body", body_id=body.id))
        errors = form_errors(outcome)
    return render_template(
        "meetings/body_form.html",
        body=body,
        values=values,
        errors=errors,
        owners=[],
        **place_choices(keep=body.prison_code),
    ), 422 if errors else 200


@blueprint.get("/bodies/<int(max=2147483647):body_id>")
def body(body_id: int):
    require("meetings.read")
    session = db_session()
    found = get_or_404(Body, body_id)
    today = clock.today()
    return render_template(
        "meetings/body.html",
        body=found,
        today=today,
        members=[m for m in found.memberships if m.ends_on is None or m.ends_on >= today],
        former=[m for m in found.memberships if m.ends_on is not None and m.ends_on < today],
        may_manage=can(current(), "meetings.manage", found),
        prison=session.get(Prison, found.prison_code) if found.prison_code else None,
        local_plans=meetings.local_plans_of(session, found),
    )


def _membership_form(body: Body, membership: Membership | None):
    keep(body)
    session = db_session()
    errors = {}
    if membership is None:
        values = {"starts_on": clock.today().isoformat(), "language": "nl", "role": "member"}
    else:
        values = {
            "name": membership.name,
            "email": membership.email,
            "language": membership.language,
            "role": membership.role,
            "authority": on_behalf_value(membership),
            "starts_on": membership.starts_on.isoformat(),
            "ends_on": membership.ends_on.isoformat() if membership.ends_on else "",
            "user_id": membership.user_id or "",
        }
    if request.method == "POST":
        values = request.form.to_dict()

        def save(session):
            if membership is None:
                return meetings.add_membership(session, body, values)
            return meetings.update_membership(session, membership, values)

        outcome = attempt(save)
        if outcome.ok:
            flash(_("The membership was saved."), "success")
            return redirect(url_for("meetings.body", body_id=body.id))
        errors = form_errors(outcome)
    return render_template(
        "meetings/membership_form.html",
        body=body,
        membership=membership,
        values=values,
        errors=errors,
        users=[
            (u.id, u.display_name)
            for u in session.scalars(select(User).order_by(User.display_name))
        ],
        partner_choices=partner_options(),
        **place_choices(),
    ), 422 if errors else 200


@blueprint.route("/bodies/<int(max=2147483647):body_id>/members/new", methods=["GET", "POST"])
def new_membership(body_id: int):
    require("meetings.read")
    return _membership_form(get_or_404(Body, body_id), None)


@blueprint.route("/memberships/<int(max=2147483647):membership_id>", methods=["GET", "POST"])
def edit_membership(membership_id: int):
    require("meetings.read")
    membership = get_or_404(Membership, membership_id)
    return _membership_form(membership.body, membership)


@blueprint.route("/bodies/<int(max=2147483647):body_id>/series/new", methods=["GET", "POST"])
def new_series(body_id: int):
    require("meetings.read")
    found = get_or_404(Body, body_id)
    keep(found)
    year = clock.today().year + 1
    values = {
        # The committee's usual rhythm: the third Tuesday, 14:00 to 16:00, not in August.
        "schedule": {
            "repeat": "monthly",
            "week": "3",
            "days": ["TU"],
            "starts": "14:00",
            "ends": "16:00",
            "skip_months": ["8"],
            "skip_holidays": "1",
        },
        "directors_months": ["3", "6", "9", "12"],
        "first_day": f"{year}-01-01",
        "last_day": f"{year}-12-31",
        **last_place(found),
    }
    errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        # The page offers the picker only; a form without it chose no schedule.
        picked = schedules.from_form(request.form, "schedule")
        values["schedule"] = picked if isinstance(picked, dict) else {}
        values["directors_months"] = request.form.getlist("directors_months")
        outcome = attempt(lambda session: meetings.plan_series(session, found, values))
        if outcome.ok:
            _series, planned, clashes = outcome.result
            flash(
                ngettext(
                    "%(num)d meeting was planned.", "%(num)d meetings were planned.", len(planned)
                ),
                "success",
            )
            overlap_warning(clashes)
            return redirect(url_for("meetings.index", body=found.id, year=values["first_day"][:4]))
        errors = form_errors(outcome)
    return render_template(
        "meetings/series_form.html",
        body=found,
        values=values,
        errors=errors,
        **place_choices(),
    ), 422 if errors else 200
