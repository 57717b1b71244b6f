"""The planner's CSV and XLSX exports: the raw values back out, typed, and no formula smuggled in.

The XLSX is read back with the standard library (zipfile and the sheet's XML), not with the
library that wrote it, so a shared misunderstanding cannot pass unnoticed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planning.exports import csv_field, neutralise_formula, sheet_name, table_csv, table_xlsx
from planning.tables import Cell, Column, FigureTable

SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

WAITS = FigureTable(
    id="wait-by-day",
    caption="Wartezeit und Service-Level nach Tag",
    columns=(
        Column("day", "Tag"),
        Column("asa_s", "Mittlere Wartezeit", "s"),
        Column("service_level", "Service-Level", "%"),
        Column("offered", "Angebotene Anrufe"),
    ),
    rows=(
        (Cell("2026-03-02", "Mo 2. März"), Cell(12.5, "12,5"), Cell(0.8125, "81,3 %"), Cell(160, "160")),
        (Cell("2026-03-03", "Di 3. März"), Cell(None, "–"), Cell(float("nan"), "–"), Cell(0, "0")),
        (Cell("Größere Region", "Größere Region"), Cell(7.0, "7,0"), Cell(1, "100 %"), Cell(1234567, "1.234.567")),
    ),
    chart="line",
    note="Service-Level: 80 % in 20 s; Abbrüche unter 5 s zählen nicht.",
)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "a byte order mark, so spreadsheets read UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_sheet(data: bytes) -> tuple[str, dict[str, tuple[str, str | None, bool]]]:
    """The one sheet's name and its cells: reference → (type, value as stored, has a formula)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        [sheet] = workbook.iter(f"{SHEET}sheet")
        shared = []
        if "xl/sharedStrings.xml" in archive.namelist():
            strings = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in item.iter(f"{SHEET}t")) for item in strings.iter(f"{SHEET}si")]
        cells: dict[str, tuple[str, str | None, bool]] = {}
        for cell in ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml")).iter(f"{SHEET}c"):
            kind = cell.get("t", "n")
            value = cell.findtext(f"{SHEET}v")
            if kind == "s" and value is not None:
                value = shared[int(value)]
            elif kind == "inlineStr":
                value = "".join(t.text or "" for t in cell.iter(f"{SHEET}t"))
            cells[cell.get("r", "")] = (kind, value, cell.find(f"{SHEET}f") is not None)
    return sheet.get("name", ""), cells


def test_csv_has_the_column_keys_then_the_raw_values_with_point_decimals() -> None:
    rows = read_csv(table_csv(WAITS))
    assert rows[0] == ["day", "asa_s", "service_level", "offered"]
    assert rows[1] == ["2026-03-02", "12.5", "0.8125", "160"]
    assert rows[2] == ["2026-03-03", "", "", "0"], "no value and not-a-number are both empty"
    assert rows[3] == ["Größere Region", "7.0", "1", "1234567"]
    assert len(rows) == 1 + len(WAITS.rows)


def test_csv_is_rfc_4180_comma_separated_with_crlf_and_doubled_quotes() -> None:
    table = FigureTable(
        id="regions",
        caption="Regionen",
        columns=(Column("region", "Region"), Column("calls", "Anrufe")),
        rows=((Cell('Rhein-Sieg, "Nord"', 'Rhein-Sieg, "Nord"'), Cell(3, "3")),),
    )
    text = table_csv(table).decode("utf-8-sig")
    assert text == 'region,calls\r\n"Rhein-Sieg, ""Nord""",3\r\n'


@pytest.mark.parametrize("text", ["=1+2", "+49 228 1234", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_text_a_spreadsheet_would_run_as_a_formula_gets_an_apostrophe(text: str) -> None:
    table = FigureTable(
        id="regions",
        caption="Regionen",
        columns=(Column("region", "Region"), Column("calls", "Anrufe")),
        rows=((Cell(text, text), Cell(-4, "-4")),),
    )
    [_, row] = read_csv(table_csv(table))
    assert row == ["'" + text, "-4"], "text guarded; a negative number is a number, not text"


@given(st.text())
def test_the_formula_guard_only_ever_prefixes_and_leaves_no_formula_start(text: str) -> None:
    guarded = neutralise_formula(text)
    assert guarded in (text, "'" + text)
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert (guarded == text) == (not text.startswith(("=", "+", "-", "@", "\t", "\r")))


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers())
def test_every_csv_number_reads_back_as_the_same_number(value: float) -> None:
    field = csv_field(value)
    # a whole number reads back exactly as one; a float beyond 2**53 would not
    assert (int(field) if isinstance(value, int) else float(field)) == value and "," not in field


def test_xlsx_has_caption_labels_with_units_typed_numbers_and_the_note() -> None:
    name, cells = read_sheet(table_xlsx(WAITS))
    assert name == "wait-by-day"
    assert cells["A1"][1] == "Wartezeit und Service-Level nach Tag"
    assert [cells[f"{col}2"][1] for col in "ABCD"] == [
        "Tag",
        "Mittlere Wartezeit (s)",
        "Service-Level (%)",
        "Angebotene Anrufe",
    ]
    assert cells["A3"] == ("s", "2026-03-02", False)
    assert cells["B3"][0] == "n" and float(cells["B3"][1] or "") == 12.5
    assert cells["C3"][0] == "n" and float(cells["C3"][1] or "") == 0.8125
    assert cells["D3"][0] == "n" and int(cells["D3"][1] or "") == 160
    assert "B4" not in cells and "C4" not in cells, "no value and not-a-number leave the cell empty"
    assert cells["D4"][0] == "n" and float(cells["D4"][1] or "") == 0
    assert cells["A5"][1] == "Größere Region" and int(cells["D5"][1] or "") == 1234567
    assert cells["A7"][1] == WAITS.note


def test_xlsx_keeps_formula_like_text_as_plain_text() -> None:
    table = FigureTable(
        id="regions",
        caption='=HYPERLINK("http://example.invalid")',
        columns=(Column("region", "=Region"), Column("calls", "Anrufe")),
        rows=((Cell("=1+2", "=1+2"), Cell(-4, "-4")),),
    )
    _, cells = read_sheet(table_xlsx(table))
    assert not any(formula for _, _, formula in cells.values())
    assert cells["A1"][:2] == ("s", '=HYPERLINK("http://example.invalid")')
    assert cells["A3"][:2] == ("s", "=1+2")
    assert cells["B3"][0] == "n" and float(cells["B3"][1] or "") == -4


@pytest.mark.parametrize(
    ("table_id", "expected"),
    [
        ("demand-by-hour", "demand-by-hour"),
        ("a/b:c*d?e[f]g\\h", "a-b-c-d-e-f-g-h"),
        ("staffing-needed-versus-available-by-interval", "staffing-needed-versus-availabl"),
        ("'quoted'", "quoted"),
        ("", "table"),
    ],
)
def test_sheet_names_are_ones_excel_accepts(table_id: str, expected: str) -> None:
    assert sheet_name(table_id) == expected
    assert len(expected) <= 31


def test_an_empty_table_exports_its_header_alone() -> None:
    table = FigureTable(id="empty", caption="Keine Daten", columns=(Column("hour", "Stunde"),), rows=())
    assert read_csv(table_csv(table)) == [["hour"]]
    _, cells = read_sheet(table_xlsx(table))
    assert set(cells) == {"A1", "A2"} and cells["A2"][1] == "Stunde"
