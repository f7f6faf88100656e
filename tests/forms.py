"""Reading a form page sent back with errors as a person and a screen reader would: the error
summary's links, the element each one points at, and the values the form shows again."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr", "col", "area", "base"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


@dataclass
class FormPage:
    title: str = ""
    summary: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    elements: dict[str, Element] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = FormPage()
        self.stack: list[Element] = []
        self.summary_depth: int | None = None
        self.link: list[str] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        element = Element(tag, attributes)
        if attributes.get("id"):
            self.page.elements[attributes["id"]] = element
        if "data-error-summary" in attributes:
            self.summary_depth = len(self.stack)
        if tag == "a" and self.summary_depth is not None:
            self.link = [attributes.get("href") or "", ""]
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.page.values.setdefault(name, []).append(attributes.get("value") or "")
            elif kind not in ("hidden", "submit"):
                self.page.values.setdefault(name, []).append(attributes.get("value") or "")
        if tag == "select":
            self.select = name
        if tag == "option" and self.select and "selected" in attributes:
            self.page.values.setdefault(self.select, []).append(attributes.get("value") or "")
        if tag == "textarea" and name:
            self.page.values.setdefault(name, []).append("")
            element.attrs["_textarea_of"] = name
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            element = self.stack.pop()
            if element.tag == tag:
                break
        if tag == "a" and self.link is not None:
            self.page.links.append((self.link[0], " ".join(self.link[1].split())))
            self.link = None
        if tag == "select":
            self.select = None
        if self.summary_depth is not None and len(self.stack) <= self.summary_depth:
            self.summary_depth = None

    def handle_data(self, data):
        for element in self.stack:
            element.text += data
        if self.stack and self.stack[-1].tag == "title":
            self.page.title += data
        if self.summary_depth is not None:
            self.page.summary += data
        if self.link is not None:
            self.link[1] += data
        if self.stack and "_textarea_of" in self.stack[-1].attrs:
            self.page.values[self.stack[-1].attrs["_textarea_of"]][-1] += data


def read(html: str) -> FormPage:
    reader = _Reader()
    reader.feed(html)
    page = reader.page
    page.summary = " ".join(page.summary.split())
    page.title = " ".join(page.title.split())
    return page


def check_summary(html: str, *, absent: tuple[str, ...] = ()) -> FormPage:
    """The page has an error summary whose every link points at an element that is marked
    invalid and described by a message that exists; none of ``absent`` is in the summary."""
    page = read(html)
    assert page.summary, "no error summary"
    assert page.links, "the error summary links to no field"
    for text in absent:
        assert text not in page.summary, (text, page.summary)
    for href, text in page.links:
        assert href.startswith("#"), href
        target = page.elements.get(href[1:])
        assert target is not None, f"{text!r} links to {href}, which is not on the page"
        assert target.attrs.get("aria-invalid") == "true", f"{href} is not marked invalid"
        described = (target.attrs.get("aria-describedby") or "").split()
        # Whitespace as the summary's text is read: a French message's non-breaking spaces too.
        messages = [
            " ".join(page.elements[i].text.split()) for i in described if i in page.elements
        ]
        assert any(messages), f"{href} is described by no message"
        assert any(m and m in text for m in messages), (href, text, messages)
    return page
