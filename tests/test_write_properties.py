"""Whatever an outsider types, every write the platform offers answers without a server
error, and a refusal stores nothing (issue 18).

The writes are the Flask url_map's POST, PUT, PATCH and DELETE routes, so a route added later
is covered without touching this file; the few left out are in EXCLUDED, each with the
reason. For each route the test finds the form that posts to it on the platform's pages (so
it writes as the person who sees that form: an anonymous visitor for the public forms, a
coordinator who is also the secretariat and an administrator, a committee member, a network
manager). Records in states the demo data lacks are made first (WARM_UP); a route whose
form no page shows at all is sent with guessed fields, and must be listed in BLIND with the
reason. API writes get JSON objects built from the OpenAPI document's request schemas, with
a bearer token.

Every route is sent as its page fills it in, then with a NUL byte and with 24,000
characters in every field, then with some fields replaced by what Hypothesis draws: text with
control characters, lone surrogates (percent-encoded in forms, escaped in JSON), right-to-left
and emoji, very long text; numbers too large, negative, NaN-like or with a decimal comma;
dates far in the past or future and malformed ones. Each answer must be below 500, and a 4xx
must leave every business table as it was (a fingerprint of their rows before and after;
the tables that change on any request, such as sessions and rate-limit counters, are in
VOLATILE).

One app and one database per backend serve the whole run, through Flask's test client (no
server). On SQLite every example starts from the same data (put back from a snapshot after
an example that changed something), so the run is derandomized and reproducible; PostgreSQL
runs fewer drawn examples per route and compares fingerprints before and after each one.
WRITE_PROPERTY_EXAMPLES=50 searches longer; WRITE_PROPERTY_ONLY=<regex> picks routes and
WRITE_PROPERTY_DEBUG=1 prints every answer, on a developer's machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from flask import got_request_exception
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from tests.conftest import PAGES, STUDY_YEAR, make_app
from tests.logins import PEOPLE, api_token, grant, login
from tests.snapshots import SqliteSnapshot

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Left out, and why. Everything else the url_map offers for writing is sent.
EXCLUDED = {
    # Ends the session every other example of the run writes with; it reads no field.
    "identity.logout": "ends the test's own session",
}
# Tables that change on any request, refused or not: the server-side session and its CSRF
# token, the rate-limit counters, a token's last use, the scheduler's bookkeeping, and the
# full-text index's own shadow tables (derived from services, which are compared).
VOLATILE = {
    "browser_sessions",
    "rate_limits",
    "api_tokens",
    "job_runs",
    "scheduler_lease",
}
VOLATILE_PREFIXES = ("service_search", "alembic_version")
# Drawn examples per route (besides the page's own values and the two in EVERYWHERE).
EXAMPLES = {"sqlite": 5, "postgresql": 2}
if os.environ.get("WRITE_PROPERTY_EXAMPLES"):
    EXAMPLES = dict.fromkeys(EXAMPLES, int(os.environ["WRITE_PROPERTY_EXAMPLES"]))

# --- what Hypothesis sends ---------------------------------------------------------------

LONG = "Lange tekst " * 2_000  # 24,000 characters
ODD_TEXT = [
    "",
    " ",
    "A\x00B",
    "Org\r\nBcc: evil@x.example",
    "tab\there",
    "vertical\x0btab \x1b[31mred",
    "next line \x85 separators \u2028\u2029",
    "\u202egnp.exe",
    "مرحبا بالعالم — سجن",
    "שלום עולם",
    "👩‍👩‍👧‍👦 🏳️‍🌈 🇧🇪",
    "=cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{7*7}} %s %n {0}",
    "\ud800",
    "lone \udfff low",
    "e\u0301\u0301\u0301",
    LONG,
    "é" * 30_000,
]
ODD_NUMBERS = [
    "-1",
    "0",
    "-0",
    "1e400",
    "-1e400",
    "1e-400",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "1,5",
    "3,141592653589793",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "9" * 400,
    "1_000",
    "0x1F",
    "١٢٣",
    "½",
    " 7 ",
    "+5",
    "5.",
]
ODD_DATES = [
    "0001-01-01",
    "9999-12-31",
    "1999-12-31",
    "2101-01-01",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "0000-00-00",
    "31/12/2026",
    "2026-1-1",
    "-2026-01-01",
    "+10000-01-01",
    "2026-W01",
    "2026-01-01T25:61",
    "25:99",
    "24:00",
    "0001-01-01T00:00:00+14:00",
]
TEXT = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.text(st.characters(codec=None, categories=None), max_size=40),
)
NUMBER = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(
        lambda d: str(d).replace(".", ",")
    ),
)
DATE = st.one_of(
    st.sampled_from(ODD_DATES),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
    st.datetimes(min_value=datetime(1, 1, 1)).map(lambda moment: moment.isoformat()),
)
ANYTHING = st.one_of(TEXT, NUMBER, DATE)
BY_INPUT_TYPE = {
    "date": st.one_of(DATE, TEXT),
    "datetime-local": st.one_of(DATE, TEXT),
    "time": st.one_of(DATE, NUMBER, TEXT),
    "number": st.one_of(NUMBER, TEXT),
    "email": st.one_of(TEXT, st.emails().map(lambda a: a + "."), NUMBER),
}
# JSON values: the strings above, numbers JSON can carry (and Python writes beyond it:
# Infinity, NaN), nesting, and the wrong type.
JSON_VALUE = st.one_of(
    TEXT,
    NUMBER,
    DATE,
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([float("inf"), float("nan"), 1e308, -1e-308, 2**63, -(2**31) - 1]),
    st.none(),
    st.booleans(),
    st.lists(TEXT, max_size=3),
    st.dictionaries(TEXT, NUMBER, max_size=2),
)

# --- the platform's forms ----------------------------------------------------------------


@dataclass
class Form:
    action: str
    enctype: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # what a browser sends as is
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type


class _FormReader(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: tuple[str, bool] | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text = ""
        self.button_sent = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = urljoin(self.base, a.get("action") or self.base)
                self.form = Form(action, a.get("enctype", "application/x-www-form-urlencoded"))
                self.button_sent = False
            return
        if self.form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            self.form.kinds.setdefault(name, kind)
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form.fields.append((name, a.get("value", "on")))
            elif kind == "submit":
                self._button(name, a.get("value", ""))
            elif kind != "file":
                self.form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self._button(name, a.get("value", ""))
        elif tag == "select" and name:
            self.select = (name, "multiple" in a)
            self.options = []
            self.form.kinds.setdefault(name, "select")
        elif tag == "option" and self.select:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""
            self.form.kinds.setdefault(name, "textarea")

    def _button(self, name: str, value: str) -> None:
        # The first named button is the one a person presses; the others stay unsent.
        self.form.kinds.setdefault(name, "submit")
        if not self.button_sent:
            self.form.fields.append((name, value))
            self.button_sent = True

    def handle_data(self, data):
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag):
        if self.form is None:
            return
        if tag == "form":
            self.forms.append(self.form)
            self.form = None
        elif tag == "select" and self.select:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and self.options and not multiple:
                chosen = [self.options[0][0]]
            self.form.fields.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.form.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


# --- who writes, and where ---------------------------------------------------------------


@dataclass
class Target:
    endpoint: str
    method: str
    path: str
    who: str
    form: Form | None = None
    schema: dict | None = None  # the JSON request body's schema, for the API
    headers: dict[str, str] = field(default_factory=dict)
    blind: bool = False  # no page shows its form: sent with guessed fields


class Visitors:
    """Test clients of the people who write, logged in once for the whole run."""

    def __init__(self, app) -> None:
        self.app = app
        self.clients = {"anonymous": app.test_client()}
        writer = self.clients["writer"] = app.test_client()
        login(writer, "vlaams", PEOPLE["vlaams"]["coordinator"])
        for role in ("secretary", "administrator"):
            grant(app, "vlaams", PEOPLE["vlaams"]["coordinator"], role)
        # Platform roles come with a login: log in again to hold the new ones.
        login(writer, "vlaams", PEOPLE["vlaams"]["coordinator"])
        reviewer = self.clients["reviewer"] = app.test_client()
        login(reviewer, "cocof", PEOPLE["cocof"]["member"])
        manager = self.clients["network_manager"] = app.test_client()
        login(manager, "vlaams", PEOPLE["vlaams"]["network_manager"])
        self.tokens = {
            "writer": api_token(app, PEOPLE["vlaams"]["coordinator"], ["coordinator"]),
            "reviewer": api_token(app, PEOPLE["cocof"]["member"], ["member"]),
        }


class _LinkReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


# Pages not worth reading for forms: files, feeds, language switches, logins.
NOT_PAGES = re.compile(r"\.(xlsx|ods|csv|json|pdf|ics|docx|svg|png|ico)$|^/(language|auth|static)/")


def crawl(client, starts: list[str], limit: int = 400) -> dict[str, list[Form]]:
    """The forms on the pages ``client`` reaches from ``starts`` by following links. Of the
    pages of one shape (/meetings/1, /meetings/12) it reads the first three it meets and six
    more spread over the others' numbers, which are often in other states (a planned or a
    held meeting, a draft, a pending application) and show other forms."""
    seen: set[str] = set()
    overflow: dict[str, list[str]] = {}
    forms: dict[str, list[Form]] = {}

    def shape_of(path: str) -> str:
        return re.sub(r"\d+", "#", urlsplit(path).path)

    def visit(path: str) -> list[str]:
        seen.add(path)
        answer = client.get(path)
        if answer.status_code != 200 or "html" not in (answer.content_type or ""):
            return []
        html = answer.get_data(as_text=True)
        reader = _FormReader(f"http://localhost{path}")
        reader.feed(html)
        forms[path] = reader.forms
        links = _LinkReader()
        links.feed(html)
        found = []
        for href in links.links:
            target = urlsplit(urljoin(f"http://localhost{path}", href))
            if target.netloc == "localhost" and not NOT_PAGES.search(target.path):
                found.append(target.path + (f"?{target.query}" if target.query else ""))
        return found

    shapes: dict[str, int] = {}
    queue = list(starts)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        shape = shape_of(path)
        if shapes.get(shape, 0) >= 3 and path not in starts:
            overflow.setdefault(shape, []).append(path)
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        queue += visit(path)
    for paths in overflow.values():
        latest = sorted(
            {p for p in paths if p not in seen},
            key=lambda p: [int(n) for n in re.findall(r"\d+", p)],
        )
        step = max(1, len(latest) // 6)
        for path in latest[::-1][::step][:6]:
            visit(path)
    return forms


# Records in states whose forms the demo data does not show (a year's plan, an evaluation, a
# placement-site application, minutes being written, an invitation, a registration by
# link) are made first through the platform's own forms, sent as a person fills them in.
WARM_UP = {
    # A private feed address, so that the account's feed page shows how to stop it.
    "feeds.new_address": ("writer", {}),
    "meetings.invite": ("writer", {}),
    "meetings.start_minutes": ("writer", {}),
    "goals.add_annual_item": ("writer", {"owner": "Secretariaat"}),
    "goals.evaluate": (
        "writer",
        {"year": "2026", "rating": "partly", "assessment_nl": "Deels bereikt"},
    ),
    "studyday.register": (
        "anonymous",
        {"name": "Ann Peeters", "email": "ann.peeters@example.org", "organisation": "CAW"},
    ),
    "vlaams_placements.apply": (
        "anonymous",
        {
            "organisation": "Sportclub De Pijl",
            "legal_form": "non_profit",
            "province": "brussel",
            "address": "Kanaalstraat 1, 1000 Brussel",
            "contact_name": "Ann Peeters",
            "contact_email": "ann@depijl.example",
            "language": "nl",
            "supervision": "Een vaste begeleider is elke dag aanwezig.",
            "work_offered": "Onderhoud van de sportvelden.",
            "daily_supervision": "1",
            "useful_work": "1",
            "hours_checked": "1",
        },
    ),
}
SELF_HARM = ("/account/", "/admin/")
# Routes no page posts to in the demo's states, sent with guessed fields as the
# secretariat, and why they cannot be shown.
BLIND = {
    "meetings.held": "a meeting is marked held once it started; the demo's next one has not",
    "meetings.approve": "the demo's minutes are all approved; new ones are approved at a later "
    "meeting once finished",
    "meetings.reply_as_member": "the demo's members are not the people this test logs in as",
    "meetings.add_decision": "the minutes page is one form posting to meetings.minutes_editor",
    "meetings.add_action": "the minutes page is one form posting to meetings.minutes_editor",
    "meetings.remove_decision": "the minutes page is one form posting to meetings.minutes_editor",
    "notifications.unsubscribe": "a mail program posts it from a digest's List-Unsubscribe "
    "header, with the signed token of that e-mail",
    "notifications.settings_by_link": "reached from the signed link in an e-mail, which no page "
    "shows; the same form as /notifications/settings",
    "notifications.unfollow": "its button shows once one follows a record, which the test's "
    "people do not before the pages are read",
    "studyday.old_register": "the study day's registration address by year from before there "
    "were other events (issue 24); a page rendered before then may still post to it",
}
# Every record's own page, so that each state the data holds shows its forms.
RECORD_PAGES = {
    "/meetings/{}": "SELECT id FROM meetings",
    "/meetings/{}/minutes": "SELECT id FROM meetings",
    "/services/{}": "SELECT id FROM services WHERE authority_code = 'vlaams'",
    "/goals/{}": "SELECT id FROM goals",
    "/plans/brussels_2014_2019/years/{}": "SELECT year FROM annual_plans",
    "/vlaams/placement-sites/{}": "SELECT id FROM vlaams_placement_sites",
}


def _rule(adapter, path: str):
    """The route a form posts to, or None for an address no write route takes."""
    try:
        return adapter.match(path, method="POST", return_rule=True)[0]
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return None


def _record_pages(app) -> list[str]:
    with app.extensions["concerto.db"].session() as db:
        return [
            page.format(key)
            for page, query in RECORD_PAGES.items()
            for key in db.scalars(text(query))
        ]


def _warm_up(app, visitors: Visitors, forms: dict[str, dict[str, list[Form]]]) -> list[str]:
    """Send WARM_UP's forms once each; the secret links they mail (an invitation, a
    registration) are read from the outbox and returned."""
    adapter = app.url_map.bind("localhost")
    for endpoint, (who, values) in WARM_UP.items():
        for form in (form for page in forms[who].values() for form in page):
            path = urlsplit(form.action).path
            rule = _rule(adapter, path)
            if rule is not None and rule.endpoint == endpoint:
                answer = visitors.clients[who].post(path, data=dict(form.fields) | values)
                assert answer.status_code in (200, 201, 302, 303), (endpoint, answer.status_code)
                break
        else:
            raise AssertionError(f"no form for {endpoint} to warm up with")
    with app.extensions["concerto.db"].session() as db:
        bodies = " ".join(db.scalars(text("SELECT body FROM outbox ORDER BY id")))
    return [
        found[0]
        for pattern in (r"/invitations/[\w\-]+", r"/studyday/r/[\w\-]+")
        if (found := re.findall(pattern, bodies))
    ]


def _targets(app, visitors: Visitors) -> list[Target]:
    adapter = app.url_map.bind("localhost")
    # By route, not endpoint: one view may take two addresses (a new record and an edit).
    rules = {
        rule.rule: rule
        for rule in app.url_map.iter_rules()
        if rule.methods & WRITES and rule.endpoint not in EXCLUDED
    }
    starts = sorted({path for path, _who in PAGES})
    first = {
        "writer": crawl(visitors.clients["writer"], starts + _record_pages(app)),
        "anonymous": crawl(visitors.clients["anonymous"], starts, limit=150),
    }
    secret = _warm_up(app, visitors, first)
    records = _record_pages(app)
    # Anonymous first: a public form is tried as the stranger who can send it.
    forms = {
        "anonymous": crawl(visitors.clients["anonymous"], secret + starts, limit=150),
        "writer": crawl(visitors.clients["writer"], starts + records),
        "reviewer": crawl(visitors.clients["reviewer"], ["/services/review", "/meetings"], 60),
        "network_manager": crawl(
            visitors.clients["network_manager"],
            ["/vlaams/placement-sites"] + [p for p in records if "placement" in p],
            limit=20,
        ),
    }
    found: dict[str, Target] = {}
    known: dict[str, set] = {}  # the values of each route argument seen in a form's action
    # The forms of the first crawl come last: some are gone once warmed up (minutes started).
    for who, pages in [*forms.items(), *first.items()]:
        for form in (form for page in pages.values() for form in page):
            path = urlsplit(form.action).path
            rule = _rule(adapter, path)
            if rule is None:
                continue
            for name, value in adapter.match(path, method="POST")[1].items():
                known.setdefault(name, set()).add(value)
            if rule.rule in rules and rule.rule not in found:
                found[rule.rule] = Target(rule.endpoint, "POST", path, who, form=form)
    document = _api_document(app)
    names = {
        name: kind
        for page in forms["writer"].values()
        for f in page
        for name, kind in f.kinds.items()
    }
    token = next(
        value
        for page in forms["writer"].values()
        for f in page
        for name, value in f.fields
        if name == "csrf_token"
    )
    for key, rule in rules.items():
        if key in found:
            continue
        method = sorted(rule.methods & WRITES)[0]
        if rule.rule.startswith("/api/v1/"):
            found[key] = _api_target(app, visitors, document, rule, method)
        else:
            with app.extensions["concerto.db"].session() as db:
                for name in set(rule.arguments) - set(known):
                    known[name] = {db.scalar(text(RECORDS[name]))}
            # No page shows this form in the data's states (a meeting marked held only once
            # it started, routes the minutes' single form replaced): sent blind, as the
            # secretariat, with the record last seen in a form and any of the site's fields.
            path = rule.build({name: max(known[name]) for name in rule.arguments})[1]
            form = Form(path, "application/x-www-form-urlencoded", [("csrf_token", token)], names)
            found[key] = Target(rule.endpoint, method, path, "writer", form=form, blind=True)
    # The person's own account and roles last: revoking the test's token or role there would
    # leave the routes after it refusing everyone (on PostgreSQL nothing is put back).
    return sorted(found.values(), key=lambda t: (t.path.startswith(SELF_HARM), t.path))


def _api_document(app) -> dict:
    with app.test_request_context():
        from core.api.views import openapi_document

        return openapi_document(None)


# The record a route argument names when no page showed one (actions go under operational
# goals; a draft is where a change is still possible).
RECORDS = {
    "decision_id": "SELECT max(id) FROM decisions",
    "service_id": "SELECT max(id) FROM services WHERE authority_code = 'vlaams'",
    "meeting_id": "SELECT max(id) FROM meetings",
    "goal_id": "SELECT min(id) FROM goals WHERE parent_id IS NOT NULL",
    "indicator_id": "SELECT min(id) FROM indicators",
    "evaluation_id": "SELECT min(id) FROM evaluations",
    "registration_id": "SELECT min(id) FROM registrations",
    # The demo's study day of this year (issue 24: events by id, the study day also by year).
    "event_id": "SELECT min(id) FROM study_days",
    "year": "SELECT max(year) FROM study_days WHERE kind = 'study_day'",
    # The demo's draft out for remarks, and the remark of the Flemish coordinator (the writer
    # was present: hers to change or withdraw).
    "minutes_id": "SELECT min(minutes_id) FROM minutes_rounds",
    "remark_id": "SELECT min(id) FROM minutes_remarks",
    # The demo's answered and published signal (issue 24).
    "signal_id": "SELECT min(id) FROM signals",
    # The demo's first outside partner (issue 24).
    "partner_id": "SELECT min(id) FROM partners",
    # A digest's kind and a settings link's token, which no table holds.
    "how": "SELECT 'daily'",
    "token": "SELECT 'not-a-signed-token'",
}


def _api_target(app, visitors, document, rule, method) -> Target:
    """An API write on the first record of its kind, with the schema of its body."""
    path = rule.rule
    with app.extensions["concerto.db"].session() as db:
        for name in rule.arguments:
            if name == "code":
                value = "brussels_2014_2019" if "/plans/" in path else "vlaams"
            elif name == "year":
                value = str(STUDY_YEAR if "study-days" in path else 2026)
            elif name == "action_id":
                table = "plan_actions" if "plan-actions" in path else "action_items"
                value = str(db.scalar(text(f"SELECT min(id) FROM {table}")))
            elif name == "remark_id" and path.endswith("/handling"):
                # The secretariat marks another member's remark: on PostgreSQL nothing is
                # undone between routes, and the writer may have withdrawn her own already.
                value = str(db.scalar(text("SELECT max(id) FROM minutes_remarks")))
            else:
                value = str(db.scalar(text(RECORDS[name])))
            path = re.sub(rf"<[^>]*\b{name}>", value, path)
    template = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
    operation = document["paths"][template][method.lower()]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = _resolve(document, content.get("schema", {"type": "object"}))
    reviews = path.endswith(("/approve", "/return")) and "/services/" in path
    who = "reviewer" if reviews else "writer"
    headers = {"Authorization": f"Bearer {visitors.tokens[who]}"}
    if any(p["name"] == "If-Match" for p in operation.get("parameters", [])):
        read = visitors.clients["anonymous"].get(path, headers=headers)
        headers["If-Match"] = read.headers.get("ETag", '"1"')
    return Target(rule.endpoint, method, path, who, schema=schema, headers=headers)


def _resolve(document: dict, schema: dict) -> dict:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _resolve(document, document["components"]["schemas"][name])
    if "allOf" in schema:
        merged: dict = {"type": "object", "properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(_resolve(document, part).get("properties", {}))
        return merged
    return schema


# --- what a refusal may not change -------------------------------------------------------


def fingerprint(app) -> dict[str, str]:
    """A digest of every business table's rows."""
    engine = app.extensions["concerto.db"].engine
    tables = [
        name
        for name in inspect(engine).get_table_names()
        if name not in VOLATILE and not name.startswith(VOLATILE_PREFIXES)
    ]
    if engine.dialect.name == "postgresql":
        # Digested by the server, in one round trip.
        query = " UNION ALL ".join(
            f"SELECT '{name}', count(*) || ':' || md5(coalesce(string_agg(t::text, '|' "
            f"ORDER BY t::text), '')) FROM \"{name}\" t"
            for name in tables
        )
        with engine.connect() as connection:
            return dict(connection.execute(text(query)).all())
    digests = {}
    with engine.connect() as connection:
        for name in tables:
            rows = connection.execute(text(f'SELECT * FROM "{name}"')).all()
            lines = sorted(repr(tuple(row)) for row in rows)
            digests[name] = f"{len(lines)}:" + hashlib.sha1("\n".join(lines).encode()).hexdigest()
    return digests


# --- sending -----------------------------------------------------------------------------


class Drawn:
    """Which fields an example changes and to what, as Hypothesis draws them."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def fields(self, names: list[str], at_least: int) -> list[str]:
        return sorted(self.data.draw(st.sets(st.sampled_from(names), min_size=at_least)))

    def values(self, name: str, strategy: st.SearchStrategy) -> list:
        return self.data.draw(st.lists(strategy, min_size=1, max_size=2), label=name)

    def value(self, name: str, strategy: st.SearchStrategy):
        return self.data.draw(strategy, label=name)


class Everywhere:
    """One value in every field: the examples every route gets on every database (a NUL
    byte, which PostgreSQL refuses to store, and text longer than any column)."""

    def __init__(self, value: str) -> None:
        self.value_ = value

    def fields(self, names: list[str], at_least: int) -> list[str]:
        return names

    def values(self, name: str, strategy: st.SearchStrategy) -> list:
        return [self.value_]

    def value(self, name: str, strategy: st.SearchStrategy):
        return self.value_


EVERYWHERE = [Everywhere("A\x00B"), Everywhere(LONG)]


def _form_request(target: Target, choose) -> tuple[bytes | list, str]:
    form = target.form
    # A form of a button alone gets a field it does not read, which it must ignore.
    changeable = sorted(set(form.kinds) - {"csrf_token"}) or ["unexpected"]
    # No field changed is the simplest example, so each route is first sent as the page
    # fills it in: the route's own code is reached before the odd values come.
    chosen = choose.fields(changeable, at_least=0)
    pairs = [(name, value) for name, value in form.fields if name not in chosen]
    for name in chosen:
        strategy = BY_INPUT_TYPE.get(form.kinds.get(name, ""), ANYTHING)
        pairs += [(name, value) for value in choose.values(name, strategy)]
    if form.enctype == "multipart/form-data":
        # A multipart body carries UTF-8 text only: a lone surrogate cannot travel there.
        clean = [(n, v.encode("utf-8", "replace").decode()) for n, v in pairs]
        return clean, "multipart/form-data"
    # Percent-encoded with the surrogates kept as bytes that are not UTF-8, as a crafted
    # request can send them.
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode(), (
        "application/x-www-form-urlencoded"
    )


def _json_request(target: Target, choose) -> bytes:
    properties = sorted(target.schema.get("properties", {})) or ["name", "value"]
    body = {name: choose.value(name, JSON_VALUE) for name in choose.fields(properties, 1)}
    # Python writes Infinity and NaN, which JSON does not have: exactly what a careless or
    # hostile client sends. Lone surrogates travel as \ud800 escapes.
    return json.dumps(body).encode()


def _send(visitors: Visitors, target: Target, choose):
    """The answer, and what was sent (for a failure's message)."""
    if target.form is None:
        body = _json_request(target, choose)
        client = visitors.clients["anonymous"]  # the bearer token says who calls
        answer = client.open(
            target.path,
            method=target.method,
            data=body,
            content_type="application/json",
            headers=target.headers,
        )
        return answer, body
    client = visitors.clients[target.who]
    body, content_type = _form_request(target, choose)
    if isinstance(body, list):
        fields: dict[str, list[str]] = {}
        for name, value in body:
            fields.setdefault(name, []).append(value)
        return client.open(target.path, method=target.method, data=fields), fields
    answer = client.open(target.path, method=target.method, data=body, content_type=content_type)
    return answer, body


# --- the test ----------------------------------------------------------------------------


@pytest.fixture
def platform(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


@dataclass
class Run:
    """What the examples of every route found, for the assertions at the end."""

    app: object
    visitors: Visitors
    snapshot: SqliteSnapshot | None
    original: dict[str, str]
    failures: list[str] = field(default_factory=list)
    statuses: dict[str, list[int]] = field(default_factory=dict)
    errors: list[BaseException] = field(default_factory=list)
    dirty: bool = False

    def examples_of(self, target: Target, examples: int):
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def send(data):
            self.send(target, Drawn(data))

        return send

    def send(self, target: Target, choose) -> None:
        if self.snapshot is not None and self.dirty:
            self.snapshot.restore()
            self.dirty = False
        before = self.original if self.snapshot is not None else fingerprint(self.app)
        self.errors.clear()
        answer, sent = _send(self.visitors, target, choose)
        status = answer.status_code
        self.statuses.setdefault(f"{target.endpoint} {target.path}", []).append(status)
        where = f"{target.method} {target.path} as {target.who}"
        if os.environ.get("WRITE_PROPERTY_DEBUG"):
            print(
                where,
                status,
                answer.get_data(as_text=True)[:300],
                sent if len(str(sent)) < 300 else "",
            )
        if status >= 500:
            self.failures.append(f"{where}: {status} {self.errors[-1:]!r} for {sent!r}"[:1500])
        if not 400 <= status < 500:
            self.dirty = True
            return
        after = fingerprint(self.app)
        changed = sorted(name for name in after if after[name] != before.get(name))
        if changed:
            self.failures.append(f"{where}: {status} but {changed} changed, for {sent!r}"[:1500])
            self.dirty = True


def test_no_write_answers_a_server_error_or_stores_a_refusal(platform, backend):
    app = platform
    visitors = Visitors(app)
    targets = _targets(app, visitors)
    # A new write route whose form no page shows must be shown by WARM_UP (or said why not).
    # (Some of BLIND's may show, depending on the hour: the demo's meetings move with it.)
    assert {t.endpoint for t in targets if t.blind} <= BLIND.keys()
    snapshot = SqliteSnapshot(app) if backend == "sqlite" else None
    run = Run(app, visitors, snapshot, fingerprint(app))

    def note(_app, exception, **_extra):
        # The exception behind a 500, for the message (the error page does not show it).
        run.errors.append(exception)

    only = re.compile(os.environ.get("WRITE_PROPERTY_ONLY", ""))
    got_request_exception.connect(note, app)
    try:
        for target in (t for t in targets if only.search(f"{t.endpoint} {t.path}")):
            for choose in EVERYWHERE:
                run.send(target, choose)
            run.examples_of(target, EXAMPLES[backend])()
    finally:
        got_request_exception.disconnect(note, app)

    assert not run.failures, "\n".join(run.failures)
    # Each route's own code was reached: not every answer was a refusal to the person or a
    # record that does not exist (a wrong person or id in this test would hide the route).
    unreached = {
        route: sorted(set(seen))
        for route, seen in run.statuses.items()
        if set(seen) <= {401, 403, 404, 405} and route.split()[0] not in BLIND
    }
    assert unreached == {}
    assert len(run.statuses) == len(targets) or only.pattern
