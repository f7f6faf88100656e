"""Spreadsheets (XLSX and ODS) of one sheet, written as XML text and streamed.

openpyxl and odfpy build an object per cell (odfpy a whole document tree): at 10,000
services an export took 60 (XLSX) and 290 (ODS) times the reading of its rows. A sheet of
plain values needs none of that: each row is a line of XML, the package a zip of a few
fixed parts. Cells: text (inline, or for short texts that repeat in an XLSX from a capped
table of shared strings), numbers, and booleans; an empty value is an empty cell. The values
come already made harmless (export.safe_row); what XML cannot hold is left out of each chunk
as it is encoded (``utf8``, ``_encoded``).

The package is written as the rows come, a batch at a time, and handed on as chunks of bytes
(``xlsx_chunks``, ``ods_chunks``): the sheet's part is a zip member whose sizes follow its
data, so nothing waits for the end of the sheet and memory holds one batch.
"""

from __future__ import annotations

import io
import operator
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

from zlib_ng import zlib_ng

from core.validation import XML_ILLEGAL

ROWS_PER_CHUNK = 500  # rows written out at a time
# Deflate's fastest level: the 14 MB of a sheet's XML at 10,000 services took 31 ms to
# compress at level 1 and 106 ms at the default level (6), for a file a fifth smaller.
COMPRESSION_LEVEL = 1
# A streamed member (a sheet) is deflated by zlib-ng, the same deflate made faster: at its
# level 2, 19 ms instead of 28 for the sheet of 10,000 services (14 ms instead of 30 for an
# ODS), into a file a little smaller than zlib's level 1 makes.
STREAMED_LEVEL = 2


# What XML cannot hold (validation.XML_ILLEGAL) as it is in UTF-8: the control characters
# (a byte each), U+FFFE and U+FFFF; a lone surrogate cannot be encoded at all.
_CONTROL_BYTES = bytes(sorted(set(range(32)) - {9, 10, 13}))


def _clean(text: str) -> bytes | None:
    """``text`` in UTF-8 if it holds nothing XML cannot hold, else None: looked for in the
    bytes, several times faster than a search of the text."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    # U+FFFE and U+FFFF are looked for in the text: at once in a text of Latin-1 only.
    if (
        len(data.translate(None, _CONTROL_BYTES)) != len(data)
        or "\ufffe" in text
        or "\uffff" in text
    ):
        return None
    return data


def utf8(text: str) -> bytes:
    """``text`` in UTF-8 without what XML cannot hold."""
    data = _clean(text)
    return XML_ILLEGAL.sub("", text).encode("utf-8") if data is None else data


def _encoded(text: str, values: list[str] | None) -> bytes:
    """``utf8(text)`` of a chunk of XML. ``values``: the texts of its values, if all are
    there: when they hold nothing XML cannot hold, the markup around them does not either,
    and ``text`` is only encoded (the search goes through a third of the bytes: 92 ms to 82
    for the 61 MB of a sheet of 50,000 services)."""
    if values is not None and _clean("".join(values)) is not None:
        return text.encode("utf-8")
    return utf8(text)


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
    fixed: list[tuple[Any, str, int]], members: list[tuple[str, Iterable[str | bytes]]]
) -> Iterator[bytes]:
    """A zip of the ``fixed`` parts (name or ZipInfo, text, compression), then each of
    ``members`` (name, texts) made of its texts (``utf8``, or bytes already), in that
    order, as chunks of bytes (deflate holds back a little: a chunk of the zip is not always
    one of ``texts``)."""
    sink = _Sink()
    with zipfile.ZipFile(
        sink, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION_LEVEL
    ) as package:
        for name, text, compression in fixed:
            package.writestr(name, text, compression)
        # The fixed parts have their sizes in their headers (ZipFile went back over bytes the
        # sink still held; ODF wants its "mimetype" so). A streamed member's sizes are known
        # only at its end: from here ZipFile writes them after the data and never goes back,
        # as it does for a file it cannot seek in.
        package._seekable = False
        for member, texts in members:
            with package.open(member, "w") as raw:
                # Nothing is written yet: the member's deflate is swapped for zlib-ng's.
                raw._compressor = zlib_ng.compressobj(STREAMED_LEVEL, zlib_ng.DEFLATED, -15)
                for text in texts:
                    raw.write(text if text.__class__ is bytes else utf8(text))
                    if data := sink.take():
                        yield data
    yield sink.take()


# --- rows by their shape ----------------------------------------------------------------------
#
# A row's XML is the same markup around its values for every row of the same shape: the class
# of each value, then whether it is empty (``not``), as a tuple (the key). That markup is made
# once per shape (a "layout"), as a list of pieces with a slot for each value; a row is its
# values put in the slots (slice assignments) and the list joined, its values searched once
# for what XML escapes. Writing each cell with its own f-string and tests took 6.6 µs a row of
# 30 cells; the slots (with the lookups of shared strings) 4.5.
#
# Values of other classes (a date, a subclass of str) are written cell by cell, as before.

_NOTHING = type(None)
LAYOUTS = 1024  # shapes kept at a time (a sheet of 50,000 services has a dozen)
# Where the values go in a layout's pieces: an XLSX cell is four pieces (its row number, the
# markup up to its value, its value, the markup after it and the next cell's letter), an ODS
# cell two (its value, then the markup after it and up to the next value).
_XLSX_SLOTS = slice(5, None, 4)
_ODS_SLOTS = slice(1, None, 2)


def _filled(pieces: list, slots: slice, values: tuple, convert: list[int]) -> tuple[str, str]:
    """A row's markup: its layout's ``pieces`` with ``values`` in their ``slots`` (those at
    ``convert`` made texts), escaped if they need it; and the text of its values."""
    pieces[slots] = values
    for index in convert:
        pieces[index] = str(pieces[index])
    text = "".join(pieces[slots])  # one search of the row's values for all
    if "&" in text or "<" in text or ">" in text:
        pieces[slots] = map(escape, pieces[slots])
    return "".join(pieces), text


def _picker(indices: list[int]) -> Callable[[Any], tuple]:
    """The values at ``indices`` as a tuple (itemgetter gives a lone value for one index)."""
    if len(indices) > 1:
        return operator.itemgetter(*indices)
    if indices:
        index = indices[0]
        return lambda values: (values[index],)
    return lambda values: ()


# --- XLSX (Office Open XML) -----------------------------------------------------------------

_SHARED_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
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
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SHARED_TYPE}"/>'
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
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
}
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHARED_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
# A cell's markup after its row number and before its value, and after its value.
_TEXT = ('" t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>")
_SHARED = ('" t="s"><v>', "</v></c>")
_NUMBER = ('"><v>', "</v></c>")
_BOOLEAN = ('" t="b"><v>', "</v></c>")

# Short texts that repeat (a category, a list of languages, the prisons) go to the table of
# shared strings, each cell only its number there: the 77 MB of XML of 50,000 services became
# 61 MB, its encoding and compression that much faster (the sheet 60 ms). A column is shared
# if its texts in the first SHARE_SAMPLE rows are all at most SHARED_LENGTH long and at most
# one in four distinct (those rows are written before, without); the table holds at most
# SHARED_STRINGS texts, so memory stays flat (the others are written in their cell). Being
# read back only when the sheet is written, it follows the sheet in the zip.
SHARE_SAMPLE = 500
SHARED_LENGTH = 64
SHARED_STRINGS = 10_000


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
    """A row cell by cell, every text in its cell (the header, and rows of another shape)."""
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


class _Tally:
    """What the first rows of a sheet hold, column by column: the columns whose texts go
    to the table of shared strings (``shared``)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.counts = [0] * width  # texts
        self.distinct: list[set[str] | None] = [set() for _ in range(width)]  # None: not shared

    def add(self, values: Any) -> None:
        for column, value in enumerate(values[: self.width]):
            distinct = self.distinct[column]
            if distinct is None or value == "" or value is None:
                continue
            if value.__class__ is str and len(value) <= SHARED_LENGTH:
                distinct.add(value)
                self.counts[column] += 1
            else:
                self.distinct[column] = None

    def shared(self) -> list[int]:
        return [
            column
            for column, (count, distinct) in enumerate(zip(self.counts, self.distinct, strict=True))
            if distinct and len(distinct) * 4 <= count
        ]


class _XlsxSheet:
    """The sheet's rows as XML text, a batch at a time (``texts``); then the table of the
    shared strings they name (``shared_texts``)."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.letters = [_column_letters(number) for number in range(len(header))]
        self.layouts: dict[tuple, tuple | None] = {}
        self.shared: list[int] = []  # the columns whose texts are shared (_Tally.shared)
        self.numbers: dict[Any, str] = {"": "", None: ""}  # a shared text: its number
        self.strings: list[str] = []  # the shared texts, escaped, in the order of their numbers

    def texts(self, rows: Iterable[Any]) -> Iterator[str | bytes]:
        width, layouts, letters, not_ = len(self.header), self.layouts, self.letters, operator.not_
        share, get, shared, found = _picker([]), self.numbers.get, self.shared, []
        tally: _Tally | None = _Tally(width)
        lines: list[str] = [_SHEET_HEAD, _xlsx_row(1, self.header, letters)]
        texts: list[str] = []  # the values of the rows in ``lines``, if all are there
        for number, values in enumerate(rows, start=2):
            if tally is not None:
                tally.add(values)
                if number > SHARE_SAMPLE:
                    self.shared = shared = tally.shared()
                    share, tally = _picker(shared), None
                    layouts.clear()  # made for rows without shared strings
            key = (*map(type, values), *map(not_, values))
            if shared:
                if len(values) > shared[-1]:
                    found = [*map(get, share(values))]
                    if None in found and None in self.share(values, found):
                        key = (*key, None, *map(not_, found))  # None: no class, no truth
                else:
                    found = []
            layout = layouts.get(key, False)
            if layout is False:
                layout = self.layout(key, len(found))
            if layout is not None:
                pieces, pick, count, convert = layout
                pieces[1] = at = str(number)
                pieces[3::4] = (at,) * count
                line, text = _filled(
                    pieces, _XLSX_SLOTS, pick([*values, *found, "0", "1"]), convert
                )
                lines.append(line)
                if texts is not None:
                    texts.append(text)
            else:
                lines.append(_xlsx_row(number, values, letters))
                texts = None
            if len(lines) >= ROWS_PER_CHUNK:
                yield _encoded("".join(lines), texts)
                lines.clear()
                texts = []
        lines.append("</sheetData></worksheet>")
        yield _encoded("".join(lines), texts)

    def share(self, values: Any, found: list[str | None]) -> list[str | None]:
        """``found`` (the numbers of the row's shared texts) with the texts not yet in the
        table added, while there is room. A text holding "_x" stays in its cell: Excel reads
        "_x0041_" as "A" and openpyxl drops "x005F_" from shared strings only."""
        for at, column in enumerate(self.shared):
            value = values[column]
            if (
                found[at] is None
                and value.__class__ is str
                and len(value) <= SHARED_LENGTH
                and "_x" not in value
                and len(self.strings) < SHARED_STRINGS
            ):
                found[at] = self.numbers[value] = str(len(self.strings))
                self.strings.append(escape(value))
        return found

    def layout(self, key: tuple, shared: int) -> tuple | None:
        """The pieces of a row of the shape ``key`` (see above; then, when some of
        its shared texts are not in the table, None and which of them are not), a picker of
        its values (``shared`` numbers of shared texts, then "0" and "1" follow the row's
        values), the number of its cells and the pieces that take a number; None for a
        shape of other classes (written cell by cell)."""
        if len(self.layouts) >= LAYOUTS:
            self.layouts.clear()
        missed: tuple = ()
        if None in key:
            at = key.index(None)
            key, missed = key[:at], key[at + 1 :]
        width = len(key) // 2
        classes, empty = key[:width], key[width:]
        where = {column: width + at for at, column in enumerate(self.shared[:shared])}
        pieces, picks, convert = ['<row r="', "", '">'], [], []
        layout: tuple | None = None
        for column, letter in zip(range(width), self.letters, strict=False):
            kind = classes[column]
            if kind is str or kind is _NOTHING:
                if empty[column]:
                    continue
                if column in where and not (missed and missed[where[column] - width]):
                    (head, tail), source = _SHARED, where[column]
                else:
                    (head, tail), source = _TEXT, column
            elif kind is bool:
                (head, tail), source = _BOOLEAN, width + shared + (not empty[column])
            elif kind is int or kind is float:
                (head, tail), source = _NUMBER, column
                convert.append(len(pieces) + 2)
            else:
                break
            pieces[-1] += '<c r="' + letter
            pieces += ["", head, "", tail]
            picks.append(source)
        else:
            pieces[-1] += "</row>"
            layout = (pieces, _picker(picks), len(picks), convert)
        self.layouts[key if not missed else (*key, None, *missed)] = layout
        return layout

    def shared_texts(self) -> Iterator[str]:
        """The table of shared strings (read once the sheet is written)."""
        yield f'{_SHARED_HEAD[:-1]} uniqueCount="{len(self.strings)}">'
        for start in range(0, len(self.strings), ROWS_PER_CHUNK):
            yield "".join(
                f'<si><t xml:space="preserve">{text}</t></si>'
                for text in self.strings[start : start + ROWS_PER_CHUNK]
            )
        yield "</sst>"


def xlsx_chunks(name: str, header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """One sheet called ``name``: the header, then the rows; as chunks of bytes."""
    fixed = [
        (part, text.replace("{name}", _text(name)), zipfile.ZIP_DEFLATED)
        for part, text in _XLSX_PARTS.items()
    ]
    sheet = _XlsxSheet(header)
    # The table of shared strings after the sheet, which fills it (the order of a zip's
    # members does not matter to a reader).
    members = [
        ("xl/worksheets/sheet1.xml", sheet.texts(rows)),
        ("xl/sharedStrings.xml", sheet.shared_texts()),
    ]
    return _package(fixed, members)


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
_ODS_TEXT = '<table:table-cell office:value-type="string"><text:p>'
_ODS_END = "</text:p></table:table-cell>"


def _ods_row(values: Iterable[Any]) -> str:
    """A row cell by cell (the header, and rows of another shape)."""
    cells = ["<table:table-row>"]
    for value in values:
        if value.__class__ is str:
            if not value:
                cells.append("<table:table-cell/>")
                continue
            if "&" in value or "<" in value or ">" in value:
                value = escape(value)
            cells.append(f"{_ODS_TEXT}{value}{_ODS_END}")
        elif value is None or value == "":
            cells.append("<table:table-cell/>")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            cells.append(f"{_ODS_TEXT}{_text(value)}{_ODS_END}")
        else:
            cells.append(
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}{_ODS_END}"
            )
    cells.append("</table:table-row>")
    return "".join(cells)


def _ods_layout(key: tuple) -> tuple | None:
    """The pieces of a row of the shape ``key``, a picker of its values and the
    pieces that take a number; None for a shape of other classes (written cell by cell)."""
    width = len(key) // 2
    pieces, picks, convert = ["<table:table-row>"], [], []
    for column, (kind, empty) in enumerate(zip(key[:width], key[width:], strict=True)):
        if kind is str or kind is _NOTHING:
            if empty:
                pieces[-1] += "<table:table-cell/>"
                continue
            pieces[-1] += _ODS_TEXT
            pieces += ["", _ODS_END]
            picks.append(column)
        elif kind is bool:
            pieces[-1] += f"{_ODS_TEXT}{not empty}{_ODS_END}"
        elif kind is int or kind is float:
            pieces[-1] += '<table:table-cell office:value-type="float" office:value="'
            pieces += ["", '"><text:p>', "", _ODS_END]
            convert += [len(pieces) - 4, len(pieces) - 2]
            picks += [column, column]
        else:
            return None
    pieces[-1] += "</table:table-row>"
    return pieces, _picker(picks), convert


def _ods_content(name: str, header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    layouts: dict[tuple, tuple | None] = {}
    not_ = operator.not_
    lines = [_ODS_HEAD.replace("{name}", _text(name)), _ods_row(header)]
    texts: list[str] | None = []  # the values of the rows in ``lines``, if all are there
    for values in rows:
        key = (*map(type, values), *map(not_, values))
        layout = layouts.get(key, False)
        if layout is False:
            if len(layouts) >= LAYOUTS:
                layouts.clear()
            layout = layouts[key] = _ods_layout(key)
        if layout is not None:
            pieces, pick, convert = layout
            line, text = _filled(pieces, _ODS_SLOTS, pick(values), convert)
            lines.append(line)
            if texts is not None:
                texts.append(text)
        else:
            lines.append(_ods_row(values))
            texts = None
        if len(lines) >= ROWS_PER_CHUNK:
            yield _encoded("".join(lines), texts)
            lines.clear()
            texts = []
    lines.append(_ODS_TAIL)
    yield _encoded("".join(lines), texts)


def ods_chunks(name: str, header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """One sheet called ``name``: the header, then the rows; as chunks of bytes."""
    fixed = [
        # The media type first and stored as it is: how a reader recognises the package.
        (zipfile.ZipInfo("mimetype"), _ODS_TYPE, zipfile.ZIP_STORED),
        ("META-INF/manifest.xml", _ODS_MANIFEST, zipfile.ZIP_DEFLATED),
    ]
    return _package(fixed, [("content.xml", _ods_content(name, header, rows))])


def ods(name: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """One sheet called ``name``: the header, then the rows."""
    return b"".join(ods_chunks(name, header, rows))
