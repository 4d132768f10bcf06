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
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file problem
            raise ImportRejected([RowError(0, "文件", f"无法读取 Excel 文件：{type(exc).__name__}")]) from exc
        rows = []
        width = min(sheet.max_column or MAX_COLUMNS, MAX_COLUMNS)  # as the file says, within reason
        for row in sheet.iter_rows(values_only=True, max_col=width):
            if len(rows) == MAX_ROWS:
                raise ImportRejected([RowError(0, "文件", f"文件不能超过 {MAX_ROWS} 行")])
            rows.append([_cell(v) for v in row])
        return rows
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
    try:  # newline="": the csv module reads bare \r line ends itself (else a lone \r is an error)
        for row in csv.reader(io.StringIO(text, newline="")):
            if len(rows) == MAX_ROWS:
                raise ImportRejected([RowError(0, "文件", f"文件不能超过 {MAX_ROWS} 行")])
            rows.append([c.strip() for c in row[:MAX_COLUMNS]])
    except csv.Error as exc:
        raise ImportRejected([RowError(len(rows) + 1, "文件", f"无法读取 CSV：{exc}")]) from exc
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
