"""CSV and XLSX files of a dashboard table or a grievance list, safe to open in a spreadsheet.

A cell that begins with = + - @ (or a tab or carriage return) would be run as a formula by Excel or LibreOffice
(CSV/formula injection, OWASP): such text is prefixed with an apostrophe. Numbers stay numbers.
"""
from __future__ import annotations

import csv
import io

import xlsxwriter

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def table_rows(table) -> tuple[list[str], list[list]]:
    """Headings and rows of a queries.Table."""
    keys = [key for key, _ in table.columns]
    return [heading for _, heading in table.columns], [[row.get(key) for key in keys] for row in table.rows]


def list_rows(columns, rows) -> tuple[list[str], list[list]]:
    keys = [key for key, _ in columns]
    return [heading for _, heading in columns], [[row.get(key) for key in keys] for row in rows]


def to_csv(headings: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in headings])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read Kannada as UTF-8


def to_xlsx(headings: list[str], rows: list[list], sheet: str = "ipgrs") -> bytes:
    out = io.BytesIO()
    # strings_to_formulas off: no text becomes a formula; the apostrophe keeps the text visible as typed.
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    ws = book.add_worksheet(sheet[:31])
    ws.write_row(0, 0, [neutralise(h) for h in headings], bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            value = neutralise(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(value))
    ws.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
