"""Public pages of the reference data: authorities with their roles and vocabulary, prisons,
domains, target groups, and the strategic plan."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import db_session
from core.goals.models import Goal, Plan
from core.reference.models import Prison, ServiceDomain, TargetGroup

blueprint = Blueprint("reference", __name__)


def _registry():
    return current_app.extensions["concerto.registry"]


@blueprint.get("/authorities")
def authorities():
    return render_template(
        "reference/authorities.html", authorities=list(_registry().authorities.values())
    )


@blueprint.get("/authorities/<code>")
def authority(code: str):
    found = _registry().authorities.get(code)
    if found is None:
        abort(404)
    domains = {d.code: d for d in db_session().scalars(select(ServiceDomain))}
    return render_template("reference/authority.html", authority=found, domains=domains)


@blueprint.get("/reference")
def reference_data():
    session = db_session()
    return render_template(
        "reference/reference.html",
        prisons=session.scalars(select(Prison).order_by(Prison.opened_on, Prison.code)).all(),
        domains=session.scalars(select(ServiceDomain).order_by(ServiceDomain.position)).all(),
        target_groups=session.scalars(select(TargetGroup).order_by(TargetGroup.position)).all(),
        today=date.today(),
    )


@blueprint.get("/plans")
def plans():
    found = db_session().scalars(select(Plan).order_by(Plan.start_year.desc())).all()
    return render_template("reference/plans.html", plans=found)


@blueprint.get("/plans/<code>")
def plan(code: str):
    found = db_session().scalar(
        select(Plan)
        .where(Plan.code == code)
        .options(selectinload(Plan.goals).selectinload(Goal.children))
    )
    if found is None:
        abort(404)
    return render_template("reference/plan.html", plan=found)
