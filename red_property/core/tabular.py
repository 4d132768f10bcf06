"""CSV and XLSX downloads of a table (header + rows), for every domain's exports.

CSV is UTF-8 with a BOM so that Excel opens Chinese text correctly.  Text that
a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first: a
resident's complaint can say anything) is prefixed with an apostrophe, in both
formats (openpyxl would otherwise store it as a formula).
"""
from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence, TextIO

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _disposition(filename: str) -> str:
    from red_property.core.files import content_disposition

    return content_disposition(filename)


class SafeCSVWriter:
    """``csv.writer`` that writes formula-like text as text: every CSV the app writes, as a
    download or as a job's file, goes through it (a test refuses ``csv.writer`` elsewhere)."""

    def __init__(self, stream: TextIO):
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([_safe(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


@contextmanager
def csv_file(path) -> Iterator[SafeCSVWriter]:
    """Write a CSV file (UTF-8 with a BOM, so that Excel reads Chinese) through ``SafeCSVWriter``."""
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        yield SafeCSVWriter(fh)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    buffer = io.StringIO()
    writer = SafeCSVWriter(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": _disposition(filename)})


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], sheet: str = "Sheet1") -> Response:
    book = Workbook(write_only=False)
    ws = book.active
    ws.title = sheet[:31]
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_cell(v) for v in row])
    for column in ws.columns:
        width = max(len(str(c.value or "")) for c in column)
        ws.column_dimensions[column[0].column_letter].width = min(40, max(8, width * 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX, headers={"Content-Disposition": _disposition(filename)})


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    """Text that would start a formula, as text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _cell(value):
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else _safe(value)
