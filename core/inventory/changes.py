"""A change of a service in words: what the history and the committee's review show.

A version stores its changes as field -> [before, after] with the values as the database
keeps them (codes, lists of codes, the authority's own fields as a dict, the prisons as a
list of dicts, repeat rules). ``describe_changes`` turns them into rows a reader can use:
the field's label as the form asks for it, in the reader's language, and the values as the
form shows them (names of prisons and target groups, yes or no, schedules in words, places
per prison as a small table, Dutch and French texts side by side). No code, no Python
literal and no field name reaches the reader; the rows are plain data, so the pages and,
later, the API can render them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import LocalText, pick
from core.inventory.models import SERVICE_FACTS, Organization
from core.inventory.schedules import in_words
from core.reference.models import Prison, ServiceDomain, TargetGroup

LANGS = ("nl", "fr", "en")
LANGUAGE_NAMES = {"nl": _l("Dutch"), "fr": _l("French"), "en": _l("English")}

# The labels of the service form (core/templates/inventory/form.html), the same msgids.
LABELS = {
    "external_id": _l("Your own identifier for this service"),
    "category": _l("Category"),
    "domain_code": _l("Domain"),
    "organization_id": _l("Organisation that provides it"),
    "name": _l("Name"),
    "description": _l("Description"),
    "application_process": _l("How to apply"),
    "eligibility": _l("Who can use it"),
    "target_groups": _l("Target groups"),
    "languages": _l("Languages it is offered in"),
    "delivery": _l("Individual or group"),
    "setting": _l("Where"),
    "access": _l("How people come"),
    "free_of_charge": _l("Free of charge"),
    "waiting_list": _l("Waiting list"),
    "active": _l("Active"),
    "capacity": _l("Capacity (people at a time)"),
    "typical_wait_days": _l("Typical wait, in days"),
    "contact_name": _l("Contact person"),
    "contact_email": _l("Contact e-mail"),
    "contact_phone": _l("Contact phone"),
    "locations": _l("Prisons"),
    "state": _l("State"),
}
STATE_LABELS = {
    "draft": _l("draft"),
    "submitted": _l("submitted for review"),
    "returned": _l("returned to its author"),
    "published": _l("published"),
    "withdrawn": _l("withdrawn"),
}
CHOICE_LABELS = {
    "individual": _l("individual"),
    "group": _l("in a group"),
    "both": _l("both"),
    "inside": _l("inside the prison"),
    "outside": _l("at an office outside"),
    "on_request": _l("on request"),
    "referral": _l("by referral"),
}
# The steps of a service's life, as its history names them.
STEPS = {
    "create": _l("Draft created"),
    "update": _l("Changes saved"),
    "submit": _l("Submitted to the committee"),
    "approve": _l("Approved and published"),
    "return": _l("Returned to its author"),
    "withdraw": _l("Withdrawn from the inventory"),
    "import": _l("Imported"),
}
TEXTS = ("name", "description", "application_process", "eligibility")
# The order of the rows: the form's order.
ORDER = (
    "external_id",
    "state",
    "category",
    "domain_code",
    "organization_id",
    *TEXTS,
    *SERVICE_FACTS,
    "locations",
    "extra",
    "active",
)


Shown = LocalText | str | None  # None: the field was empty


@dataclass
class TextPair:
    """One language of a text: before and after."""

    lang: str
    language: str
    before: Shown
    after: Shown


@dataclass
class PlacesRow:
    prison: str
    before: str
    after: str


@dataclass
class ChangeRow:
    """One line of a change. ``kind`` says how to show it: ``value`` (before and after),
    ``texts`` (a text in several languages, side by side) or ``places`` (a small table of
    places per prison). ``key`` is the field for anchors and machines, never for readers."""

    key: str
    label: Shown
    kind: str = "value"
    before: Shown = None
    after: Shown = None
    texts: list[TextPair] = field(default_factory=list)
    places: list[PlacesRow] = field(default_factory=list)


@dataclass
class Names:
    """The reference names a change may need, in one language, read once per page."""

    language: str
    prisons: dict[str, LocalText]
    target_groups: dict[str, LocalText]
    domains: dict[str, LocalText]
    organizations: dict[int, str]

    @classmethod
    def load(cls, session: Session, language: str) -> Names:
        def names(model) -> dict[str, LocalText]:
            return {row.code: row.local("name", language) for row in session.scalars(select(model))}

        return cls(
            language=language,
            prisons=names(Prison),
            target_groups=names(TargetGroup),
            domains=names(ServiceDomain),
            organizations=dict(session.execute(select(Organization.id, Organization.name)).all()),
        )


def step_label(action: str) -> str:
    return str(STEPS.get(action, STEPS["update"]))


def field_label(key: str, authority=None) -> Shown:
    """The label of a field (``contact_email``, ``name_fr``, ``extra.wing_access``,
    ``locations.0.schedule``) in the reader's language, as the form words it."""
    base, _sep, rest = key.partition(".")
    if base == "extra":
        declared = {f.name: f for f in authority.service_fields} if authority else {}
        if rest in declared:
            return pick(declared[rest].labels)
        return _("A field of the authority")
    if base == "locations":
        return str(LABELS["locations"])
    stem, _sep, lang = base.rpartition("_")
    if stem in TEXTS and lang in LANGS:
        return _("%(field)s (%(language)s)", field=LABELS[stem], language=LANGUAGE_NAMES[lang])
    if base in LABELS:
        return str(LABELS[base])
    return _("Another field")


def _yes_no(value: Any) -> str | None:
    if value is None:
        return None
    return _("yes") if value in (True, 1, "1", "true") else _("no")


def _number(value: Any, locale: Locale) -> str | None:
    if value in (None, ""):
        return None
    try:
        return format_decimal(int(value), locale=locale)
    except (TypeError, ValueError):
        return str(value)


def _joined(items: list, locale: Locale) -> str | None:
    words = [str(item) for item in items if str(item)]
    return format_list(words, locale=locale) if words else None


def _language(code: str, locale: Locale) -> str:
    try:
        return Locale.parse(code).get_display_name(locale) or code
    except (ValueError, TypeError):
        return code


def _plain(value: Any, locale: Locale) -> str | None:
    """A value of a field we know nothing about, without Python's spelling of it."""
    if value in (None, "", [], {}):
        return None
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, int | float):
        return format_decimal(value, locale=locale)
    if isinstance(value, list):
        return _joined([_plain(item, locale) or "" for item in value], locale)
    if isinstance(value, dict):
        return _joined([_plain(item, locale) or "" for item in value.values()], locale)
    return str(value)


class _Describer:
    def __init__(self, authority, names: Names) -> None:
        self.authority = authority
        self.names = names
        self.locale = Locale.parse(f"{names.language}_BE")  # the pages' locale

    # --- single values ---

    def value(self, key: str, value: Any) -> Shown:
        if value in (None, "", [], {}):
            return None
        locale = self.locale
        if key == "category":
            terms = {t.code: t for t in self.authority.vocabulary} if self.authority else {}
            return pick(terms[value].labels) if value in terms else _("a category no longer used")
        if key == "domain_code":
            return self.names.domains.get(value) or _plain(value, locale)
        if key == "organization_id":
            return self.names.organizations.get(value) or _("an organisation no longer listed")
        if key == "state":
            return str(STATE_LABELS.get(value, value))
        if key == "target_groups":
            return _joined([self.names.target_groups.get(code, code) for code in value], locale)
        if key == "languages":
            return _joined([_language(code, locale) for code in value], locale)
        if key in ("delivery", "setting", "access"):
            return str(CHOICE_LABELS.get(value, value))
        if key in ("free_of_charge", "waiting_list", "active"):
            return _yes_no(value)
        if key in ("capacity", "typical_wait_days"):
            return _number(value, locale)
        if key.endswith(tuple(f"_{lang}" for lang in LANGS)):
            return LocalText(str(value), key[-2:])
        return _plain(value, locale)

    def extra_value(self, declared, value: Any) -> Shown:
        if value in (None, ""):
            return None
        if declared is None:
            return _plain(value, self.locale)
        if declared.type == "boolean":
            return _yes_no(value)
        if declared.type == "integer":
            return _number(value, self.locale)
        if declared.type == "date":
            try:
                return format_date(date.fromisoformat(value), "long", locale=self.locale)
            except (TypeError, ValueError):
                return str(value)
        if declared.type == "choice":
            labels = declared.choice_labels.get(value)
            return pick(labels) if labels else str(value).replace("_", " ")
        return str(value)

    # --- rows ---

    def rows(self, changes: dict[str, list]) -> list[ChangeRow]:
        rows: list[ChangeRow] = []
        position = {key: index for index, key in enumerate(ORDER)}

        def order(key: str) -> tuple[int, str]:
            stem = key.rsplit("_", 1)[0] if key.rsplit("_", 1)[-1] in LANGS else key
            return position.get(stem, len(ORDER)), key

        texts: dict[str, dict[str, list]] = {}
        for key in sorted(changes, key=order):
            before, after = (list(changes[key]) + [None, None])[:2]
            stem, _sep, lang = key.rpartition("_")
            if stem in TEXTS and lang in LANGS:
                if stem not in texts:
                    texts[stem] = {}
                    rows.append(ChangeRow(key=stem, label=None, kind="texts"))
                texts[stem][lang] = [before, after]
            elif key == "locations":
                rows.extend(self.locations(before or [], after or []))
            elif key == "extra":
                rows.extend(self.extra(before or {}, after or {}))
            else:
                rows.append(
                    ChangeRow(
                        key=key,
                        label=field_label(key, self.authority),
                        before=self.value(key, before),
                        after=self.value(key, after),
                    )
                )
        for row in rows:
            if row.kind != "texts" or row.key not in texts:
                continue  # a prison's wing or section is complete already
            languages = texts[row.key]
            if len(languages) == 1:
                # One language changed: a plain row, the text marked with its language.
                ((lang, (before, after)),) = languages.items()
                key = f"{row.key}_{lang}"
                row.kind, row.key = "value", key
                row.label = field_label(key)
                row.before, row.after = self.value(key, before), self.value(key, after)
                continue
            row.label = str(LABELS[row.key])
            row.texts = [
                TextPair(
                    lang=lang,
                    language=str(LANGUAGE_NAMES[lang]),
                    before=self.value(f"x_{lang}", before),
                    after=self.value(f"x_{lang}", after),
                )
                for lang in LANGS
                if lang in languages
                for before, after in [languages[lang]]
            ]
        return rows

    def extra(self, before: dict, after: dict) -> list[ChangeRow]:
        declared = {f.name: f for f in self.authority.service_fields} if self.authority else {}
        names = [n for n in declared if n in before or n in after]
        names += sorted((set(before) | set(after)) - set(declared))
        rows = []
        for name in names:
            old, new = before.get(name), after.get(name)
            if old == new:
                continue
            spec = declared.get(name)
            rows.append(
                ChangeRow(
                    key=f"extra.{name}",
                    label=field_label(f"extra.{name}", self.authority),
                    before=self.extra_value(spec, old),
                    after=self.extra_value(spec, new),
                )
            )
        return rows

    def locations(self, before: list, after: list) -> list[ChangeRow]:
        old = {item.get("prison"): item for item in before if isinstance(item, dict)}
        new = {item.get("prison"): item for item in after if isinstance(item, dict)}
        codes = list(dict.fromkeys([*old, *new]))
        rows = []

        def prison(code: str) -> Shown:
            return self.names.prisons.get(code) or _("a prison no longer listed")

        if set(old) != set(new):
            rows.append(
                ChangeRow(
                    key="locations",
                    label=str(LABELS["locations"]),
                    before=_joined([prison(c) for c in old], self.locale),
                    after=_joined([prison(c) for c in new], self.locale),
                )
            )
        places = [
            PlacesRow(
                prison=str(prison(code)),
                before=self.places(old.get(code)),
                after=self.places(new.get(code)),
            )
            for code in codes
            if (old.get(code) or {}).get("places") != (new.get(code) or {}).get("places")
            or (code in old) != (code in new)
        ]
        if places:
            rows.append(
                ChangeRow(
                    key="locations.places",
                    label=_("Places per prison"),
                    kind="places",
                    places=places,
                )
            )
        for code in codes:
            was, now = old.get(code) or {}, new.get(code) or {}
            if was.get("schedule") != now.get("schedule"):
                rows.append(
                    ChangeRow(
                        key=f"locations.{code}.schedule",
                        label=_("Schedule: %(prison)s", prison=prison(code)),
                        before=in_words(was.get("schedule"), self.names.language) or None,
                        after=in_words(now.get("schedule"), self.names.language) or None,
                    )
                )
            notes = {
                lang: [was.get(f"notes_{lang}"), now.get(f"notes_{lang}")]
                for lang in LANGS
                if was.get(f"notes_{lang}") != now.get(f"notes_{lang}")
            }
            if notes:
                rows.append(
                    ChangeRow(
                        key=f"locations.{code}.notes",
                        label=_("Wing or section: %(prison)s", prison=prison(code)),
                        kind="texts",
                        texts=[
                            TextPair(
                                lang=lang,
                                language=str(LANGUAGE_NAMES[lang]),
                                before=LocalText(b, lang) if b else None,
                                after=LocalText(a, lang) if a else None,
                            )
                            for lang, (b, a) in notes.items()
                        ],
                    )
                )
        return rows

    def places(self, item: dict | None) -> str:
        if item is None:
            return _("not offered there")
        return _number(item.get("places"), self.locale) or _("not given")


def describe_changes(
    changes: dict[str, list], authority, names: Names, language: str | None = None
) -> list[ChangeRow]:
    """``changes`` (a version's field -> [before, after], or ``services.diff`` of two
    records) as rows in the reader's language. ``authority`` is the service's authority from
    the plugin registry (its vocabulary and own fields), or None if its plugin is disabled.
    With ``language``, the phrases are written in it whatever the request's language."""
    language = language or names.language
    with force_locale(language):
        return _Describer(authority, names).rows(changes)


def changed_labels(rows: list[ChangeRow]) -> list[str]:
    """The labels of the rows, once each: a short summary of a change."""
    return list(dict.fromkeys(str(row.label) for row in rows))


def describe_value(key: str, value: Any, authority, names: Names) -> Shown:
    """One field's value in words, as a change row shows it (the side-by-side comparison of
    two services, core.inventory.views.upkeep, reads each side with its own authority)."""
    with force_locale(names.language):
        return _Describer(authority, names).value(key, value)


def describe_locations(items: Any, names: Names) -> str | None:
    """Where a service is offered, in words: each prison with its schedule and places
    ("Haren: every Wednesday, 8 places"), as the conflict page shows what another saved."""
    said = []
    with force_locale(names.language):
        for item in items or []:
            if not isinstance(item, dict) or not item.get("prison"):
                continue
            prison = names.prisons.get(item["prison"]) or _("a prison no longer listed")
            schedule = item.get("schedule")
            # A form's picker not chosen to the end sends its choices, not yet a rule.
            details = [in_words(schedule, names.language) if isinstance(schedule, str) else ""]
            if str(item.get("places") or "").isdigit():
                count = int(item["places"])
                details.append(ngettext("%(num)d place", "%(num)d places", count))
            detail = ", ".join(part for part in details if part)
            said.append(
                _("%(label)s: %(message)s", label=prison, message=detail) if detail else str(prison)
            )
    return "; ".join(said) or None


def describe_extra(name: str, value: Any, authority, names: Names) -> Shown:
    """An authority's own field's value in words."""
    declared = {f.name: f for f in authority.service_fields} if authority else {}
    with force_locale(names.language):
        return _Describer(authority, names).extra_value(declared.get(name), value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """What changed between two records of a service, field by field: ``[before, after]``."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
