"""Committee records for the world's owners' committee (``world.committee``, slug ``committee-x``)."""
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import insert, select

from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.finance.ledger import add_entry, set_book
from red_property.finance.models import Category, LedgerEntry, Owner

TODAY = dt.date(2026, 11, 1)
EMAIL = "committee-admin@test.cn"


def committee_admin(world) -> int:
    return next(iter(world.users["committee"].values()))


@contextmanager
def committee_scope(app, world):
    with app.app_context(), tenant_scope(db.session, world.committee, committee_admin(world)) as s:
        yield s


def make_roll(s, areas: list[str], building: str = "1栋") -> list[int]:
    """Owners in one building, rooms 101, 102, ... with these floor areas."""
    s.execute(insert(Owner), [dict(tenant_id=s.info["tenant_id"], building=building, unit="1", room=f"{101 + n}",
                                   name=f"业主{n}", floor_area=Decimal(area)) for n, area in enumerate(areas)])
    s.commit()
    return list(s.scalars(select(Owner.id).where(Owner.building == building).order_by(Owner.room)))


def book_year(s, year: int = 2025) -> None:
    """An opening balance and a few entries in each quarter of ``year``."""
    set_book(s, opened_on=dt.date(year, 1, 1), opening_balance_fen=100_000_00, today=TODAY)
    for quarter in range(4):
        month = 3 * quarter + 1
        add_entry(s, category=Category.PARKING, amount_fen=12_000_00, occurred_on=dt.date(year, month, 5),
                  counterparty="锦绣物业（代收停车费）", note="", today=TODAY)
        add_entry(s, category=Category.ADVERTISING, amount_fen=3_600_50, occurred_on=dt.date(year, month + 1, 10),
                  counterparty="分众传媒", note="电梯广告", today=TODAY)
        add_entry(s, category=Category.MAINTENANCE, amount_fen=8_000_00, occurred_on=dt.date(year, month + 2, 20),
                  counterparty="锦城电梯维保公司", note="更换门禁", today=TODAY)


def committee_records(world) -> dict:
    """One row of each kind the committee's URLs name: an owner, an entry, a draft statement, a
    distribution and a vote (for the URL-map walk and cross-tenant tests)."""
    from red_property.finance.distribution import create_distribution
    from red_property.finance.models import DistributionMethod, StatementKind
    from red_property.finance.statements import create_statement
    from red_property.votes.models import ProposalKind
    from red_property.votes.services import create_vote

    with tenant_scope(db.session, world.committee, committee_admin(world)) as s:
        owner_id = make_roll(s, ["88.00", "92.00"])[0]
        book_year(s)
        entry_id = s.scalar(select(LedgerEntry.id).order_by(LedgerEntry.id))
        statement = create_statement(s, kind=StatementKind.QUARTER, year=2025, quarter=1, today=TODAY)
        distribution = create_distribution(s, title="试算分配", method=DistributionMethod.AREA, total_fen=1000)
        vote = create_vote(s, title="使用公共收益", kind=ProposalKind.PUBLIC_INCOME)
        return {"owner_id": owner_id, "entry_id": entry_id, "statement_id": statement.id,
                "distribution_id": distribution.id, "vote_id": vote.id}
