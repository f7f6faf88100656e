"""A page's form read into the values a service takes, from the fields the page declares.

Services validate plain dicts (the API sends the same dicts as JSON), so a page's only work
is to say which of its inputs are texts, ticked boxes or lists of choices and read them the
same way every time: a text as typed ("" when left empty), a box as "1" or "0", a list as
every value sent. What a service refuses comes back to the page as ``Invalid`` with each
field's code (core.web)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FormFields:
    texts: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # checkboxes: "1" when ticked, else "0"
    lists: tuple[str, ...] = ()  # several choices under one name
    # The inputs are named "<prefix>_<field>" on the page (one part of a larger form).
    prefix: str = ""
    # Leave out the texts the form did not send at all: a page that shows some fields only
    # (a signal's answer appears once it is sent) keeps the others as they are.
    only_sent: bool = False

    def input_name(self, field: str) -> str:
        return f"{self.prefix}_{field}" if self.prefix else field

    def read(self, form: Any) -> dict[str, Any]:
        """The declared fields' values from a request's form (a MultiDict)."""
        name = self.input_name
        values: dict[str, Any] = {
            field: form.get(name(field), "")
            for field in self.texts
            if not self.only_sent or name(field) in form
        }
        values |= {field: "1" if form.get(name(field)) else "0" for field in self.flags}
        values |= {field: form.getlist(name(field)) for field in self.lists}
        return values
