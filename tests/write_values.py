"""What tests/test_write_properties.py sends to every write route: the page's own values, a
NUL byte and 24,000 characters in every field (EVERYWHERE), and what Hypothesis draws (text
with control characters, lone surrogates, right-to-left and emoji, very long text; numbers too
large, negative, NaN-like or with a decimal comma; dates far in the past or future and
malformed ones; JSON of any type), as a form or a JSON body."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from hypothesis import strategies as st

if TYPE_CHECKING:
    from tests.write_targets import Target, Visitors

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
