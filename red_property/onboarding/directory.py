"""The bureau's company directory (物业服务企业名录).

A company is registered by its 统一社会信用代码, checked against GB 32100-2015;
the bureau can then create the company's tenant from its entry and invite its
first admin.  The directory can be imported from a sheet: every bad row is
reported by row and column and nothing is written unless every row is good.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from red_property.core.audit import record_event
from red_property.core.errors import InputError, add_unique
from red_property.core.schemas import page_of
from red_property.core.jobs import JobContext, JobRecord, job
from red_property.core.table_import import (ImportRejected, RowError, check_filled, check_lengths, check_unique,
                                            data_rows)
from red_property.core.tenancy import current_actor_id
from red_property.onboarding.invitations import IssuedInvitation
from red_property.onboarding.models import Company
from red_property.onboarding.provisioning import has_users, invite_first_admin, provision_tenant
from red_property.onboarding.sheet_imports import SheetImport, insert_audited, run_import, start_import
from red_property.tenants.models import TenantKind

# GB 32100-2015: 18 characters from this set (no I, O, Z, S, V); the last is a check character.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")
LIMITS = {"name": 200, "legal_representative": 50, "contact_name": 50, "contact_phone": 30}
LABELS = {"credit_code": "统一社会信用代码", "name": "企业名称", "legal_representative": "法定代表人",
          "contact_name": "联系人", "contact_phone": "联系电话", "contact_email": "联系邮箱"}


def credit_code_check(first17: str) -> str:
    """The check character of the first 17 characters of a 统一社会信用代码."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


@functools.lru_cache(maxsize=65_536)  # a contracts sheet names each company's code many times
def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码, in words; None when it is."""
    if len(code) != 18:
        return f"应为 18 位（现为 {len(code)} 位） (18 characters)"
    bad = sorted({c for c in code if c not in CHARSET})
    if bad:
        return f"含有不允许的字符 {''.join(bad)}（不用 I、O、Z、S、V） (characters not allowed)"
    if credit_code_check(code[:17]) != code[17]:
        return f"校验位应为 {credit_code_check(code[:17])}，请核对 (wrong check character)"
    return None


def clean_company(data: dict) -> dict:
    """Trimmed, checked values of a directory entry; ``InputError`` names the field at fault."""
    values = {key: (data.get(key) or "").strip() for key in LABELS}
    values["credit_code"] = values["credit_code"].upper()
    for key in ("credit_code", "name", "legal_representative", "contact_name", "contact_phone"):
        if not values[key]:
            raise InputError(key, f"{LABELS[key]}不能为空 (required)")
    problem = credit_code_problem(values["credit_code"])
    if problem:
        raise InputError("credit_code", f"统一社会信用代码{problem}")
    for key, limit in LIMITS.items():
        if len(values[key]) > limit:
            raise InputError(key, f"{LABELS[key]}不能超过 {limit} 个字 (at most {limit} characters)")
    if not PHONE.match(values["contact_phone"]):
        raise InputError("contact_phone", "联系电话只能包含数字、空格和 +-() (a phone number)")
    values["contact_email"] = _email(values["contact_email"])
    return values


def _email(text: str) -> str | None:
    if not text:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InputError("contact_email", f"联系邮箱格式不正确 (not an email address): {exc}") from exc


def register_company(session: Session, data: dict) -> Company:
    """Add a company to the bureau's directory (commits)."""
    values = clean_company(data)
    company = Company(**values)
    add_unique(session, company, "credit_code", "名录中已有这个统一社会信用代码 (already in the directory)")
    session.commit()
    return company


def update_company(session: Session, company: Company, data: dict) -> Company:
    """Correct a directory entry (commits; the audit log keeps the old values)."""
    values = clean_company(data)
    for key, value in values.items():
        setattr(company, key, value)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # the code of another entry
        raise InputError("credit_code", "名录中已有这个统一社会信用代码 (already in the directory)") from exc
    session.commit()
    return company


@dataclass
class CompanyPage:
    items: list[Company]
    total: int
    page: int
    per_page: int


def companies_query(q: str | None = None):
    """The directory's entries the session may read, searched by name or 统一社会信用代码; unordered."""
    stmt = select(Company)
    if q:
        stmt = stmt.where(or_(Company.name.contains(q.strip()), Company.credit_code == q.strip().upper()))
    return stmt


def list_companies(session: Session, *, q: str | None = None, page: int = 1, per_page: int = 50) -> CompanyPage:
    """The directory (the bureau), or a company's own entry: a page, searched by name or code."""
    return CompanyPage(**page_of(session, companies_query(q), {"page": page, "per_page": per_page},
                                 Company.name, Company.id))


def create_company_tenant(session: Session, company: Company, *, admin_email: str, admin_name: str,
                          slug: str | None = None) -> tuple[int, IssuedInvitation]:
    """Create the company's tenant from its directory entry and invite its first admin (or, when
    the contracts import opened the tenant already, invite its first admin into it).

    The tenant and the invitation are written in their own transaction
    (``provision_tenant``); the entry then records its tenant, and the bureau's
    audit log says who created it.  A company gets one tenant.
    """
    if company.company_tenant_id is not None:
        # opened by the contracts import, without users: invite its first admin into it
        if has_users(company.company_tenant_id):
            raise InputError("company_id", "这家企业已经开通了账户 (the company already has its tenant)")
        issued = invite_first_admin(company.company_tenant_id, admin_email=admin_email, admin_name=admin_name,
                                    actor_id=current_actor_id(session))
        record_event(session, action="invite_admin", entity="tenant", entity_id=company.company_tenant_id,
                     after={"company_id": company.id, "admin": issued.email})
        session.commit()
        return company.company_tenant_id, issued
    slug = (slug or "").strip() or f"co-{company.credit_code.lower()}"
    tenant_id, issued = provision_tenant(kind=TenantKind.COMPANY, slug=slug, name=company.name,
                                         credit_code=company.credit_code, admin_email=admin_email,
                                         admin_name=admin_name, actor_id=current_actor_id(session))
    company.company_tenant_id = tenant_id
    record_event(session, action="create_tenant", entity="tenant", entity_id=tenant_id,
                 after={"company_id": company.id, "slug": slug, "admin": issued.email})
    session.commit()
    return tenant_id, issued


# The directory as a sheet: column headings as a bureau writes them.
COLUMNS = {"统一社会信用代码": "credit_code", "企业名称": "name", "法定代表人": "legal_representative",
           "联系人": "contact_name", "联系电话": "contact_phone", "联系邮箱": "contact_email"}
REQUIRED = ("统一社会信用代码", "企业名称", "法定代表人", "联系人", "联系电话")
MAX_ROWS = 20_000
SHEET_LIMITS = {"企业名称": 200, "法定代表人": 50, "联系人": 50, "联系电话": 30, "联系邮箱": 254}


MAX_BYTES = 10 * 1024 * 1024


def check_company_rows(session: Session, table: list[list[str]], progress=lambda percent: None) -> list[dict]:
    """Every row of a directory sheet, checked (a code twice in the file too); ``ImportRejected``
    lists every problem by row and column.  A code already in the directory is an update."""
    errors: list[RowError] = []
    rows, seen = [], {}
    sheet = data_rows(table, list(COLUMNS), REQUIRED, max_rows=MAX_ROWS, unit="家企业")
    for n, row in enumerate(sheet, start=1):
        before = len(errors)
        check_filled(row, REQUIRED, errors)
        check_lengths(row, SHEET_LIMITS, errors)
        code = row.get("统一社会信用代码").upper()
        if code:
            problem = credit_code_problem(code)
            if problem:
                errors.append(RowError(row.number, "统一社会信用代码", problem))
            check_unique(row, (code,), seen, "统一社会信用代码", errors)
        phone = row.get("联系电话")
        if phone and not PHONE.match(phone):
            errors.append(RowError(row.number, "联系电话", "只能包含数字、空格和 +-()"))
        email = None
        try:
            email = _email(row.get("联系邮箱"))
        except InputError as exc:
            errors.append(RowError(row.number, "联系邮箱", str(exc)))
        if len(errors) == before:
            values = {key: row.get(column) for column, key in COLUMNS.items()}
            rows.append({**values, "credit_code": code, "contact_email": email})
        if n % 2000 == 0:
            progress(100 * n // len(sheet))
    if errors:
        raise ImportRejected(errors)
    return rows


def import_companies(session: Session, rows: list[dict], progress=lambda percent: None) -> dict:
    """Write checked rows (the caller commits): new codes are added in bulk, known ones brought up to date."""
    existing = {c.credit_code: c for c in session.scalars(select(Company))}
    fresh, updated = [], 0
    for row in rows:
        values = {key: row[key] for key in LABELS}
        company = existing.get(row["credit_code"])
        if company is None:
            fresh.append(values)
        elif any(getattr(company, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(company, key, value)  # the audit listener keeps before and after
            updated += 1
    session.flush()
    insert_audited(session, Company, fresh, progress)
    return {"rows": len(rows), "created": len(fresh), "updated": updated,
            "unchanged": len(rows) - len(fresh) - updated}


DIRECTORY_IMPORT = SheetImport("onboarding.import_directory", check_company_rows, import_companies, MAX_BYTES,
                               tables=(Company.__tablename__,))


def start_directory_import(session: Session, filename: str, data: bytes) -> JobRecord:
    """Check a directory sheet now (``ImportRejected`` with every bad row), then write it in a job."""
    return start_import(session, DIRECTORY_IMPORT, filename, data)


@job("onboarding.import_directory")
def import_directory_job(ctx: JobContext, stored: str, filename: str) -> dict:
    """Write a directory sheet in one transaction (all or nothing), with progress."""
    return run_import(ctx, DIRECTORY_IMPORT, stored, filename)
