"""Demo records of the owners' committees: a roll, a year of public income and expenses with
receipts, published quarterly statements (the oldest corrected once), owner votes and a surplus
paid back to the owners once they voted for it.  Deterministic for a seed and a date."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from red_property.core.bulk import write_rows
from red_property.communities.models import Community
from red_property.core.tenancy import tenant_scope
from red_property.demo import names
from red_property.finance import distribution, ledger, statements
from red_property.core.files import store_file
from red_property.finance.models import Category, DistributionMethod, LedgerReceipt, Owner, StatementKind
from red_property.tenants.models import Tenant, TenantKind

# (category, months it is booked in, low and high amount in yuan, counterparties)
MONTHLY = [
    (Category.PARKING, 1.0, 6000, 16000, ["物业服务中心（代收地面停车费）"]),
    (Category.ADVERTISING, 0.7, 1500, 4800, ["分众传媒", "新潮传媒", "锦城公交广告"]),
    (Category.VENUE, 0.35, 300, 2400, ["社区老年大学", "周末跳蚤市场", "锦城青少年宫"]),
    (Category.LOCKERS, 0.34, 400, 1200, ["丰巢科技", "中邮智递"]),
    (Category.OTHER_INCOME, 0.25, 20, 180, ["锦城农商银行（活期利息）"]),
    (Category.MAINTENANCE, 0.45, 800, 18000, ["锦城电梯维保公司", "蓉安消防工程", "川华防水公司", "宏达门禁"]),
    (Category.CLEANING, 0.3, 600, 3500, ["绿源园林", "洁美保洁"]),
    (Category.COMMITTEE, 0.8, 300, 1500, ["业委会办公用品", "业主大会会务", "委员通讯补贴"]),
    (Category.OTHER_EXPENSE, 0.15, 100, 1200, ["银行手续费", "公示栏制作"]),
]
NOTES = {Category.MAINTENANCE: ["更换单元门禁", "电梯年检整改", "屋面防水修补", "消防栓维修", "路灯更换"],
         Category.CLEANING: ["雨季管网疏通", "绿化补种", "化粪池清掏"],
         Category.ADVERTISING: ["电梯框架广告", "道闸广告"], Category.VENUE: ["活动室租用", "广场场地租用"]}


def _quarter_start(index: int) -> dt.date:
    """Quarters counted from year 0: index -> its first day."""
    return dt.date(index // 4, index % 4 * 3 + 1, 1)


def add_demo_records(session, rng: random.Random, tenants: dict[str, Tenant], today: dt.date) -> None:
    from red_property.votes.demo import add_demo_votes

    committees = sorted((t for t in tenants.values() if t.kind == TenantKind.COMMITTEE), key=lambda t: t.slug)
    receipt = _receipt_pdf()
    for committee in committees:
        with tenant_scope(session, committee.id) as s:
            community = s.scalar(select(Community).where(Community.committee_tenant_id == committee.id))
            if community is None:
                continue
            _roll(s, rng, committee.id, community.household_count)
            now_index = today.year * 4 + (today.month - 1) // 3
            opened = _quarter_start(now_index - 4)
            ledger.set_book(s, opened_on=opened, opening_balance_fen=rng.randrange(50_000, 200_000) * 100,
                            today=today)
            _entries(s, rng, opened, today, receipt)
            _statements(s, rng, now_index, today)
            vote_id = add_demo_votes(s, rng, today)
            _distribution(s, rng, vote_id, today)


def _roll(s, rng: random.Random, tenant_id: int, households: int) -> None:
    """Buildings of two units, 6 to 18 floors, two doors a floor: ``households`` units."""
    rows, building = [], 0
    while len(rows) < households:
        building += 1
        floors = rng.choice((6, 11, 18))
        for unit in (1, 2):
            for floor in range(1, floors + 1):
                for door in (1, 2):
                    if len(rows) < households:
                        rows.append(dict(tenant_id=tenant_id, building=f"{building}栋", unit=str(unit),
                                         room=f"{floor}{door:02d}", name=names.person(rng),
                                         floor_area=Decimal(rng.randrange(5500, 14500)) / 100))
    write_rows(s, Owner, rows)
    s.commit()


def _entries(s, rng: random.Random, opened: dt.date, today: dt.date, receipt: bytes) -> None:
    month = opened
    while month <= today:
        for category, chance, low, high, parties in MONTHLY:
            if rng.random() > chance:
                continue  # realistic gaps: not every kind of income or cost comes every month
            day = month.replace(day=rng.randint(1, 28))
            if day > today:
                continue
            entry = ledger.new_entry(s, category=category, amount_fen=rng.randrange(low * 100, high * 100, 50),
                                     occurred_on=day, counterparty=rng.choice(parties),
                                     note=rng.choice(NOTES.get(category, [""])), today=today)
            if category in (Category.MAINTENANCE, Category.CLEANING) and rng.random() < 0.7:
                stored = store_file(s, purpose="receipt", filename=f"发票-{day:%Y%m%d}.pdf", data=receipt)
                s.add(LedgerReceipt(entry_id=entry.id, file_id=stored.id))
        month = (month.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    s.commit()  # one transaction for the year: the demo build stays fast on SQLite


def _statements(s, rng: random.Random, now_index: int, today: dt.date) -> None:
    """The four quarters before this one, published in turn; the first is corrected once."""
    for n, index in enumerate(range(now_index - 4, now_index)):
        draft = statements.create_statement(s, kind=StatementKind.QUARTER, year=index // 4, quarter=index % 4 + 1,
                                            today=today)
        first = statements.publish_statement(s, draft, today=today)
        if n == 0:
            # A parcel-locker fee was paid into the account but missed: found after publication.
            end = _quarter_start(index + 1) - dt.timedelta(days=1)
            ledger.add_entry(s, category=Category.LOCKERS, amount_fen=rng.randrange(600, 1200) * 100,
                             occurred_on=end - dt.timedelta(days=3), counterparty="丰巢科技",
                             note="季度场地费（补记）", today=today)
            correction = statements.correct_statement(s, first, "漏记丰巢快递柜季度场地费一笔，补记后更正收入合计和期末余额")
            statements.publish_statement(s, correction, today=today)


def _distribution(s, rng: random.Random, vote_id: int, today: dt.date) -> None:
    """A third of the balance, rounded down to a thousand yuan, paid by floor area once the owners agreed."""
    balance = ledger.balance_before(s, None)
    total = max(1000_00, balance // 3 // 100_000 * 100_000)
    made = distribution.create_distribution(s, title=f"{today.year - 1}年度公共收益分配", method=DistributionMethod.AREA,
                                            total_fen=total)
    distribution.record_distribution(s, made, paid_on=today, decision="", vote_id=vote_id, today=today)


def _receipt_pdf() -> bytes:
    """One small receipt scan stand-in, rendered once and attached wherever a receipt is kept."""
    from red_property.core.pdf import render_pdf

    # one weight (no bold heading): each font face costs its own subsetting
    return render_pdf("<html><head></head><body><p style='font-size: 20pt'>收款收据（演示）</p>"
                      "<p>锦城市演示数据，非真实票据。</p></body></html>")

