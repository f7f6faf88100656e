"""Rows of an uploaded CSV or XLSX file, read one at a time, so that an import refuses a file
with too many rows as soon as it reads the row after the limit instead of after the whole
file: a 265 KB XLSX can hold half a million rows (53 s of CPU and 185 MB to read whole).
Every import (services, a plan's goals) reads its files here.

Each reader yields a dict per row, keyed by the names in the first row, and ``None`` for a
blank row; ``take`` collects the rows up to a limit. Blank rows count too, up to twice the
limit, because a sheet of a million empty rows costs as much to read as a full one.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any
from xml.parsers import expat

# Where the cells beyond the named columns of a CSV row go, as csv.DictReader puts them.
BEYOND_COLUMNS = None

Row = dict[Any, Any]
log = logging.getLogger("concerto.import")


class Unreadable(Exception):
    """The file cannot be read as rows. ``code`` says why (too_many_rows, encoding,
    unreadable, unpacked_too_large), ``value`` shows where or what."""

    def __init__(self, code: str, value: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.value = value


def take(rows: Iterable[Row | None], limit: int) -> list[Row]:
    """The rows, stopping as soon as there is one more than ``limit`` (or more than twice
    ``limit`` lines counting blank ones): the rest of the file is never read."""
    found: list[Row] = []
    lines = 0
    for row in rows:
        lines += 1
        if row is None:
            if lines > 2 * limit:
                raise Unreadable("too_many_rows")
            continue
        if len(found) == limit:
            raise Unreadable("too_many_rows")
        found.append(row)
    return found


def rows_of(data: bytes, suffix: str, limit: int) -> Iterator[Row | None]:
    """The rows of a CSV or XLSX file; ``limit`` as ``take`` will be given it."""
    if suffix == "csv":
        return csv_rows(data)
    if suffix == "xlsx":
        return xlsx_rows(data, limit)
    raise Unreadable("format", suffix)


def _blank(values: Iterable[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


# --- CSV ---------------------------------------------------------------------------------------


def csv_rows(data: bytes) -> Iterator[Row | None]:
    """UTF-8 (with or without the byte-order mark Excel writes), separated by commas or by
    semicolons (what a Belgian Excel writes), whichever the first line has more of."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Unreadable("encoding", f"byte {error.start}") from None
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return _csv_records(text, delimiter)


def _csv_records(text: str, delimiter: str) -> Iterator[Row | None]:
    try:
        # A cell over csv's limit (128 KiB) is refused as unreadable, like broken quoting.
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        header = [name.strip() for name in next(reader, [])]
        for cells in reader:
            if _blank(cells):
                yield None
                continue
            row: Row = {name: value for name, value in zip(header, cells, strict=False) if name}
            beyond = [cell for cell in cells[len(header) :] if cell.strip()]
            if beyond:
                row[BEYOND_COLUMNS] = beyond
            yield row
    except csv.Error as error:
        raise Unreadable("unreadable", str(error)[:80]) from None


# --- XLSX --------------------------------------------------------------------------------------

# What a workbook may unpack to. Python's zipfile stops at the size a member declares, so
# declared sizes bound what is read; the first sheet may be large (a 5 MB workbook of 20,000
# services unpacks to about 40-90 MB of XML), the parts openpyxl reads whole far less.
MAX_SHEET_BYTES = 128 * 1024 * 1024
MAX_PART_BYTES = 32 * 1024 * 1024
# XML elements a workbook may hold: about three per cell (20,000 rows of 40 columns is 2.4
# million); beyond that a file costs more to parse than any import is worth.
MAX_SHEET_ELEMENTS = 5_000_000
MAX_PART_ELEMENTS = 1_000_000


def xlsx_rows(data: bytes, limit: int) -> Iterator[Row | None]:
    """The first sheet of a workbook, cells as values (never formulas).

    openpyxl's read-only mode parses a sheet as it is iterated, but builds a tree of every
    element it meets and, for a sheet without a <dimension> (openpyxl's own write-only files
    have none), reads the whole sheet once just to size it. So every part is first counted
    with expat, as a stream that keeps nothing (SheetScan): a sheet with more than ``limit``
    rows is refused at the row after the limit, before openpyxl parses anything; then
    openpyxl reads only the first sheet, unsized, row by row."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Unreadable("unreadable") from None
    with archive:
        for member in archive.infolist():
            sheet = member.filename.startswith("xl/worksheets/")
            if member.file_size > (MAX_SHEET_BYTES if sheet else MAX_PART_BYTES):
                raise Unreadable("unpacked_too_large", f"{member.file_size // 2**20} MiB")
        parts = PartScan(MAX_PART_ELEMENTS)
        for member in archive.infolist():
            if member.filename.endswith((".xml", ".rels")) and not member.filename.startswith(
                "xl/worksheets/"
            ):
                parts.read(archive, member.filename)
    reader, sheet_path = _workbook(data)
    try:
        SheetScan(limit).read(reader.archive, sheet_path)
    except Unreadable:
        reader.archive.close()
        raise
    return _xlsx_records(reader, sheet_path)


class PartScan:
    """Counts the elements of XML parts with expat, keeping nothing, and refuses a part
    with a DOCTYPE (no entities to expand) or more elements than the budget."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.elements = 0

    def read(self, archive: zipfile.ZipFile, name: str) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.StartDoctypeDeclHandler = self.doctype
        try:
            with archive.open(name) as stream:
                while chunk := stream.read(1 << 16):
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except (expat.ExpatError, zipfile.BadZipFile, ValueError, OSError):
            raise Unreadable("unreadable") from None

    def start(self, name: str, _attributes) -> None:
        self.elements += 1
        if self.elements > self.budget:
            raise Unreadable("unreadable")

    def doctype(self, *_args) -> None:
        raise Unreadable("unreadable")


class SheetScan(PartScan):
    """Also counts a sheet's rows, and those with a value, and stops at the first row past
    the limit (the first row names the columns)."""

    def __init__(self, limit: int) -> None:
        super().__init__(MAX_SHEET_ELEMENTS)
        self.limit = limit
        self.rows = 0
        self.filled = 0
        self._row_filled = False

    def start(self, name: str, attributes) -> None:
        super().start(name, attributes)
        local = name.rpartition(" ")[2]
        if local == "row":
            self.rows += 1
            self._row_filled = False
            if self.rows > 2 * self.limit + 1:
                raise Unreadable("too_many_rows")
        elif local in ("v", "is") and not self._row_filled:
            self._row_filled = True
            self.filled += 1
            if self.filled > self.limit + 1:
                raise Unreadable("too_many_rows")


def _workbook(data: bytes):
    """openpyxl's reader with the workbook, its shared strings and styles read, and the path
    of the first sheet (what load_workbook does, but for sizing every sheet)."""
    # openpyxl is heavy: loaded only when a spreadsheet is read
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet  # lazy, as above

    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        for _sheet, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                return reader, rel.target
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a bad file
        log.info("unreadable workbook", exc_info=True)
        raise Unreadable("unreadable") from None
    raise Unreadable("unreadable")


def _xlsx_records(reader, sheet_path: str) -> Iterator[Row | None]:
    # openpyxl is heavy: loaded only when a spreadsheet is read
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnsizedSheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            # Its rows say how far it goes; a <dimension> may be missing (openpyxl would
            # read the whole sheet to size it) or wrong (rows past it would be lost).
            pass

    try:
        sheet = UnsizedSheet(reader.wb, "import", sheet_path, reader.shared_strings)
        first = next(sheet.iter_rows(max_row=1, values_only=True), ())
        header = [str(cell).strip() if cell is not None else "" for cell in first]
        while header and not header[-1]:
            header.pop()
        if not header:
            return
        # Only as many columns as the first row names: a sheet that claims 16,384 columns
        # costs no more than one with the columns the import knows.
        for values in sheet.iter_rows(min_row=2, max_col=len(header), values_only=True):
            if _blank(values):
                yield None
                continue
            yield {
                name: "" if value is None else value
                for name, value in zip(header, values, strict=False)
                if name
            }
    except Unreadable:
        raise
    except Exception:  # noqa: BLE001 - a broken sheet fails in the XML parser, late
        log.info("unreadable sheet", exc_info=True)
        raise Unreadable("unreadable") from None
    finally:
        reader.archive.close()
