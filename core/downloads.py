"""HTTP headers of downloads whose file name comes from a user (an attachment's name)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment; filename="..."`` with an ASCII name every client reads, plus the exact
    name as ``filename*=UTF-8''...`` (RFC 6266) when it has other characters: a non-Latin-1
    character in a header cannot be sent at all, and quotes or line breaks would end it."""
    name = (
        "".join(
            "_" if ch in '"\\/' or unicodedata.category(ch)[0] == "C" else ch for ch in filename
        ).strip()
        or "download"
    )
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = plain.strip() or "download"
    if plain == name:
        return f'{disposition}; filename="{plain}"'
    return f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
