"""Reading pages as a person does: the text they see, in the language it is marked in, and the
links they can follow. Used by tests/test_words.py to crawl the platform as each demo person.

Only the standard library's HTML parser: the pages are our own, well-formed templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
# What a person reads besides text nodes: labels of controls, alternatives, what a field holds.
READ_ATTRIBUTES = ("value", "placeholder", "aria-label", "title", "alt", "aria-description")
HIDDEN_TAGS = {"script", "style", "template"}
# What a person must type exactly as shown (a file's column names): code, and shown as code.
CODE_TAGS = {"code", "kbd", "samp"}
# Links a crawl does not follow: other sites, files to download, machine interfaces, and the
# links that change who or what language the visitor is (the crawl sets those itself).
SKIPPED_PREFIXES = (
    "/static/", "/logout", "/language/", "/auth/", "/login", "/api/", "/hsds/", "/metrics",
    "/healthz", "/readyz", "/favicon",
)  # fmt: skip
DOWNLOAD = re.compile(r"\.(csv|xlsx|ods|odt|pdf|json|ics|xml|zip|png|svg)$|/export|/download")


@dataclass
class Read:
    """What one page says: its text pieces with the language each is marked in, the values
    its fields are prefilled with, and where its links lead."""

    texts: list[tuple[str, str]] = field(default_factory=list)  # (text, language)
    field_values: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    # A browser shows markup inside <title> as text: "<span lang="nl">…</span> · Concerto".
    markup_in_title: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.read = Read()
        # One entry per open element: (tag, language, hidden).
        self.stack: list[tuple[str, str, bool]] = [("", "", False)]
        # Proper names (translate="no") are in no language of the interface.
        self.textarea: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        _parent, language, hidden = self.stack[-1]
        if any(entry[0] == "title" for entry in self.stack):
            self.read.markup_in_title.append(tag)
        language = (attributes.get("lang") or language).split("-")[0]
        if attributes.get("lang") == "":
            # HTML's "language unknown": what a person typed in a free field (a reviewer's
            # comment), in whichever language they wrote it.
            language = "unknown"
        if attributes.get("translate") == "no":
            language = "proper name"  # in no language of the interface
        if tag in CODE_TAGS:
            language = "code"
        if tag == "title":
            # A title holds text only, so a name in another language cannot say so there;
            # the page's heading, which can, is read as well.
            language = "title"
        hidden = (
            hidden
            or tag in HIDDEN_TAGS
            or "hidden" in attributes
            or (tag == "input" and attributes.get("type") == "hidden")
        )
        if tag == "a" and attributes.get("href"):
            self.read.links.append(attributes["href"])
        if not hidden:
            for name in READ_ATTRIBUTES:
                if attributes.get(name):
                    if name == "value" and tag in ("input", "option"):
                        kind = attributes.get("type", "text")
                        if tag == "input" and kind in ("text", "search", "email", "tel", "url"):
                            self.read.field_values.append(attributes[name])
                        # A submit button's value is its words; an option's is a code.
                        if kind not in ("submit", "button"):
                            continue
                    self.read.texts.append((attributes[name], language))
        if tag == "textarea":
            self.textarea = []
        if tag not in VOID:
            self.stack.append((tag, language, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            self.read.field_values.append("".join(self.textarea))
            self.textarea = None
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.append(data)
        _tag, language, hidden = self.stack[-1]
        if not hidden and data.strip():
            self.read.texts.append((data.strip(), language))


def read_page(html: str) -> Read:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.read


def page_kind(url: str) -> str:
    """Pages of one kind differ only in the record they show: numbers in the path and the
    values of the query are left out, so a crawl visits each kind once."""
    parts = urlsplit(url)
    path = "/".join(
        "N" if re.fullmatch(r"\d+", piece) else piece for piece in parts.path.split("/")
    )
    names = sorted({name for name, _value in parse_qsl(parts.query, keep_blank_values=True)})
    # Paging and sorting show the same page kind again.
    names = [name for name in names if name not in ("page", "sort", "per_page", "order")]
    return path + ("?" + "&".join(names) if names else "")


AUTHORITY_CODES = {"cocom", "vlaams", "federatie_wb", "cocof", "justitie"}


def template_kind(url: str) -> str:
    """Pages made from one template: the path without record numbers, authority codes and
    query (the accessibility checks see one page of each)."""
    pieces = urlsplit(url).path.split("/")
    return "/".join(
        "N" if re.fullmatch(r"\d+", piece) else "A" if piece in AUTHORITY_CODES else piece
        for piece in pieces
    )


def followable(base_path: str, href: str) -> str | None:
    """The path and query of a link the crawl may follow from ``base_path``, else None."""
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    target = urlsplit(urljoin(f"http://localhost{base_path}", href))
    if target.netloc not in ("localhost", ""):
        return None
    if target.path.startswith(SKIPPED_PREFIXES) or DOWNLOAD.search(target.path):
        return None
    return target.path + (f"?{target.query}" if target.query else "")
