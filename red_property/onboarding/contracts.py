"""Management contracts (物业服务合同备案): which company manages which community,
from when to when, and how it was chosen.

Contracts of one community never overlap: a new one is refused naming the field
at fault; a handover ends the running contract the day before the new one starts,
in the same transaction.  A gap between contracts is allowed (the community was
unmanaged) and shown in the community's contract history.  A contracts sheet is
checked whole, by row and column, and written all or nothing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from red_property.communities.models import Community, ContractSelection, ManagementContract
from red_property.core import clock
from red_property.core.audit import AuditEntry
from red_property.core.bulk import write_rows
from red_property.core.errors import InputError
from red_property.core.jobs import JobContext, JobRecord, job
from red_property.core.table_import import ImportRejected, RowError, check_filled, check_lengths, data_rows
from red_property.core.tenancy import current_actor_id, current_tenant_id
from red_property.onboarding.directory import credit_code_problem
from red_property.onboarding.models import Company
from red_property.onboarding.sheet_imports import (SheetImport, insert_audited, run_import,
                                                   start_import)
from red_property.tenants.changes import add_company_tenants
from red_property.tenants.models import Tenant, TenantKind

# How the company was chosen, as the bureau writes it in a sheet (the API takes the enum's values too).
SELECTION_WORDS = {"招投标": ContractSelection.TENDER, "协议选聘": ContractSelection.AGREEMENT,
                   "业主大会选聘": ContractSelection.OWNERS_ASSEMBLY, **{s.value: s for s in ContractSelection}}
NO_LIMIT = 50


def parse_day(text, field: str, label: str) -> dt.date | None:
    """A day from a form, the API or a sheet cell (2024-01-31, 2024/1/31, 2024.1.31, or a spreadsheet date)."""
    if text in (None, ""):
        return None
    if isinstance(text, dt.date):
        return text
    raw = str(text).strip().split(" ")[0].replace("/", "-").replace(".", "-")
    try:
        year, month, day = (int(part) for part in raw.split("-"))
        return dt.date(year, month, day)
    except ValueError as exc:
        raise InputError(field, f"{label}应为日期，如 2024-01-31 (a date)") from exc


def parse_selection(text, field: str = "selection") -> ContractSelection:
    if isinstance(text, ContractSelection):
        return text
    selection = SELECTION_WORDS.get(str(text or "").strip())
    if selection is None:
        raise InputError(field, "选聘方式应为 招投标、协议选聘 或 业主大会选聘 (how the company was chosen)")
    return selection


def company_tenant_by_code(session: Session, code, field: str = "company_credit_code") -> int:
    """The tenant of the company with this 统一社会信用代码; a directory entry without one gets
    it now, as the contracts import opens it (``open_company_tenants``)."""
    code = str(code or "").strip().upper()
    if not code:
        raise InputError(field, "统一社会信用代码不能为空 (required)")
    problem = credit_code_problem(code)
    if problem:
        raise InputError(field, f"统一社会信用代码{problem}")
    tenant_id = session.scalar(select(Tenant.id).where(Tenant.kind == TenantKind.COMPANY, Tenant.credit_code == code))
    if tenant_id is not None:
        return tenant_id
    entry = session.scalar(select(Company.id).where(Company.credit_code == code))
    if entry is None:
        raise InputError(field, "企业名录中没有这个代码：请先登记这家企业 (not in the company directory)")
    if session.scalar(select(Tenant.id).where(Tenant.slug == company_slug(code))) is not None:
        raise InputError(field, f"网址名 {company_slug(code)} 已被其他账户使用 (slug taken)")  # as the sheet says
    return open_company_tenants(session, {code: entry})[code]


def clean_contract(session: Session, data: dict) -> dict:
    """Checked values of a contract (without its community); ``InputError`` names the field."""
    contract_no = str(data.get("contract_no") or "").strip()
    if not contract_no:
        raise InputError("contract_no", "合同编号不能为空 (required)")
    if len(contract_no) > NO_LIMIT:
        raise InputError("contract_no", f"合同编号不能超过 {NO_LIMIT} 个字 (at most {NO_LIMIT} characters)")
    starts_on = parse_day(data.get("starts_on"), "starts_on", "开始日期")
    if starts_on is None:
        raise InputError("starts_on", "开始日期不能为空 (required)")
    ends_on = parse_day(data.get("ends_on"), "ends_on", "结束日期")
    if ends_on is not None and ends_on < starts_on:
        raise InputError("ends_on", "结束日期不能早于开始日期 (not before the start)")
    return {"contract_no": contract_no, "starts_on": starts_on, "ends_on": ends_on,
            "selection": parse_selection(data.get("selection")),
            "company_tenant_id": company_tenant_by_code(session, data.get("company_credit_code"))}


def _overlaps(start: dt.date, end: dt.date | None, other_start: dt.date, other_end: dt.date | None) -> bool:
    return (end is None or other_start <= end) and (other_end is None or start <= other_end)


def _describe(contract: ManagementContract) -> str:
    return f"{contract.contract_no}（{contract.starts_on} 至 {contract.ends_on or '今'}）"


def _contracts(session: Session, community_id: int) -> list[ManagementContract]:
    return list(session.scalars(select(ManagementContract).where(
        ManagementContract.community_id == community_id,
        ManagementContract.tenant_id == current_tenant_id(session)).order_by(ManagementContract.starts_on)))


def _refuse_overlap(contracts, values: dict) -> None:
    for other in contracts:
        if _overlaps(values["starts_on"], values["ends_on"], other.starts_on, other.ends_on):
            field = "starts_on" if other.starts_on <= values["starts_on"] else "ends_on"
            raise InputError(field, f"与合同 {_describe(other)} 时间重叠：换聘请用“交接” (overlaps; use a handover)")


def _open_community(community: Community) -> None:
    if community.retired_on is not None:
        raise InputError("community_id", f"该小区已于 {community.retired_on} 撤销 (retired)")


def record_contract(session: Session, community: Community, data: dict) -> ManagementContract:
    """Record a contract for a community of the register (commits); an overlap is refused."""
    _open_community(community)
    values = clean_contract(session, data)
    _refuse_overlap(_contracts(session, community.id), values)
    contract = ManagementContract(community_id=community.id, **values)
    session.add(contract)
    session.commit()
    return contract


def hand_over(session: Session, community: Community, data: dict) -> ManagementContract:
    """A new company manages the community from ``starts_on``: the running contract ends the day
    before, and the new one starts, in one transaction (commits).

    The new contract must start after the running one did; a contract recorded
    beyond the handover day is an overlap, refused.
    """
    _open_community(community)
    values = clean_contract(session, data)
    day = values["starts_on"]
    contracts = _contracts(session, community.id)
    running = next((c for c in contracts if c.starts_on < day and (c.ends_on is None or c.ends_on >= day)), None)
    if running is not None and running.company_tenant_id == values["company_tenant_id"]:
        raise InputError("company_credit_code", "这家企业正在管理该小区，无需交接 (already the managing company)")
    _refuse_overlap([c for c in contracts if c is not running], values)
    if running is not None:
        running.ends_on = day - dt.timedelta(days=1)
    contract = ManagementContract(community_id=community.id, **values)
    session.add(contract)
    session.commit()
    return contract


@dataclass
class HistoryLine:
    """One line of a community's contract history: a contract, or a gap without one."""

    starts_on: dt.date
    ends_on: dt.date | None
    contract: ManagementContract | None = None
    company_name: str | None = None

    @property
    def is_gap(self) -> bool:
        return self.contract is None


def contract_history(session: Session, community_id: int) -> list[HistoryLine]:
    """The community's contracts in order, with a line for each gap between them (and since the last one ended)."""
    contracts = _contracts(session, community_id)
    names = dict(session.execute(select(Tenant.id, Tenant.name).where(
        Tenant.id.in_({c.company_tenant_id for c in contracts}))).all()) if contracts else {}
    lines: list[HistoryLine] = []
    for previous, contract in zip([None, *contracts], contracts):
        if previous is not None and previous.ends_on is not None \
                and previous.ends_on + dt.timedelta(days=1) < contract.starts_on:
            lines.append(HistoryLine(previous.ends_on + dt.timedelta(days=1),
                                     contract.starts_on - dt.timedelta(days=1)))
        lines.append(HistoryLine(contract.starts_on, contract.ends_on, contract, names.get(contract.company_tenant_id)))
    if contracts and contracts[-1].ends_on is not None and contracts[-1].ends_on < clock.today():
        lines.append(HistoryLine(contracts[-1].ends_on + dt.timedelta(days=1), None))
    return lines


# The contracts sheet, in the bureau's headings: the community by its number, or by name and address.
COLUMNS = {"小区编号": "community_id", "小区名称": "name", "地址": "address", "统一社会信用代码": "company_credit_code",
           "合同编号": "contract_no", "开始日期": "starts_on", "结束日期": "ends_on", "选聘方式": "selection"}
REQUIRED = ("统一社会信用代码", "合同编号", "开始日期", "选聘方式")
FIELD_COLUMNS = {field: column for column, field in COLUMNS.items()}
MAX_ROWS = 50_000


MAX_BYTES = 10 * 1024 * 1024


@dataclass
class CheckedContracts:
    """A contracts sheet's rows, ready to write, and the directory entries whose tenants the import opens."""

    rows: list[dict]
    to_open: dict[str, int]  # credit code -> directory entry (company) id


def _company_resolver(session: Session, errors: list[RowError]):
    """Find a row's company by its code: the directory first (an entry without a tenant gets one when the
    sheet is written), then company tenants made from files.  Two queries for the whole sheet."""
    directory = {c.credit_code: c for c in session.execute(
        select(Company.id, Company.credit_code, Company.company_tenant_id))}
    tenants = {code: id_ for id_, code in session.execute(
        select(Tenant.id, Tenant.credit_code).where(Tenant.kind == TenantKind.COMPANY, Tenant.credit_code.is_not(None)))}
    taken = set(session.scalars(select(Tenant.slug).where(Tenant.slug.in_(
        [company_slug(code) for code, c in directory.items() if c.company_tenant_id is None])))) if directory else set()
    to_open: dict[str, int] = {}

    def resolve(number: int, text: str) -> tuple[int | None, str | None]:
        """(tenant id, or None when the import opens it; the code), or (None, None) after an error."""
        code = text.strip().upper()
        problem = credit_code_problem(code)
        if problem:
            errors.append(RowError(number, "统一社会信用代码", problem))
            return None, None
        entry = directory.get(code)
        tenant_id = (entry.company_tenant_id if entry else None) or tenants.get(code)
        if tenant_id is not None:
            return tenant_id, code
        if entry is None:
            errors.append(RowError(number, "统一社会信用代码", "企业名录中没有这个代码：请先导入企业名录"))
            return None, None
        if company_slug(code) in taken:
            errors.append(RowError(number, "统一社会信用代码", f"网址名 {company_slug(code)} 已被其他账户使用"))
            return None, None
        to_open[code] = entry.id
        return None, code

    return resolve, to_open


def company_slug(code: str) -> str:
    """The web address of a company's tenant opened from its directory entry."""
    return f"co-{code.lower()}"


def check_contract_rows(session: Session, table: list[list[str]], progress=lambda percent: None) -> CheckedContracts:
    """Every row of a contracts sheet, checked against the register, the directory, the contracts
    already recorded and the other rows; ``ImportRejected`` lists every problem by row and column."""
    bureau = current_tenant_id(session)
    register = session.execute(select(Community.id, Community.name, Community.address, Community.retired_on)
                               .where(Community.tenant_id == bureau)).all()
    by_id = {r.id: r for r in register}
    by_key = {(r.name, r.address): r for r in register}
    recorded: dict[int, list[tuple]] = {}
    for c in session.execute(select(ManagementContract.community_id, ManagementContract.contract_no,
                                    ManagementContract.starts_on, ManagementContract.ends_on)
                             .where(ManagementContract.tenant_id == bureau)):
        recorded.setdefault(c.community_id, []).append((c.starts_on, c.ends_on, f"合同 {c.contract_no}"))
    errors: list[RowError] = []
    company, to_open = _company_resolver(session, errors)
    rows: list[dict] = []
    sheet = data_rows(table, list(COLUMNS), REQUIRED, max_rows=MAX_ROWS, unit="份合同")
    for n, row in enumerate(sheet, start=1):
        before = len(errors)
        check_filled(row, REQUIRED, errors)
        check_lengths(row, {"合同编号": NO_LIMIT}, errors)
        community = None
        if row.get("小区编号"):
            community = by_id.get(int(row.get("小区编号"))) if row.get("小区编号").isdigit() else None
            if community is None:
                errors.append(RowError(row.number, "小区编号", "登记簿中没有这个小区编号"))
        elif row.get("小区名称") and row.get("地址"):
            community = by_key.get((row.get("小区名称"), row.get("地址")))
            if community is None:
                errors.append(RowError(row.number, "小区名称", "登记簿中没有同名同地址的小区"))
        else:
            errors.append(RowError(row.number, "小区名称", "请填写小区编号，或小区名称和地址"))
        if community is not None and community.retired_on is not None:
            errors.append(RowError(row.number, "小区名称", f"该小区已于 {community.retired_on} 撤销"))
        tenant_id, code = company(row.number, row.get("统一社会信用代码")) if row.get("统一社会信用代码") else (None, None)
        values = {}
        for field, check in (("starts_on", lambda v: parse_day(v, "starts_on", "开始日期")),
                             ("ends_on", lambda v: parse_day(v, "ends_on", "结束日期")),
                             ("selection", parse_selection)):
            column = FIELD_COLUMNS[field]
            if not row.get(column):
                values[field] = None
                continue
            try:
                values[field] = check(row.get(column))
            except InputError as exc:
                errors.append(RowError(row.number, column, str(exc)))
        start, end = values.get("starts_on"), values.get("ends_on")
        if start and end and end < start:
            errors.append(RowError(row.number, "结束日期", "结束日期不能早于开始日期"))
        if len(errors) == before and community is not None:
            for other_start, other_end, what in recorded.get(community.id, []):
                if _overlaps(start, end, other_start, other_end):
                    errors.append(RowError(row.number, "开始日期", f"与{what}（{other_start} 至 {other_end or '今'}）重叠"))
                    break
            recorded.setdefault(community.id, []).append((start, end, f"第 {row.number} 行"))
        if len(errors) == before:
            rows.append({"community_id": community.id, "company_tenant_id": tenant_id, "credit_code": code,
                         "contract_no": row.get("合同编号"), "starts_on": start, "ends_on": end,
                         "selection": values["selection"]})
        if n % 2000 == 0:
            progress(100 * n // len(sheet))
    if errors:
        raise ImportRejected(errors)
    return CheckedContracts(rows, to_open)


def open_company_tenants(session: Session, to_open: dict[str, int]) -> dict[str, int]:
    """Create the tenants of directory entries (no users yet: the bureau invites each first admin
    from the entry's page) and link the entries; the new tenant ids by code (the caller commits)."""
    if not to_open:
        return {}
    entries = session.execute(select(Company.id, Company.credit_code, Company.name)
                              .where(Company.id.in_(list(to_open.values())))).all()
    opened = add_company_tenants(session, [dict(slug=company_slug(e.credit_code), name=e.name,
                                                credit_code=e.credit_code) for e in entries])
    bureau, actor = current_tenant_id(session), current_actor_id(session)
    # Core UPDATE, one statement: the entries are the bureau's own (stated here; row-level security
    # checks it on PostgreSQL), each linked to the tenant just opened at its slug.
    table = Company.__table__
    session.execute(update(table).where(table.c.tenant_id == bureau, table.c.id.in_([e.id for e in entries]))
                    .values(company_tenant_id=select(Tenant.id).where(
                        Tenant.slug == literal("co-") + func.lower(table.c.credit_code)).scalar_subquery()))
    write_rows(session, AuditEntry, [
        dict(tenant_id=bureau, actor_id=actor, action="create_tenant", entity="tenant",
             entity_id=opened[e.credit_code], before=None,
             after={"company_id": e.id, "slug": company_slug(e.credit_code), "by": "contracts import"})
        for e in entries])
    return opened


def write_contract_rows(session: Session, checked: CheckedContracts, progress=lambda percent: None) -> dict:
    """Open the tenants the sheet needs, then add its contracts (bulk, each audited; the caller commits)."""
    opened = open_company_tenants(session, checked.to_open)
    rows = [{key: value for key, value in row.items() if key != "credit_code"}
            | {"company_tenant_id": row["company_tenant_id"] or opened[row["credit_code"]]} for row in checked.rows]
    insert_audited(session, ManagementContract, rows, progress)
    return {"rows": len(rows), "created": len(rows), "tenants_opened": len(opened)}


CONTRACTS_IMPORT = SheetImport("onboarding.import_contracts", check_contract_rows, write_contract_rows, MAX_BYTES,
                               tables=(ManagementContract.__tablename__, "tenant"))


def start_contracts_import(session: Session, filename: str, data: bytes) -> JobRecord:
    """Check a contracts sheet now (``ImportRejected`` with every bad row), then write it in a job."""
    return start_import(session, CONTRACTS_IMPORT, filename, data)


@job("onboarding.import_contracts")
def import_contracts_job(ctx: JobContext, stored: str, filename: str) -> dict:
    """Write a contracts sheet in one transaction (all or nothing), with progress; a company in the
    directory without its tenant gets one (its first admin is invited from its directory page)."""
    return run_import(ctx, CONTRACTS_IMPORT, stored, filename)
