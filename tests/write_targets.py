"""Who writes, and where, for tests/test_write_properties.py: every write route of the Flask
url_map (but those in EXCLUDED, each with the reason), each with the form that posts to it on
the platform's pages and the person who sees that form (the forms are read by crawling the
pages as each person), or with the OpenAPI document's request schema for the API. Records in
states the demo data lacks are made first (WARM_UP); a route whose form no page shows is sent
with guessed fields (and must be listed in the test's BLIND with the reason)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlalchemy import text
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from tests.conftest import PAGES, STUDY_YEAR
from tests.logins import PEOPLE, api_token, grant, login

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Left out, and why. Everything else the url_map offers for writing is sent.
EXCLUDED = {
    # Ends the session every other example of the run writes with; it reads no field.
    "identity.logout": "ends the test's own session",
}


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
