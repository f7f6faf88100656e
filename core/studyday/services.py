"""The study day's logic, shared by pages, API, command line and jobs (no Flask here): the
programme, registrations with workshop choices, waiting lists with offers that expire,
check-in, workshop reports, statistics and the anonymisation of registrants' data.

The logic lives in the modules beside this one, along its own sections: the events and their
programme (``days``), registering and its waiting lists (``registering``), the figures
(``figures``) and the workshop reports (``reports``). This module gives their names in one
place, as every caller has always read them (``studyday.register``, ``studyday.places``)."""

from __future__ import annotations

from core.studyday.days import (
    GONE,
    HOLDING,
    MAX_WORKSHOPS,
    SEATED,
    add_workshop,
    by_token,
    check_day,
    check_workshop,
    create_day,
    digest,
    edit_deadline,
    holding,
    is_open,
    is_over,
    private_token,
    promote,
    refuse_control,
    seated,
    take_the_lock,
    update_day,
    update_workshop,
    workshops_of,
)
from core.studyday.figures import (
    by_organisation,
    figures_by_kind,
    participants,
    places,
    present_at_trainings,
    present_in,
    registrations_of,
    statistics,
    trainings_held,
)
from core.studyday.registering import (
    anonymise,
    cancel,
    change,
    check,
    check_in,
    confirm,
    expire,
    register,
)
from core.studyday.reports import (
    reports_for_goal,
    save_report,
)
from core.validation import Invalid, Refused, Stale

__all__ = [
    "GONE",
    "HOLDING",
    "Invalid",
    "MAX_WORKSHOPS",
    "Refused",
    "SEATED",
    "Stale",
    "add_workshop",
    "anonymise",
    "by_organisation",
    "by_token",
    "cancel",
    "change",
    "check",
    "check_day",
    "check_in",
    "check_workshop",
    "confirm",
    "create_day",
    "digest",
    "edit_deadline",
    "expire",
    "figures_by_kind",
    "holding",
    "is_open",
    "is_over",
    "participants",
    "places",
    "present_at_trainings",
    "present_in",
    "private_token",
    "promote",
    "refuse_control",
    "register",
    "registrations_of",
    "reports_for_goal",
    "save_report",
    "seated",
    "statistics",
    "take_the_lock",
    "trainings_held",
    "update_day",
    "update_workshop",
    "workshops_of",
]
