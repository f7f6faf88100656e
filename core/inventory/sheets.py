"""Spreadsheets (XLSX and ODS) of one sheet, written as XML text and streamed.

openpyxl and odfpy build an object per cell (odfpy a whole document tree): at 10,000
services an export took 60 (XLSX) and 290 (ODS) times the reading of its rows. A sheet of
plain values needs none of that: each row is a line of XML, the package a zip of a few
fixed parts. Cells: text (inline, so no shared-string table), numbers, and booleans; an
empty value is an empty cell. The values come already made harmless (export.safe_row); what
XML cannot hold is left out of each chunk as it is encoded (``utf8``).

The package is written as the rows come, a batch at a time, and handed on as chunks of bytes
(``xlsx_chunks``, ``ods_chunks``): the sheet's part is a zip member whose sizes follow its
data, so nothing waits for the end of the sheet and memory holds one batch.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

from core.validation import XML_ILLEGAL

ROWS_PER_CHUNK = 500  # rows written out at a time
# Deflate's fastest level: the 14 MB of a sheet's XML at 10,000 services took 31 ms to
# compress at level 1 and 106 ms at the default level (6), for a file a fifth smaller.
COMPRESSION_LEVEL = 1


# What XML cannot hold (validation.XML_ILLEGAL) as it is in UTF-8: the control characters
# (a byte each), U+FFFE and U+FFFF; a lone surrogate cannot be encoded at all.
_CONTROL_BYTES = bytes(sorted(set(range(32)) - {9, 10, 13}))


def utf8(text: str) -> bytes:
    """``text`` in UTF-8 without what XML cannot hold: looked for in the bytes, several
    times faster than a search of the text."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return XML_ILLEGAL.sub("", text).encode("utf-8")
    # U+FFFE and U+FFFF are looked for in the text: at once in a text of Latin-1 only.
    if (
        len(data.translate(None, _CONTROL_BYTES)) != len(data)
        or "\ufffe" in text
        or "\uffff" in text
    ):
        return XML_ILLEGAL.sub("", text).encode("utf-8")
    return data


class _Sink:
    """What the zip is written to: the bytes written are taken away as chunks (``take``);
    until then ZipFile may go back over them (to write a member's sizes in its header)."""

    def __init__(self) -> None:
        self._held = io.BytesIO()
        self._sent = 0

    def write(self, data: bytes) -> int:
        return self._held.write(data)

    def tell(self) -> int:
        return self._sent + self._held.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET or offset < self._sent:
            raise OSError("those bytes were sent already")
        self._held.seek(offset - self._sent)
        return offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = self._held.getvalue()
        self._sent += len(data)
        self._held = io.BytesIO()
        return data


def _package(
    fixed: list[tuple[Any, str, int]], member: str, texts: Iterable[str]
) -> Iterator[bytes]:
    """A zip of the ``fixed`` parts (name or ZipInfo, text, compression), then ``member``
    made of ``texts``, as chunks of bytes (deflate holds back a little: a chunk of the zip
    is not always one of ``texts``)."""
    sink = _Sink()
    with zipfile.ZipFile(
        sink, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION_LEVEL
    ) as package:
        for name, text, compression in fixed:
            package.writestr(name, text, compression)
        # The fixed parts have their sizes in their headers (ZipFile went back over bytes the
        # sink still held; ODF wants its "mimetype" so). The sheet's sizes are known only at
        # its end: from here ZipFile writes them after the data and never goes back, as it
        # does for a file it cannot seek in.
        package._seekable = False
        with package.open(member, "w") as raw:
            for text in texts:
                raw.write(utf8(text))
                if data := sink.take():
                    yield data
    yield sink.take()


# --- XLSX (Office Open XML) -----------------------------------------------------------------

_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    ),
}


def _column_letters(number: int) -> str:
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: Any) -> str:
    return escape(str(value))


def _xlsx_row(number: int, values: Iterable[Any], letters: list[str]) -> str:
    cells = [f'<row r="{number}">']
    for letter, value in zip(letters, values, strict=False):
        if value.__class__ is str:
            if not value:
                continue
            if "&" in value or "<" in value or ">" in value:
                value = escape(value)
            cells.append(
                f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">{value}'
                "</t></is></c>"
            )
        elif value is None:
            continue
        elif isinstance(value, bool):
            cells.append(f'<c r="{letter}{number}" t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int | float):
            cells.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
        elif value != "":
            cells.append(
                f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">'
                f"{_text(value)}</t></is></c>"
            )
    cells.append("</row>")
    return "".join(cells)


def _xlsx_sheet(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    letters = [_column_letters(number) for number in range(len(header))]
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>",
        _xlsx_row(1, header, letters),
    ]
    for number, values in enumerate(rows, start=2):
        lines.append(_xlsx_row(number, values, letters))
        if len(lines) >= ROWS_PER_CHUNK:
            yield "".join(lines)
            lines.clear()
    lines.append("</sheetData></worksheet>")
    yield "".join(lines)


def xlsx_chunks(name: str, header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """One sheet called ``name``: the header, then the rows; as chunks of bytes."""
    fixed = [
        (part, text.replace("{name}", _text(name)), zipfile.ZIP_DEFLATED)
        for part, text in _XLSX_PARTS.items()
    ]
    return _package(fixed, "xl/worksheets/sheet1.xml", _xlsx_sheet(header, rows))


def xlsx(name: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """One sheet called ``name``: the header, then the rows."""
    return b"".join(xlsx_chunks(name, header, rows))


# --- ODS (OpenDocument) ---------------------------------------------------------------------

_ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_TYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<office:document-content "
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="{name}">'
)
_ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"


def _ods_row(values: Iterable[Any]) -> str:
    cells = ["<table:table-row>"]
    for value in values:
        if value.__class__ is str:
            if not value:
                cells.append("<table:table-cell/>")
                continue
            if "&" in value or "<" in value or ">" in value:
                value = escape(value)
            cells.append(
                '<table:table-cell office:value-type="string">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        elif value is None or value == "":
            cells.append("<table:table-cell/>")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            cells.append(
                '<table:table-cell office:value-type="string">'
                f"<text:p>{_text(value)}</text:p></table:table-cell>"
            )
        else:
            cells.append(
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
    cells.append("</table:table-row>")
    return "".join(cells)


def _ods_content(name: str, header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    lines = [_ODS_HEAD.replace("{name}", _text(name)), _ods_row(header)]
    for values in rows:
        lines.append(_ods_row(values))
        if len(lines) >= ROWS_PER_CHUNK:
            yield "".join(lines)
            lines.clear()
    lines.append(_ODS_TAIL)
    yield "".join(lines)


def ods_chunks(name: str, header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """One sheet called ``name``: the header, then the rows; as chunks of bytes."""
    fixed = [
        # The media type first and stored as it is: how a reader recognises the package.
        (zipfile.ZipInfo("mimetype"), _ODS_TYPE, zipfile.ZIP_STORED),
        ("META-INF/manifest.xml", _ODS_MANIFEST, zipfile.ZIP_DEFLATED),
    ]
    return _package(fixed, "content.xml", _ods_content(name, header, rows))


def ods(name: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """One sheet called ``name``: the header, then the rows."""
    return b"".join(ods_chunks(name, header, rows))
