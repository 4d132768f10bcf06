"""Reading a table someone filled in by hand (CSV or XLSX) and checking it cell by cell.

Shared by every import (households, the owners' roll, ballots): a domain
declares its columns, walks the data rows with the checks below, collects every
problem with its spreadsheet row (the header is row 1) and column, and raises
``ImportRejected`` with all of them, so that a file with one bad row writes
nothing.  CSV exported by Chinese Excel is often GB18030, so that is tried
after UTF-8.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Sequence

from openpyxl import load_workbook

MAX_AREA = Decimal("10000")
# A workbook's XML can claim any size: one cell in column XFD pads every row to 16,384
# cells, so a 200 KB file could ask for billions.  Our tables have a dozen columns and
# a community a few thousand households.
MAX_COLUMNS = 50
MAX_ROWS = 100_000
# What the archive may hold, checked before openpyxl reads it: XML compresses a
# hundredfold, so a 350 KB upload can unpack to 100 MB of cells (49 s to read) or to
# 600k shared strings (openpyxl keeps them all in memory).  Our largest legitimate
# import, 20,000 rows, is about 4 MB of sheet XML and 20,000 strings (1.2 s).
XLSX_MAX_MEMBERS = 200
XLSX_MAX_SHEET_BYTES = 8 * 1024 * 1024
# openpyxl reads 55,000-75,000 cells a second on our 2-core machine: 120,000 cells (20,000 rows
# of 6 columns, the largest import we take) stay near 2 s, a 5-column household list at 1.3 s.
XLSX_MAX_CELLS = 120_000
CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")  # a cell element, namespace prefix or not
XLSX_MAX_SHARED_STRINGS = 60_000
XLSX_MAX_SHARED_BYTES = 4 * 1024 * 1024
XLSX_MAX_TOTAL_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(ValueError):
    """The file has problems; ``errors`` lists them all (nothing was written)."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} 处错误")


def read_table(filename: str, data: bytes, *, max_bytes: int | None = None) -> list[list[str]]:
    """Rows of cells as text, from XLSX (judged by content) or CSV."""
    if not data:
        raise ImportRejected([RowError(0, "文件", "文件是空的")])
    if max_bytes is not None and len(data) > max_bytes:
        raise ImportRejected([RowError(0, "文件", f"文件不能超过 {max_bytes // (1024 * 1024)} MB")])
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if not filename.lower().endswith((".csv", ".txt")) and b"\x00" in data[:1024]:
        raise ImportRejected([RowError(0, "文件", "只支持 CSV 或 XLSX 文件")])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([RowError(0, "文件", "无法识别文件编码（请另存为 UTF-8 CSV 或 XLSX）")])
    rows = []
    try:
        # newline="": a bare carriage return ends a line, as the csv module expects (else _csv.Error).
        for row in csv.reader(io.StringIO(text, newline="")):
            if len(rows) == MAX_ROWS:
                raise ImportRejected([RowError(0, "文件", f"文件不能超过 {MAX_ROWS} 行")])
            rows.append([c.strip() for c in row[:MAX_COLUMNS]])
    except csv.Error as exc:
        raise ImportRejected([RowError(len(rows) + 1, "文件", f"不是有效的 CSV：{exc}")]) from None
    return rows


def _too_big(message: str) -> ImportRejected:
    return ImportRejected([RowError(0, "文件", f"{message}，请分成几个文件导入 (the workbook is too large)")])


def _check_archive(data: bytes) -> None:
    """Refuse a workbook whose unpacked parts would cost too much to read, from the zip's
    directory and a count of its cells and strings (zipfile stops at the sizes the directory
    states, so they bind)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    members = archive.infolist()
    if len(members) > XLSX_MAX_MEMBERS:
        raise _too_big(f"工作簿包含 {len(members)} 个部件")
    if sum(m.file_size for m in members) > XLSX_MAX_TOTAL_BYTES:
        raise _too_big("工作簿解压后过大")
    cells = 0
    for member in members:
        name = member.filename.lower()
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            if member.file_size > XLSX_MAX_SHEET_BYTES:
                raise _too_big(f"工作表解压后超过 {XLSX_MAX_SHEET_BYTES // (1024 * 1024)} MB")
            with archive.open(member) as fh:
                cells += len(CELL.findall(fh.read()))
            if cells > XLSX_MAX_CELLS:
                raise _too_big(f"工作簿超过 {XLSX_MAX_CELLS} 个单元格")
        if name.endswith("sharedstrings.xml"):
            if member.file_size > XLSX_MAX_SHARED_BYTES:
                raise _too_big(f"文字表解压后超过 {XLSX_MAX_SHARED_BYTES // (1024 * 1024)} MB")
            with archive.open(member) as fh:  # at most XLSX_MAX_SHARED_BYTES: counting is cheap
                text = fh.read()
            if text.count(b"<si>") + text.count(b"<si ") > XLSX_MAX_SHARED_STRINGS:
                raise _too_big(f"工作簿含有超过 {XLSX_MAX_SHARED_STRINGS} 个不同的文字")


def _read_xlsx(data: bytes) -> list[list[str]]:
    rows = []
    try:
        _check_archive(data)
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        width = min(sheet.max_column or MAX_COLUMNS, MAX_COLUMNS)  # as the file says, within reason
        for row in sheet.iter_rows(values_only=True, max_col=width):
            if len(rows) == MAX_ROWS:
                raise ImportRejected([RowError(0, "文件", f"文件不能超过 {MAX_ROWS} 行")])
            rows.append([_cell(v) for v in row])
    except ImportRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook (opening or reading it) is the file's problem
        raise ImportRejected([RowError(0, "文件", f"无法读取 Excel 文件：{type(exc).__name__}")]) from exc
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Row:
    """One data row: its spreadsheet row number and its cells by column name."""

    number: int
    cells: dict[str, str]

    def get(self, name: str) -> str:
        return self.cells.get(name, "")


def data_rows(table: list[list[str]], columns: Sequence[str], required: Sequence[str], *, max_rows: int,
              unit: str) -> list[Row]:
    """Check the header (unknown, repeated and missing columns) and the size; the data rows.

    Blank lines are skipped; ``unit`` names what a row is in the size message
    ("一次最多导入 20000 户").
    """
    table = [row for row in table if any(cell for cell in row)]
    if not table:
        raise ImportRejected([RowError(0, "文件", "文件是空的")])
    header = table[0]
    errors = []
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in positions:
            errors.append(RowError(1, name, "表头重复"))
        elif name not in columns:
            errors.append(RowError(1, name or f"第 {index + 1} 列", f"未知的列（应为：{'、'.join(columns)}）"))
        positions[name] = index
    errors += [RowError(1, name, "缺少这一列") for name in required if name not in positions]
    if errors:
        raise ImportRejected(errors)
    if len(table) - 1 > max_rows:
        raise ImportRejected([RowError(0, "文件", f"一次最多导入 {max_rows} {unit}，本文件有 {len(table) - 1} 行")])
    return [Row(number, {name: raw[i] if i < len(raw) else "" for name, i in positions.items()})
            for number, raw in enumerate(table[1:], start=2)]


def check_filled(row: Row, names: Sequence[str], errors: list[RowError]) -> None:
    for name in names:
        if not row.get(name):
            errors.append(RowError(row.number, name, "不能为空"))


def check_lengths(row: Row, limits: dict[str, int], errors: list[RowError]) -> None:
    for name, limit in limits.items():
        if len(row.get(name)) > limit:
            errors.append(RowError(row.number, name, f"不能超过 {limit} 个字"))


def parse_area(row: Row, column: str, errors: list[RowError], maximum: Decimal = MAX_AREA) -> Decimal | None:
    """A floor area in square metres: positive, at most two decimals; None when empty or bad."""
    text = row.get(column)
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        errors.append(RowError(row.number, column, f"不是数字：{text[:20]}"))
        return None
    if not value.is_finite() or value <= 0 or value > maximum:
        errors.append(RowError(row.number, column, f"应大于 0 且不超过 {maximum} ㎡"))
        return None
    if value.as_tuple().exponent < -2:
        errors.append(RowError(row.number, column, "最多两位小数"))
        return None
    return value


def check_unit(row: Row, errors: list[RowError], seen: dict[tuple[str, ...], int],
               area_column: str = "建筑面积") -> tuple[tuple[str, str, str], Decimal | None]:
    """The 楼栋, 单元 and 室 of a unit (once per file) and its floor area: ((building, unit, room), area)."""
    key = (row.get("楼栋"), row.get("单元"), row.get("室"))
    check_unique(row, key, seen, "室", errors)
    return key, parse_area(row, area_column, errors)


def check_unique(row: Row, key: tuple[str, ...], seen: dict[tuple[str, ...], int], column: str,
                 errors: list[RowError]) -> None:
    """The same key (e.g. building, unit, room) twice in a file names the first row."""
    if all(key) and key in seen:
        errors.append(RowError(row.number, column, f"与第 {seen[key]} 行重复（{'-'.join(key)}）"))
    seen.setdefault(key, row.number)
