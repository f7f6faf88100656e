"""The words of My work: each group's and section's heading and the line an empty section
shows, kept beside the sections for the page and the API alike."""

from __future__ import annotations

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

GROUP_LABELS = {
    "coordinator": _l("Your authority's work"),
    "committee": _l("Review and the committee"),
    "secretariat": _l("Secretariat"),
    "studyday": _l("Study day"),
    "administration": _l("Administration"),
}

# (group, section) -> (heading, what an empty section says)
SECTION_LABELS = {
    ("coordinator", "drafts"): (
        _l("Drafts and returned services"),
        _l("Your authority has no draft or returned service."),
    ),
    ("coordinator", "submitted"): (
        _l("Submitted, waiting for review"),
        _l("No service of your authority waits for review."),
    ),
    ("coordinator", "needs"): (
        _l("Open needs your authority signalled"),
        _l("Your authority has no open need."),
    ),
    ("coordinator", "actions"): (
        _l("Action items and plan actions"),
        _l("Your authority has no open action item or plan action."),
    ),
    ("coordinator", "meetings"): (
        _l("Your next meetings"),
        _l("You are not invited to any coming meeting."),
    ),
    ("coordinator", "to_confirm"): (
        _l("Services to confirm for this year"),
        _l("Every service of your authority is confirmed for this year."),
    ),
    ("coordinator", "reports"): (
        _l("Errors reported by the public"),
        _l("Nobody reported an error in your authority's services."),
    ),
    ("committee", "remarks"): (
        _l("Draft minutes waiting for your remarks"),
        _l("No draft minutes wait for your remarks."),
    ),
    ("coordinator", "remarks"): (
        _l("Draft minutes waiting for your remarks"),
        _l("No draft minutes wait for your remarks."),
    ),
    ("committee", "review"): (
        _l("Services waiting for your review"),
        _l("Nothing waits for your review."),
    ),
    ("committee", "minutes"): (
        _l("Minutes to approve at the next meeting"),
        _l("No minutes wait for approval."),
    ),
    ("committee", "assigned"): (
        _l("Decisions and action items for your authority"),
        _l("No open action item is assigned to your authority."),
    ),
    ("secretariat", "meetings"): (
        _l("Meetings and what they still lack"),
        _l("No meeting is coming and every recent meeting has minutes."),
    ),
    ("secretariat", "overdue"): (
        _l("Overdue action items by authority"),
        _l("No action item is overdue."),
    ),
    ("studyday", "to_confirm"): (
        _l("Registrations waiting for confirmation"),
        _l("No registration waits for confirmation."),
    ),
    ("studyday", "waiting"): (
        _l("Waiting list"),
        _l("Nobody is on the waiting list."),
    ),
    ("studyday", "places"): (
        _l("Places left per session"),
        _l("No study day is coming."),
    ),
    ("administration", "plugins"): (
        _l("Plugins that failed"),
        _l("No plugin failed."),
    ),
    ("administration", "jobs"): (
        _l("Scheduled jobs whose last run failed"),
        _l("No scheduled job failed."),
    ),
    ("administration", "reports"): (
        _l("Reports that failed"),
        _l("No report failed."),
    ),
    ("administration", "people"): (
        _l("People without a role"),
        _l("Everyone who logged in has a role."),
    ),
}

# The core's scheduled jobs in words (core.scheduler.CORE_JOBS); a plugin's job is named by
# its plugin.
JOB_LABELS = {
    "core.purge_expired_sessions": _l("Removing expired sessions"),
    "core.send_agendas": _l("Sending agendas"),
    "core.send_meeting_reminders": _l("Sending meeting reminders"),
    "core.remind_overdue_actions": _l("Reminding owners of overdue action items"),
    "core.studyday_expire_places": _l("Releasing study-day places not confirmed in time"),
    "core.studyday_anonymise": _l("Anonymising past study-day registrations"),
    "core.deliver_mail": _l("Sending e-mail"),
    "core.notify": _l("Telling people what happened"),
    "core.daily_digest": _l("Sending the daily digests"),
    "core.weekly_digest": _l("Sending the weekly digests"),
    "core.deliver_webhooks": _l("Delivering webhook messages"),
    "core.plugin_events": _l("Passing events to the plugins"),
    "core.verification_campaign": _l("Asking authorities to confirm their services"),
}

REPLY_LABELS = {
    "attend": _l("you attend"),
    "excused": _l("you are excused"),
    None: _l("you have not replied yet"),
}

REGISTRATION_LABELS = {
    "pending": _l("address not confirmed yet"),
    "offered": _l("a place offered from the waiting list"),
}


def lack_words(lacks: dict) -> list[str]:
    """What a meeting still lacks, in words, in the order the secretary deals with it."""
    words = []
    if lacks.get("minutes"):
        words.append(gettext("minutes to write"))
    if lacks.get("invitations"):
        words.append(gettext("invitations not sent"))
    if lacks.get("agenda"):
        words.append(gettext("agenda not sent"))
    if lacks.get("replies"):
        words.append(ngettext("%(num)d reply missing", "%(num)d replies missing", lacks["replies"]))
    if lacks.get("minutes_to_approve"):
        words.append(
            ngettext(
                "%(num)d earlier minutes to approve",
                "%(num)d earlier minutes to approve",
                lacks["minutes_to_approve"],
            )
        )
    return words
