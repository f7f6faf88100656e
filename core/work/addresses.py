"""Where each record of My work leads and what it is called, for the page and the API."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext

from core.i18n import LocalText, authority_name, current_language, localized
from core.work.entries import Entry
from core.work.words import JOB_LABELS


def address(entry: Entry, group: str = "") -> str | None:
    """The page of the record; None for what has no page (a scheduled job)."""
    record = entry.record
    if entry.kind == "service":
        return url_for("inventory.show", service_id=record.id)
    if entry.kind == "need":
        return url_for("inventory.need", need_id=record.id)
    if entry.kind == "error_report":
        return url_for("inventory.error_reports_list") + f"#r{record.id}"
    if entry.kind == "action_item":
        return url_for("meetings.action", action_id=record.id)
    if entry.kind == "plan_action":
        return url_for("goals.action", action_id=record.id)
    if entry.kind == "meeting":
        if "minutes" in entry.facts.get("lacks", {}):
            return url_for("meetings.minutes_editor", meeting_id=record.id)
        return url_for("meetings.meeting", meeting_id=record.id)
    if entry.kind == "minutes":
        return url_for("meetings.meeting", meeting_id=record.meeting_id)
    if entry.kind == "remarks":
        return url_for("meetings.remarks", minutes_id=record.id)
    if entry.kind == "decision":
        return url_for("meetings.meeting", meeting_id=record.minutes.meeting_id)
    if entry.kind == "registration":
        return url_for("studyday.registrations", event_id=entry.facts["day"].id)
    if entry.kind == "workshop":
        return url_for("studyday.day", event_id=entry.facts["day"].id)
    if entry.kind == "plugin":
        return url_for("admin.plugins")
    if entry.kind == "report":
        return url_for("reports.index")
    if entry.kind == "person":
        return url_for("admin.users")
    return None


def _meeting_title(meeting) -> LocalText:
    body = meeting.body.local("name")
    title = meeting.local("title")
    if title.text and title.lang == body.lang:
        # The colon as the reader's language writes it (French: a space before it).
        return LocalText(f"{body.text}{gettext(':')} {title.text}", body.lang)
    return body


def title(entry: Entry) -> LocalText:
    """The record's name in the reader's language where it has one, else as written."""
    record = entry.record
    language = current_language()
    if entry.kind == "service":
        return record.local("name")
    if entry.kind == "need":
        return record.local("description").labelled(limit=120)
    if entry.kind == "error_report":
        return record.service.local("name")
    if entry.kind in ("action_item", "plan_action", "workshop"):
        return record.local("title")
    if entry.kind == "meeting":
        return _meeting_title(record)
    if entry.kind in ("minutes", "remarks"):
        return _meeting_title(record.meeting)
    if entry.kind == "decision":
        return record.local("text").labelled(limit=160)
    if entry.kind == "registration":
        return LocalText(record.name, language)
    if entry.kind == "plugin":
        return LocalText(record.name, language)
    if entry.kind == "job":
        label = JOB_LABELS.get(record)
        if label is None:  # a plugin's job: named by its plugin's authority
            return LocalText(authority_name(record.split(".", 1)[0]), language)
        return LocalText(str(label), language)
    if entry.kind == "report":
        report = entry.facts["report"]
        if report is None:
            return LocalText(record[1], language)
        return localized(report.labels)
    if entry.kind == "person":
        return LocalText(record.display_name, language)
    return LocalText(str(getattr(record, "id", record)), language)
