"""Parse and check a household list (CSV or XLSX) before anything is written.

Every problem is reported with its spreadsheet row (the header is row 1) and
column; one bad row means nothing is imported.  CSV exported by Chinese Excel
is often GB18030, so that is tried after UTF-8.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl import load_workbook

MAX_ROWS = 20_000
MAX_AREA = Decimal("10000")
COLUMNS = {"楼栋": "building", "单元": "unit", "室": "room", "建筑面积": "floor_area", "业主姓名": "owner_name",
           "党员户": "party_member_household"}
REQUIRED = ("楼栋", "单元", "室", "建筑面积", "业主姓名")
YES, NO = {"是", "Y", "y", "1", "yes", "true"}, {"否", "N", "n", "0", "no", "false", ""}
LIMITS = {"楼栋": 50, "单元": 10, "室": 10, "业主姓名": 50}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class HouseholdRow:
    row: int
    building: str
    unit: str
    room: str
    floor_area: Decimal
    owner_name: str
    party_member_household: bool


class ImportRejected(ValueError):
    """The file has problems; ``errors`` lists them all (nothing was written)."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} 处错误")


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of cells as text, from XLSX (by content) or CSV."""
    if not data:
        raise ImportRejected([RowError(0, "文件", "文件是空的")])
    if data[:4] == b"PK\x03\x04":
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file problem
            raise ImportRejected([RowError(0, "文件", f"无法读取 Excel 文件：{type(exc).__name__}")]) from exc
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
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
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_rows(table: list[list[str]]) -> list[HouseholdRow]:
    """Validate the whole table; raise ``ImportRejected`` with every problem found."""
    table = [row for row in table if any(cell for cell in row)]
    if not table:
        raise ImportRejected([RowError(0, "文件", "文件是空的")])
    header = table[0]
    errors = []
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in positions:
            errors.append(RowError(1, name, "表头重复"))
        elif name not in COLUMNS:
            errors.append(RowError(1, name or f"第 {index + 1} 列", f"未知的列（应为：{'、'.join(COLUMNS)}）"))
        positions[name] = index
    errors += [RowError(1, name, "缺少这一列") for name in REQUIRED if name not in positions]
    if errors:
        raise ImportRejected(errors)
    if len(table) - 1 > MAX_ROWS:
        raise ImportRejected([RowError(0, "文件", f"一次最多导入 {MAX_ROWS} 户，本文件有 {len(table) - 1} 行")])
    rows, seen = [], {}
    for number, raw in enumerate(table[1:], start=2):
        def get(name: str) -> str:
            index = positions.get(name)
            return raw[index] if index is not None and index < len(raw) else ""

        before = len(errors)
        for name in REQUIRED:
            if not get(name):
                errors.append(RowError(number, name, "不能为空"))
        for name, limit in LIMITS.items():
            if len(get(name)) > limit:
                errors.append(RowError(number, name, f"不能超过 {limit} 个字"))
        area = _area(get("建筑面积"), number, errors)
        flag = get("党员户")
        if flag not in YES and flag not in NO:
            errors.append(RowError(number, "党员户", "应填“是”或“否”"))
        key = (get("楼栋"), get("单元"), get("室"))
        if all(key) and key in seen:
            errors.append(RowError(number, "室", f"与第 {seen[key]} 行重复（{'-'.join(key)}）"))
        seen.setdefault(key, number)
        if len(errors) == before:
            rows.append(HouseholdRow(number, *key, area, get("业主姓名"), flag in YES))
    if errors:
        raise ImportRejected(errors)
    return rows


def _area(text: str, number: int, errors: list[RowError]) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        errors.append(RowError(number, "建筑面积", f"不是数字：{text[:20]}"))
        return None
    if not value.is_finite() or value <= 0 or value > MAX_AREA:
        errors.append(RowError(number, "建筑面积", f"应大于 0 且不超过 {MAX_AREA} ㎡"))
    elif value.as_tuple().exponent < -2:
        errors.append(RowError(number, "建筑面积", "最多两位小数"))
    return value
