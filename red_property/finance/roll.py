"""The owners' roll (业主名册): import from CSV/XLSX, add, remove, list.

The roll is what votes are counted against and surpluses are split over, so
an import is all or nothing: every bad row is reported by row and column and
nothing is written.  A row is keyed by building, unit and room; importing the
roll again updates owners whose name or area changed and adds new units.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from red_property.core.audit import record_event
from red_property.core.bulk import write_rows
from red_property.core.natural import natural_key, natural_rooms
from red_property.core.errors import InputError, add_unique
from red_property.core.table_import import (ImportRejected, RowError, check_filled, check_lengths, check_unit,
                                            data_rows, read_table)
from red_property.core.tenancy import current_tenant_id
from red_property.finance.models import DistributionShare, Owner

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
COLUMNS = ("楼栋", "单元", "室", "业主姓名", "建筑面积")
LIMITS = {"楼栋": 50, "单元": 10, "室": 10, "业主姓名": 50}
FIELDS = {"building": 50, "unit": 10, "room": 10, "name": 50}


@dataclass(frozen=True)
class OwnerRow:
    row: int
    building: str
    unit: str
    room: str
    name: str
    floor_area: Decimal


def check_roll(table: list[list[str]]) -> list[OwnerRow]:
    """Validate the whole table; raise ``ImportRejected`` with every problem found."""
    errors: list[RowError] = []
    rows, seen = [], {}
    for row in data_rows(table, COLUMNS, COLUMNS, max_rows=MAX_ROWS, unit="户"):
        before = len(errors)
        check_filled(row, COLUMNS, errors)
        check_lengths(row, LIMITS, errors)
        key, area = check_unit(row, errors, seen)
        if len(errors) == before:
            rows.append(OwnerRow(row.number, *key, row.get("业主姓名"), area))
    if errors:
        raise ImportRejected(errors)
    return rows


def import_roll(session: Session, filename: str, data: bytes) -> dict:
    """Check the file, then write it in one transaction; returns what changed.

    Raises ``ImportRejected`` (every bad row; nothing written).
    """
    rows = check_roll(read_table(filename, data, max_bytes=MAX_BYTES))
    existing = {(o.building, o.unit, o.room): o for o in session.scalars(select(Owner))}
    fresh, updated = [], 0
    tenant_id = current_tenant_id(session)
    for row in rows:
        owner = existing.get((row.building, row.unit, row.room))
        if owner is None:
            fresh.append(dict(tenant_id=tenant_id, building=row.building, unit=row.unit, room=row.room,
                              name=row.name, floor_area=row.floor_area))
        elif (owner.name, owner.floor_area) != (row.name, row.floor_area):
            owner.name, owner.floor_area = row.name, row.floor_area
            updated += 1
    if fresh:
        # Bulk: a roll has thousands of units.  The updates above are audited row
        # by row; the new units are audited as one import event.
        try:
            with session.begin_nested():
                write_rows(session, Owner, fresh)
        except IntegrityError as exc:  # another import or a hand entry added one of these units meanwhile
            session.rollback()  # the updates flushed above too: nothing of this file stays pending
            raise ImportRejected([RowError(0, "文件", "导入期间名册被同时修改，未录入任何一户，请重试")]) from exc
    record_event(session, action="import", entity="owner",
                 after={"file": filename[:200], "rows": len(rows), "created": len(fresh), "updated": updated})
    session.commit()
    return {"rows": len(rows), "created": len(fresh), "updated": updated,
            "unchanged": len(rows) - len(fresh) - updated}


def add_owner(session: Session, *, building: str, unit: str, room: str, name: str, floor_area: Decimal) -> Owner:
    """One owner typed in by hand; the unit must not be on the roll already."""
    values = {"building": building, "unit": unit, "room": room, "name": name}
    for field, limit in FIELDS.items():
        values[field] = (values[field] or "").strip()
        if not values[field]:
            raise InputError(field, "不能为空")
        if len(values[field]) > limit:
            raise InputError(field, f"不能超过 {limit} 个字")
    if floor_area is None or not floor_area.is_finite() or floor_area <= 0 or floor_area > Decimal("10000"):
        raise InputError("floor_area", "面积应大于 0 且不超过 10000 ㎡")
    if floor_area.as_tuple().exponent < -2:
        raise InputError("floor_area", "面积最多两位小数")
    if session.scalar(select(Owner.id).where(Owner.building == values["building"], Owner.unit == values["unit"],
                                             Owner.room == values["room"])) is not None:
        raise InputError("room", "名册中已有这一户")
    owner = Owner(**values, floor_area=floor_area)
    add_unique(session, owner, "room", "名册中已有这一户")  # the same unit added at the same moment
    session.commit()
    return owner


def remove_owner(session: Session, owner: Owner) -> None:
    """Take a unit off the roll, unless a vote or a distribution already counted it (they keep their records)."""
    from red_property.votes.models import Ballot

    used = session.scalar(select(func.count()).select_from(
        select(Ballot.id).where(Ballot.owner_id == owner.id)
        .union_all(select(DistributionShare.id).where(DistributionShare.owner_id == owner.id)).subquery()))
    if used:
        raise InputError("owner_id", "该业主已列入表决或收益分配，不能删除；如有变更请重新导入名册修改姓名或面积")
    session.delete(owner)
    session.commit()


def roll_totals(session: Session) -> tuple[int, Decimal]:
    """(owners, total floor area) of the roll: one query."""
    count, area = session.execute(select(func.count(Owner.id), func.coalesce(func.sum(Owner.floor_area), 0))).one()
    return count, Decimal(area).quantize(Decimal("0.01"))


def list_owners(session: Session, *, page: int, per_page: int, q: str | None = None) -> tuple[list[Owner], int]:
    """A page of the roll in roll order, optionally searched by name or building: two queries."""
    stmt = select(Owner)
    if q:
        stmt = stmt.where(or_(Owner.name.contains(q), Owner.building.contains(q)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = session.scalars(stmt.order_by(*roll_sql_order(Owner))
                            .limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def roll_sql_order(model) -> tuple:
    """Roll order in SQL: building, unit, room in natural order (2栋 before 10栋, 301 before 1201), as ``roll_order``."""
    return (*natural_rooms(model.building, model.unit, model.room), model.id)


def roll_order(building: str, unit: str, room: str, owner_id: int) -> tuple:
    """Natural roll order (2栋 before 10栋, 301 before 1201): the tie-break of every split."""
    return (natural_key(building), natural_key(unit), natural_key(room), owner_id)

