"""CSV and XLSX downloads of a `FigureTable`: the raw values the page's figures rest on.

CSV is for tools, not for double-clicking: RFC 4180 (comma, CRLF, quotes doubled), a header row
of the columns' stable English keys, numbers as Python writes them (`.` decimals, no grouping),
so pandas, R or a script read it the same whatever the reader's locale. It starts with a UTF-8
byte order mark so that a spreadsheet opening it anyway shows umlauts right. People who want a
spreadsheet take the XLSX: typed numbers that Excel or LibreOffice show in their own locale, a
title row with the caption, a header row of labels with units, and the note on how the figures
are counted.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return could run as a formula
when a spreadsheet opens the CSV (CSV injection): such text gets a leading apostrophe. Labels come
from our own code today, but region names come from the deployment file and may not stay ours.
The XLSX needs no such guard: text is written as a string cell, which no spreadsheet evaluates.
"""

from __future__ import annotations

import csv
import io
import math
import re

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from planning.tables import CellValue, Column, FigureTable

BYTE_ORDER_MARK = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_LIMIT = 31  # Excel's limit; longer names make the file unreadable to it
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def table_csv(table: FigureTable) -> bytes:
    """The table as RFC 4180 CSV in UTF-8 with a byte order mark; header row: the column keys."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.key for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_field(cell.value) for cell in row])
    return (BYTE_ORDER_MARK + buffer.getvalue()).encode("utf-8")


def csv_field(value: CellValue) -> str:
    """One value as CSV text: numbers raw (`.` decimals), nothing for no value, text guarded."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_formula(value)
    if isinstance(value, float) and not math.isfinite(value):
        return ""  # no figure (a rate over zero calls): empty, as in the XLSX
    return repr(value) if isinstance(value, float) else str(value)


def neutralise_formula(text: str) -> str:
    """Text a spreadsheet would take for a formula, with a leading apostrophe; other text unchanged."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def table_xlsx(table: FigureTable) -> bytes:
    """The table as a one-sheet workbook named after its id: caption, labels, typed values, note."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = workbook.add_worksheet(sheet_name(table.id))
    title = workbook.add_format({"bold": True, "font_size": 13})
    header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True})
    sheet.write_string(0, 0, table.caption, title)
    for index, column in enumerate(table.columns):
        sheet.write_string(1, index, header_label(column), header)
    for row_index, row in enumerate(table.rows, start=2):
        for column_index, cell in enumerate(row):
            _write_value(sheet, row_index, column_index, cell.value)
    if table.note:
        sheet.write_string(len(table.rows) + 3, 0, table.note)
    sheet.freeze_panes(2, 1)
    sheet.set_column(0, 0, 16)
    if len(table.columns) > 1:
        sheet.set_column(1, len(table.columns) - 1, 12)
    workbook.close()
    return output.getvalue()


def header_label(column: Column) -> str:
    """The column's label with its unit, as the page's table header shows it."""
    return f"{column.label} ({column.unit})" if column.unit else column.label


def sheet_name(table_id: str) -> str:
    """The id as a sheet name Excel accepts: no []:*?/\\ and at most 31 characters."""
    cleaned = _NOT_IN_SHEET_NAMES.sub("-", table_id).strip("'")
    return (cleaned or "table")[:SHEET_NAME_LIMIT]


def _write_value(sheet: Worksheet, row: int, column: int, value: CellValue) -> None:
    # write_string/write_number, never write(): write() would take "=..." text for a formula.
    if isinstance(value, str):
        sheet.write_string(row, column, value)
    elif isinstance(value, int | float) and math.isfinite(value):
        sheet.write_number(row, column, value)
