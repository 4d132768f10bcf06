"""Paying a surplus back to the owners (收益分配), by floor-area share or per household.

Amounts are whole fen that add up exactly to the total, by the largest
remainder method: every owner first gets the whole fen of their exact share
(total x weight / all weights, rounded down); the fen left over (fewer than
the number of owners) go one each to the largest remainders.  Equal remainders
are broken by roll order (building, unit, room in natural order, then the
roll's id), so the same roll always gives the same table.  Per household every
remainder is equal, so the first owners in roll order get the extra fen.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.core.audit import record_event
from red_property.core.bulk import write_rows
from red_property.core.errors import InputError
from red_property.core.money import check_fen, yuan
from red_property.core.tenancy import current_actor_id, current_tenant_id
from red_property.finance.ledger import balance_before, new_entry
from red_property.finance.models import (Category, Distribution, DistributionMethod, DistributionShare, LedgerEntry,
                                         Owner)
from red_property.finance.roll import roll_order


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` fen over integer ``weights`` exactly; equal remainders go to the earlier index.

    Callers pass the weights in roll order, which makes that the tie-break.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    whole = sum(weights)
    if whole == 0:
        raise ValueError("nothing to split over: the weights add up to zero")
    floors, remainders = zip(*(divmod(total * w, whole) for w in weights))
    amounts = list(floors)
    left = total - sum(amounts)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        amounts[index] += 1
    return amounts


def weight_of(method: DistributionMethod, floor_area: Decimal) -> int:
    """Hundredths of a square metre by area (exact: areas have two decimals), 1 per household."""
    return int(floor_area * 100) if method == DistributionMethod.AREA else 1


def create_distribution(session: Session, *, title: str, method: DistributionMethod, total_fen: int) -> Distribution:
    """Split ``total_fen`` over the roll as it is now and keep the table (not yet booked)."""
    title = (title or "").strip()
    if not 2 <= len(title) <= 100:
        raise InputError("title", "请填写名称（2 到 100 字）")
    if not isinstance(method, DistributionMethod):
        raise InputError("method", "分配方式不存在")
    check_fen(total_fen, "total_fen")
    available = balance_before(session, None)
    if total_fen > available:
        raise InputError("total_fen", f"分配总额 {yuan(total_fen)} 元超过账户结余 {yuan(available)} 元")
    owners = sorted(session.scalars(select(Owner)), key=lambda o: roll_order(o.building, o.unit, o.room, o.id))
    if not owners:
        raise InputError("method", "业主名册是空的，请先导入名册")
    amounts = largest_remainder(total_fen, [weight_of(method, o.floor_area) for o in owners])
    distribution = Distribution(title=title, method=method, total_fen=total_fen, owners=len(owners),
                                total_area=sum((o.floor_area for o in owners), Decimal(0)),
                                created_by=current_actor_id(session))
    session.add(distribution)
    session.flush()
    tenant_id = current_tenant_id(session)
    write_rows(session, DistributionShare, [
        dict(tenant_id=tenant_id, distribution_id=distribution.id, owner_id=o.id, name=o.name, building=o.building,
             unit=o.unit, room=o.room, floor_area=o.floor_area, amount_fen=amount)
        for o, amount in zip(owners, amounts)])
    session.commit()
    return distribution


def shares_of(session: Session, distribution: Distribution) -> list[DistributionShare]:
    """The table in roll order: one query."""
    rows = session.scalars(select(DistributionShare).where(DistributionShare.distribution_id == distribution.id))
    return sorted(rows, key=lambda s: roll_order(s.building, s.unit, s.room, s.owner_id))


def exact_share(distribution: Distribution, share: DistributionShare) -> Fraction:
    """The owner's exact share in fen before rounding (shown beside the whole fen paid)."""
    method = distribution.method
    whole = int(distribution.total_area * 100) if method == DistributionMethod.AREA else distribution.owners
    return Fraction(distribution.total_fen * weight_of(method, share.floor_area), whole)


def record_distribution(session: Session, distribution: Distribution, *, paid_on: dt.date, decision: str,
                        vote_id: int | None, today: dt.date) -> LedgerEntry:
    """Book the distribution the owners decided as one expense; from then on it is kept as paid."""
    from red_property.votes.models import ProposalKind, Vote, VoteStatus

    if distribution.entry_id is not None:
        raise InputError("distribution_id", "这次分配已经入账")
    decision = (decision or "").strip()
    vote = None
    if vote_id is not None:
        vote = session.get(Vote, vote_id)
        if vote is None:
            raise InputError("vote_id", "表决不存在")
        if vote.status != VoteStatus.CLOSED or not vote.passed:
            raise InputError("vote_id", "只能依据已结束且通过的表决入账")
        if vote.kind not in (ProposalKind.PUBLIC_INCOME, ProposalKind.OTHER):
            raise InputError("vote_id", "依据的表决应为“使用公共收益”或其他共同管理事项")
        decision = decision or vote.title[:200]
    if not 2 <= len(decision) <= 200:
        raise InputError("decision", "请写明业主的决定（如会议、表决名称，2 到 200 字）")
    available = balance_before(session, None)
    if distribution.total_fen > available:
        raise InputError("total_fen", f"分配总额 {yuan(distribution.total_fen)} 元超过账户结余 {yuan(available)} 元")
    entry = new_entry(session, category=Category.DISTRIBUTION, amount_fen=distribution.total_fen,
                      occurred_on=paid_on, counterparty=f"全体业主（{distribution.owners} 户）",
                      note=f"{distribution.title}；{decision}"[:500], today=today)
    distribution.entry_id, distribution.decision = entry.id, decision
    distribution.vote_id = vote.id if vote else None
    record_event(session, action="record", entity="finance_distribution", entity_id=distribution.id,
                 after={"entry_id": entry.id})
    session.commit()
    return entry


def delete_distribution(session: Session, distribution: Distribution) -> None:
    if distribution.entry_id is not None:
        raise InputError("distribution_id", "已入账的分配不能删除")
    session.delete(distribution)
    session.commit()
