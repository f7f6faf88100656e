"""Writers the plugins' reports share: a report is a list of blocks (a heading, a paragraph,
a table whose first row is its header) written out as XLSX (openpyxl), ODS and ODT (odfpy),
PDF (reportlab, also bilingual with Dutch and French side by side, as the strategic plan is
printed), CSV or JSON. Plugins assemble the blocks in their language; these functions only
lay them out."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from core.validation import printable

Block = tuple  # ("h", text) | ("p", text) | ("table", rows)


def _cell(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else printable(value)


def xlsx(sheets: list[tuple[str, list[Block]]]) -> bytes:
    """One worksheet per (name, blocks); headings and paragraphs take a row of their own,
    each table its header row in bold."""
    # openpyxl is heavy: loaded only when a spreadsheet is written
    from openpyxl import Workbook
    from openpyxl.styles import Font  # lazy, as above

    book = Workbook()
    book.remove(book.active)
    for name, blocks in sheets:
        sheet = book.create_sheet(name[:31])
        for kind, content in blocks:
            if kind == "table":
                for index, row in enumerate(content):
                    sheet.append([_cell(v) for v in row])
                    if index == 0:
                        for cell in sheet[sheet.max_row]:
                            cell.font = Font(bold=True)
            else:
                sheet.append([printable(content)])
                if kind == "h":
                    sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=13)
            sheet.append([])
        sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ods(sheets: list[tuple[str, list[Block]]]) -> bytes:
    """The same as ``xlsx``, as an OpenDocument spreadsheet; numbers stay numbers."""
    # odfpy is heavy: loaded only when an OpenDocument file is written
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow  # lazy, as above
    from odf.text import P  # lazy, as above

    document = OpenDocumentSpreadsheet()

    def row_of(values: list) -> TableRow:
        row = TableRow()
        for value in values:
            value = _cell(value)
            if isinstance(value, int | float) and not isinstance(value, bool):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text="" if value is None else str(value)))
            row.addElement(cell)
        return row

    for name, blocks in sheets:
        table = Table(name=name[:31])
        for kind, content in blocks:
            rows = content if kind == "table" else [[content]]
            for values in rows:
                table.addElement(row_of(values))
            table.addElement(row_of([]))
        document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def odt(title: str, blocks: list[Block]) -> bytes:
    # odfpy is heavy: loaded only when an OpenDocument file is written
    from odf.opendocument import OpenDocumentText
    from odf.style import Style, TextProperties  # lazy, as above
    from odf.table import Table, TableCell, TableColumn, TableRow  # lazy, as above
    from odf.text import H, P  # lazy, as above

    document = OpenDocumentText()
    bold = Style(name="Bold", family="paragraph")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    document.text.addElement(H(outlinelevel=1, text=title))
    for number, (kind, content) in enumerate(blocks):
        if kind == "h":
            document.text.addElement(H(outlinelevel=2, text=content))
        elif kind == "p":
            document.text.addElement(P(text=content))
        else:
            table = Table(name=f"Table{number}")
            table.addElement(TableColumn(numbercolumnsrepeated=max(len(r) for r in content)))
            for index, values in enumerate(content):
                row = TableRow()
                for value in values:
                    cell = TableCell()
                    text = "" if value is None else str(_cell(value))
                    cell.addElement(P(text=text, stylename=bold) if index == 0 else P(text=text))
                    row.addElement(cell)
                table.addElement(row)
            document.text.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def _flow(blocks: list[Block], width: float, styles) -> list:
    # reportlab is heavy: loaded only when a PDF is written
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle  # lazy, as above

    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    flow: list = []
    for kind, content in blocks:
        if kind == "h":
            flow.append(Paragraph(escape(content), styles["Heading2"]))
        elif kind == "p":
            flow.append(Paragraph(escape(content), styles["BodyText"]))
        else:
            columns = max(len(r) for r in content)
            table = Table(
                [[Paragraph(escape(str(_cell(v) if v is not None else "")), small) for v in row]
                 for row in content],
                colWidths=[width / columns] * columns,
                repeatRows=1,
            )  # fmt: skip
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            flow += [table, Spacer(1, 6)]
    return flow


def pdf(title: str, blocks: list[Block], language: str) -> bytes:
    # reportlab is heavy: loaded only when a PDF is written
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet  # lazy, as above
    from reportlab.lib.units import cm  # lazy, as above
    from reportlab.platypus import Paragraph, SimpleDocTemplate  # lazy, as above

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=title, lang=language, leftMargin=2 * cm, rightMargin=2 * cm
    )
    width = A4[0] - 4 * cm
    document.build([Paragraph(escape(title), styles["Title"]), *_flow(blocks, width, styles)])
    return buffer.getvalue()


def pdf_side_by_side(titles: tuple[str, str], parts: list[tuple[Block, Block]]) -> bytes:
    """Dutch on the left, French on the right, block beside block, landscape."""
    # reportlab is heavy: loaded only when a PDF is written
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape  # lazy, as above
    from reportlab.lib.styles import getSampleStyleSheet  # lazy, as above
    from reportlab.lib.units import cm  # lazy, as above
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle  # lazy, as above

    styles = getSampleStyleSheet()
    size = landscape(A4)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=size,
        title=" / ".join(titles),
        lang="nl",
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
    )
    half = (size[0] - 3 * cm) / 2 - 0.4 * cm
    flow = []
    for left, right in [(("h", titles[0]), ("h", titles[1])), *parts]:
        if left[0] == right[0] == "table":
            flow.append(_tables_side_by_side(left[1], right[1], half + 0.4 * cm, styles))
            continue
        row = Table(
            [[_flow([left], half, styles), _flow([right], half, styles)]],
            colWidths=[half + 0.4 * cm] * 2,
        )
        row.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEAFTER", (0, 0), (0, -1), 0.5, colors.grey),
                ]
            )
        )
        flow.append(row)
    document.build(flow)
    return buffer.getvalue()


def _tables_side_by_side(left: list, right: list, half: float, styles):
    """Two tables as one, row beside row, so that a long table splits across pages (a table
    nested in one cell cannot, and a year with many rows failed to lay out)."""
    # reportlab is heavy: loaded only when a PDF is written
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle  # lazy, as above

    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    left_columns = max(len(r) for r in left)
    right_columns = max(len(r) for r in right)

    def cells(rows: list, index: int, columns: int) -> list:
        values = list(rows[index]) if index < len(rows) else []
        values += [None] * (columns - len(values))
        return [Paragraph(escape(str(_cell(v) if v is not None else "")), small) for v in values]

    rows = [
        cells(left, index, left_columns) + cells(right, index, right_columns)
        for index in range(max(len(left), len(right)))
    ]
    widths = [half / left_columns] * left_columns + [half / right_columns] * right_columns
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (left_columns - 1, len(left) - 1), 0.25, colors.grey),
                ("GRID", (left_columns, 0), (-1, len(right) - 1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("LINEAFTER", (left_columns - 1, 0), (left_columns - 1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def csv_table(rows: list[list[Any]]) -> bytes:
    """A CSV with a header row, UTF-8 with a byte-order mark so spreadsheets read accents.
    Separated by semicolons with the decimal comma, as spreadsheets set to Dutch or French
    in Belgium read and write them: 12,5 is then a number, not a date or a text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows:
        writer.writerow(["" if v is None else _csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode()


def _csv_cell(value: Any) -> Any:
    if isinstance(value, (float, Decimal)):
        return str(value).replace(".", ",")
    return value


def json_document(content: Any) -> bytes:
    return json.dumps(content, ensure_ascii=False, indent=2, default=_cell).encode()
