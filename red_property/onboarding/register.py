"""The bureau's community register: create, correct (history in the audit log),
retire, and import the register it already keeps as a sheet, through a job.

A community is one per name and address: a second one is a duplicate, refused
in a form and reported by row in a sheet.  A retired community stays in the
register (its companies' records point at it) and is marked with the day.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.communities.models import Community, ManagementContract
from red_property.core.errors import InputError
from red_property.core.jobs import JobContext, JobRecord, job
from red_property.core.table_import import ImportRejected, RowError, check_filled, check_lengths, check_unique, data_rows
from red_property.core.tenancy import current_tenant_id
from red_property.core import clock
from red_property.onboarding.sheet_imports import SheetImport, insert_audited, run_import, start_import

TEXT = {"name": ("小区名称", 100), "address": ("地址", 200), "district": ("区", 50), "street": ("街道", 50),
        "neighbourhood": ("社区", 50)}
MAX_HOUSEHOLDS = 100_000
MAX_AREA = Decimal("9999999999.99")  # Numeric(12, 2)
OLDEST = 1800


def _int(text, field: str, label: str, low: int, high: int) -> int | None:
    if text in (None, ""):
        return None
    try:
        value = int(str(text).strip())
    except ValueError as exc:
        raise InputError(field, f"{label}应为整数 (a whole number)") from exc
    if not low <= value <= high:
        raise InputError(field, f"{label}应在 {low} 到 {high} 之间 (between {low} and {high})")
    return value


def _area(text, field: str = "floor_area") -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation as exc:
        raise InputError(field, "建筑面积应为数字 (a number of square metres)") from exc
    if not value.is_finite() or value < 0 or value > MAX_AREA or value.as_tuple().exponent < -2:
        raise InputError(field, "建筑面积应为不小于 0 的数，最多两位小数 (≥ 0, two decimals at most)")
    return value


def clean_community(data: dict) -> dict:
    """Trimmed, checked values of a register entry; ``InputError`` names the field at fault."""
    values = {}
    for key, (label, limit) in TEXT.items():
        text = str(data.get(key) or "").strip()
        if not text:
            raise InputError(key, f"{label}不能为空 (required)")
        if len(text) > limit:
            raise InputError(key, f"{label}不能超过 {limit} 个字 (at most {limit} characters)")
        values[key] = text
    values["household_count"] = _int(data.get("household_count"), "household_count", "户数", 0, MAX_HOUSEHOLDS) or 0
    values["floor_area"] = _area(data.get("floor_area")) or Decimal("0")
    values["year_built"] = _int(data.get("year_built"), "year_built", "建成年份", OLDEST, clock.today().year)
    return values


def _duplicate(session: Session, name: str, address: str, other_than: int | None = None) -> int | None:
    stmt = select(Community.id).where(Community.name == name, Community.address == address,
                                      Community.tenant_id == current_tenant_id(session))
    if other_than is not None:
        stmt = stmt.where(Community.id != other_than)
    return session.scalar(stmt.limit(1))


def create_community(session: Session, data: dict) -> Community:
    """Add a community to the register (commits)."""
    values = clean_community(data)
    same = _duplicate(session, values["name"], values["address"])
    if same is not None:
        raise InputError("name", f"登记簿中已有同名同地址的小区（#{same}） (a duplicate of #{same})")
    community = Community(**values)
    session.add(community)
    session.commit()
    return community


def update_community(session: Session, community: Community, data: dict) -> Community:
    """Correct a register entry (commits; the audit log keeps each change with before and after)."""
    values = clean_community(data)
    same = _duplicate(session, values["name"], values["address"], other_than=community.id)
    if same is not None:
        raise InputError("name", f"登记簿中已有同名同地址的小区（#{same}） (a duplicate of #{same})")
    for key, value in values.items():
        setattr(community, key, value)
    session.commit()
    return community


def retire_community(session: Session, community: Community, on: dt.date | None = None) -> Community:
    """Take a community off the register from ``on`` (today by default); it stays readable.

    Refused while a management contract runs past that day: end it first.
    """
    on = on or clock.today()
    if community.retired_on is not None:
        raise InputError("retired_on", f"该小区已于 {community.retired_on} 撤销 (already retired)")
    if on > clock.today():
        raise InputError("retired_on", "撤销日期不能晚于今天 (not in the future)")
    running = session.scalar(select(ManagementContract.contract_no).where(
        ManagementContract.community_id == community.id,
        ManagementContract.ends_on.is_(None) | (ManagementContract.ends_on > on)).limit(1))
    if running is not None:
        raise InputError("retired_on", f"合同 {running} 在 {on} 之后仍有效：请先结束合同 (end contract {running} first)")
    community.retired_on = on
    session.commit()
    return community


# The register as a sheet, in the bureau's own headings.
COLUMNS = {"小区名称": "name", "地址": "address", "区": "district", "街道": "street", "社区": "neighbourhood",
           "户数": "household_count", "建筑面积": "floor_area", "建成年份": "year_built"}
REQUIRED = ("小区名称", "地址", "区", "街道", "社区")
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024


def check_register_rows(session: Session, table: list[list[str]], progress=lambda percent: None) -> list[dict]:
    """Every row of a register sheet, checked (duplicates in the file and in the register too);
    ``ImportRejected`` lists every problem with its row and column."""
    errors: list[RowError] = []
    rows, seen = [], {}
    known = {(n, a): i for i, n, a in session.execute(select(Community.id, Community.name, Community.address).where(
        Community.tenant_id == current_tenant_id(session)))}
    sheet = data_rows(table, list(COLUMNS), REQUIRED, max_rows=MAX_ROWS, unit="个小区")
    this_year = clock.today().year
    for n, row in enumerate(sheet, start=1):
        before = len(errors)
        check_filled(row, REQUIRED, errors)
        check_lengths(row, {label: limit for label, limit in TEXT.values()}, errors)
        key = (row.get("小区名称"), row.get("地址"))
        check_unique(row, key, seen, "小区名称", errors)
        if all(key) and key in known:
            errors.append(RowError(row.number, "小区名称", f"登记簿中已有同名同地址的小区（#{known[key]}）"))
        values = {}
        for column, field in COLUMNS.items():
            values[field] = row.get(column)
        for field, column, check in (("household_count", "户数", lambda v: _int(v, "household_count", "户数", 0,
                                                                                  MAX_HOUSEHOLDS)),
                                     ("floor_area", "建筑面积", _area),
                                     ("year_built", "建成年份", lambda v: _int(v, "year_built", "建成年份", OLDEST, this_year))):
            try:
                values[field] = check(values[field])
            except InputError as exc:
                errors.append(RowError(row.number, column, str(exc)))
        if len(errors) == before:
            values["household_count"] = values["household_count"] or 0
            values["floor_area"] = values["floor_area"] or Decimal("0")
            rows.append(values)
        if n % 2000 == 0:
            progress(100 * n // len(sheet))
    if errors:
        raise ImportRejected(errors)
    return rows


def write_register_rows(session: Session, rows: list[dict], progress=lambda percent: None) -> dict:
    """Add checked register rows (bulk, each audited; the caller commits)."""
    insert_audited(session, Community, rows, progress)
    return {"rows": len(rows), "created": len(rows)}


REGISTER_IMPORT = SheetImport("onboarding.import_register", check_register_rows, write_register_rows, MAX_BYTES,
                              tables=(Community.__tablename__,))


def start_register_import(session: Session, filename: str, data: bytes) -> JobRecord:
    """Check a register sheet now (``ImportRejected`` with every bad row), then write it in a job."""
    return start_import(session, REGISTER_IMPORT, filename, data)


@job("onboarding.import_register")
def import_register_job(ctx: JobContext, stored: str, filename: str) -> dict:
    """Write a register sheet in one transaction (all or nothing), with progress.

    Checked again here: the register may have changed since the upload.  Run
    twice, the second run finds every row a duplicate and writes nothing.
    """
    return run_import(ctx, REGISTER_IMPORT, stored, filename)
