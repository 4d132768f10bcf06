"""Demo fee records: schedules, twelve months of quarterly bills with their invoice
numbers, payments that give each community a realistic collection rate (most
85-97%, one company's one community poor), and a few commitment letters.

Bulk inserts, no PDFs: invoices and receipts render on their first download
(``fees.documents``), so the demo build stays fast.  Also used by the scale
generator (``bulk_fees``).
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from red_property.communities.models import Building, Community, Household, ManagementContract
from red_property.core import clock
from red_property.core.bulk import insert_rows, write_rows
from red_property.core.tenancy import tenant_scope
from red_property.demo import names
from red_property.fees.billing import bill_amount, month_starts
from red_property.fees.models import (BillingRun, Bill, BuildingKind, CommitmentLetter, DocumentCounter, FeeSchedule,
                                      PayeeAccount, Payment, PaymentMethod, Series, SignerKind, document_code)
from red_property.tenants.models import Tenant, TenantKind

BASE_RATE = {BuildingKind.RESIDENTIAL: (120, 280), BuildingKind.COMMERCIAL: (300, 600), BuildingKind.MIXED: (200, 350)}
ORGANISATIONS = ["市税务局", "区教育局", "街道办事处", "市第三人民医院", "区人民法院", "市自然资源局"]


def add_demo_records(session: Session, rng: random.Random, tenants: dict[str, Tenant], today: dt.date) -> None:
    """Fee records of every demo company, twelve monthly periods up to last month."""
    companies = sorted((t for t in tenants.values() if t.kind == TenantKind.COMPANY), key=lambda t: t.slug)
    # four quarters: this one (due already by mid-quarter) and the three before it
    first = months_before(dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), 9)
    for index, company in enumerate(companies):
        # quarterly bills, as most companies here bill; company-6 struggles: its first community collects poorly (the seeds' core problem)
        bulk_fees(session, company.id, rng, first=first, months=12, today=today, monthly=False,
                  poor_community=index == len(companies) - 1, letters=3)
        with tenant_scope(session, company.id) as s:   # printed on its payment and arrears notices
            s.add(PayeeAccount(account_name=company.name, bank_name="中国工商银行锦城分行",
                               account_number=f"6222021{index + 1:012d}", contact_phone=f"028-8800 {index + 1:04d}"))
            s.commit()


def bulk_fees(session: Session, company_id: int, rng: random.Random, *, first: dt.date, months: int,
              today: dt.date, monthly: bool = True, poor_community: bool = False, letters: int = 0) -> int:
    """Schedules, bills and payments for every community the company manages; returns bills made."""
    made = 0
    with tenant_scope(session, company_id) as s:
        communities = s.execute(
            select(Community.id, Community.name, ManagementContract.starts_on).join(ManagementContract, and_(
                ManagementContract.community_id == Community.id, ManagementContract.tenant_id == Community.tenant_id))
            .where(ManagementContract.company_tenant_id == company_id, ManagementContract.starts_on <= today,
                   (ManagementContract.ends_on.is_(None)) | (ManagementContract.ends_on >= today))
            .order_by(Community.id)).all()
        homes = defaultdict(list)
        for row in s.execute(select(Household.id, Household.community_id, Household.floor_area, Household.owner_name,
                                    Household.unit, Household.room, Household.party_member_household,
                                    Building.name, Building.kind)
                             .join(Building, and_(Building.id == Household.building_id,
                                                  Building.tenant_id == Household.tenant_id))
                             .where(Household.community_id.in_([c for c, _, _ in communities]))
                             .order_by(Household.id)):
            homes[row.community_id].append(row)
        numbers: dict[tuple[Series, int], int] = defaultdict(int)
        schedule_rows, bill_rows, run_ids = [], [], []
        for position, (community_id, community_name, since) in enumerate(communities):
            rates = {kind: rng.randrange(*BASE_RATE[kind], 5) for kind in BuildingKind}
            for kind, rate in rates.items():
                schedule_rows.append(dict(tenant_id=company_id, community_id=community_id, building_kind=kind,
                                          rate_fen=rate, effective_from=dt.date(first.year - 1, 1, 1)))
            rise = position % 4 == 1   # some communities raised the fee half-way through the year
            rise_from = month_starts(first, months)[months // 2]
            if rise:
                schedule_rows.append(dict(tenant_id=company_id, community_id=community_id,
                                          building_kind=BuildingKind.RESIDENTIAL,
                                          rate_fen=rates[BuildingKind.RESIDENTIAL] + 20, effective_from=rise_from))
            rate_level = rng.uniform(0.55, 0.68) if poor_community and position == 0 else rng.uniform(0.9, 0.985)
            periods = [p for p in _periods(first, months, monthly) if p[1] >= since]   # only while managing it
            if not periods:
                continue
            runs = insert_rows(s, BillingRun, [
                dict(tenant_id=company_id, community_id=community_id, period=label, period_start=start,
                     period_end=end, months=count, due_on=start + dt.timedelta(days=14), issued_complete=True,
                     finished_at=clock.now(), created_at=clock.now())
                for label, start, end, count in periods], ordered=True)
            run_ids += runs
            for run_id, (label, start, end, count) in zip(runs, periods):
                issued = dt.datetime.combine(start, dt.time(9), tzinfo=dt.timezone.utc)
                for home in homes[community_id]:
                    kind = BuildingKind(home.kind) if home.kind in BuildingKind._value2member_map_ \
                        else BuildingKind.RESIDENTIAL
                    monthly_rates = [(m, rates[kind] + (20 if rise and kind == BuildingKind.RESIDENTIAL
                                                         and m >= rise_from else 0))
                                     for m in month_starts(start, count)]
                    lines, amount = bill_amount(home.floor_area, monthly_rates)
                    # recent bills are less paid yet: collection catches up over the following months
                    age = (today.year - start.year) * 12 + today.month - start.month
                    chance = rate_level - max(0, 3 - age) * 0.05 + (0.04 if home.party_member_household else 0)
                    draw = rng.random()
                    paid = 0 if draw >= chance else amount if draw < chance * 0.96 else amount // 2   # some pay half
                    numbers[(Series.FEE_INVOICE, start.year)] += 1
                    number = numbers[(Series.FEE_INVOICE, start.year)]
                    bill_rows.append(dict(
                        tenant_id=company_id, run_id=run_id, community_id=community_id, household_id=home.id,
                        period=label, period_start=start, period_end=end, months=count,
                        due_on=start + dt.timedelta(days=14), payer_name=home.owner_name,
                        address=f"{community_name} {home.name} {home.unit}单元 {home.room}室", building_kind=kind,
                        floor_area=home.floor_area, lines=lines, amount_fen=amount, paid_fen=paid,
                        invoice_year=start.year, invoice_number=number,
                        invoice_code=document_code(Series.FEE_INVOICE, start.year, number), issued_at=issued))
        write_rows(s, FeeSchedule, schedule_rows)
        # one JSON batch without RETURNING order, then the ids in one query (core.bulk)
        write_rows(s, Bill, bill_rows)
        ids = {(household, period): bill_id for bill_id, household, period in s.execute(
            select(Bill.id, Bill.household_id, Bill.period).where(Bill.run_id.in_(run_ids)))}
        bill_ids = [ids[(row["household_id"], row["period"])] for row in bill_rows]
        payments, paid = [], {}
        for bill_id, row in zip(bill_ids, bill_rows):
            amount = row["paid_fen"]
            if not amount:
                continue
            paid_on = min(today, row["period_start"] + dt.timedelta(days=rng.randint(0, 45)))
            numbers[(Series.RECEIPT, paid_on.year)] += 1
            number = numbers[(Series.RECEIPT, paid_on.year)]
            transfer = rng.random() < 0.4
            payments.append(dict(
                tenant_id=company_id, bill_id=bill_id, amount_fen=amount, paid_on=paid_on,
                method=PaymentMethod.BANK_TRANSFER if transfer else rng.choice(
                    [PaymentMethod.CASH, PaymentMethod.MOBILE, PaymentMethod.MOBILE, PaymentMethod.CARD]),
                payer_name=row["payer_name"], bank_ref=f"{paid_on:%Y%m%d}{company_id:03d}{bill_id:08d}" if transfer
                else None, receipt_year=paid_on.year, receipt_number=number,
                receipt_code=document_code(Series.RECEIPT, paid_on.year, number),
                recorded_at=dt.datetime.combine(paid_on, dt.time(10), tzinfo=dt.timezone.utc)))
            paid[bill_id] = amount
        write_rows(s, Payment, payments)
        if numbers:
            write_rows(s, DocumentCounter, [dict(tenant_id=company_id, series=series, year=year, last_number=n)
                                             for (series, year), n in numbers.items()])
        if letters:
            _letters(s, rng, company_id, bill_rows, bill_ids, paid, letters, today)
        s.commit()
        made = len(bill_rows)
    return made


def _letters(session, rng, company_id, bill_rows, bill_ids, paid, count, today) -> None:
    """Commitment letters from party members and civil servants, some of whom still owe."""
    owing = sorted({row["household_id"] for row, bill_id in zip(bill_rows, bill_ids) if bill_id not in paid})
    settled = sorted({row["household_id"] for row in bill_rows} - set(owing))
    chosen = rng.sample(owing, min(len(owing), count - 1)) + rng.sample(settled, min(len(settled), 1))
    write_rows(session, CommitmentLetter, [dict(
        tenant_id=company_id, household_id=household, signer_name=names.person(rng),
        signer_kind=rng.choice([SignerKind.PARTY_MEMBER, SignerKind.CIVIL_SERVANT]),
        organisation=rng.choice(ORGANISATIONS), signed_on=today - dt.timedelta(days=rng.randint(20, 200)),
        pay_by=today + dt.timedelta(days=rng.randint(10, 90))) for household in chosen])


def _periods(first: dt.date, months: int, monthly: bool) -> list[tuple[str, dt.date, dt.date, int]]:
    from red_property.fees.billing import parse_period

    labels = []
    for start in month_starts(first, months):
        label = f"{start:%Y-%m}" if monthly else f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        if label not in labels:
            labels.append(label)
    return [(label, *parse_period(label)) for label in labels]


def months_before(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` months before ``day``'s month."""
    year, month = day.year, day.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1)
