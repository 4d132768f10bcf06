"""Parse and check a household list (CSV or XLSX) before anything is written.

Every problem is reported with its spreadsheet row (the header is row 1) and
column; one bad row means nothing is imported (``core.table_import`` reads the
file and holds the checks every import shares).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from red_property.core.table_import import (ImportRejected, RowError, check_filled, check_lengths, check_unit,
                                            data_rows, read_table)

__all__ = ["HouseholdRow", "ImportRejected", "RowError", "check_rows", "read_table"]

MAX_ROWS = 20_000
COLUMNS = {"楼栋": "building", "单元": "unit", "室": "room", "建筑面积": "floor_area", "业主姓名": "owner_name",
           "党员户": "party_member_household"}
REQUIRED = ("楼栋", "单元", "室", "建筑面积", "业主姓名")
YES, NO = {"是", "Y", "y", "1", "yes", "true"}, {"否", "N", "n", "0", "no", "false", ""}
LIMITS = {"楼栋": 50, "单元": 10, "室": 10, "业主姓名": 50}


@dataclass(frozen=True)
class HouseholdRow:
    row: int
    building: str
    unit: str
    room: str
    floor_area: Decimal
    owner_name: str
    party_member_household: bool


def check_rows(table: list[list[str]]) -> list[HouseholdRow]:
    """Validate the whole table; raise ``ImportRejected`` with every problem found."""
    errors: list[RowError] = []
    rows, seen = [], {}
    for row in data_rows(table, list(COLUMNS), REQUIRED, max_rows=MAX_ROWS, unit="户"):
        before = len(errors)
        check_filled(row, REQUIRED, errors)
        check_lengths(row, LIMITS, errors)
        key, area = check_unit(row, errors, seen)
        flag = row.get("党员户")
        if flag not in YES and flag not in NO:
            errors.append(RowError(row.number, "党员户", "应填“是”或“否”"))
        if len(errors) == before:
            rows.append(HouseholdRow(row.number, *key, area, row.get("业主姓名"), flag in YES))
    if errors:
        raise ImportRejected(errors)
    return rows
