"""Running an owner vote: draft, open (ballots issued from the roll), cast, close (the result is recorded).

A ballot is cast by one conditional UPDATE that only matches an uncast ballot
of an open vote, so two clerks entering the same paper ballot, or a ballot
entered while the vote closes, cannot both win.  A closed vote never changes:
the flush guard below refuses it on every ORM path.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session

from red_property.core import clock
from red_property.core.audit import record_event
from red_property.core.bulk import write_rows
from red_property.core.errors import InputError
from red_property.core.table_import import (ImportRejected, RowError, check_filled, check_unique, data_rows,
                                            read_table)
from red_property.core.tenancy import TenantSession, current_actor_id, current_tenant_id
from red_property.finance.models import Owner
from red_property.finance.roll import roll_sql_order
from red_property.votes.models import Ballot, Choice, ProposalKind, Vote, VoteStatus
from red_property.votes.rules import Tally, tally

CHOICE_WORDS = {"同意": Choice.FOR, "赞成": Choice.FOR, "反对": Choice.AGAINST, "弃权": Choice.ABSTAIN,
                "for": Choice.FOR, "against": Choice.AGAINST, "abstain": Choice.ABSTAIN}
BALLOT_COLUMNS = ("楼栋", "单元", "室", "表决意见")
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000


class ClosedVoteIsFinal(RuntimeError):
    """Something tried to change a closed vote or its ballots."""


def _check_text(title: str, description: str) -> tuple[str, str]:
    title, description = (title or "").strip(), (description or "").strip()
    if not 2 <= len(title) <= 200:
        raise InputError("title", "请填写表决事项（2 到 200 字）")
    if len(description) > 5000:
        raise InputError("description", "说明不能超过 5000 字")
    return title, description


def create_vote(session: Session, *, title: str, kind: ProposalKind, description: str = "") -> Vote:
    """A draft proposal; its wording may change until it is opened."""
    if not isinstance(kind, ProposalKind):
        raise InputError("kind", "表决事项类别不存在")
    title, description = _check_text(title, description)
    vote = Vote(title=title, kind=kind, description=description, created_by=current_actor_id(session))
    session.add(vote)
    session.commit()
    return vote


def update_vote(session: Session, vote: Vote, *, title: str, kind: ProposalKind, description: str = "") -> Vote:
    if vote.status != VoteStatus.DRAFT:
        raise InputError("title", "表决已开始，事项不能再修改")
    if not isinstance(kind, ProposalKind):
        raise InputError("kind", "表决事项类别不存在")
    vote.title, vote.description = _check_text(title, description)
    vote.kind = kind
    session.commit()
    return vote


def delete_vote(session: Session, vote: Vote) -> None:
    if vote.status != VoteStatus.DRAFT:
        raise InputError("vote_id", "表决已开始，不能删除")
    session.delete(vote)
    session.commit()


def open_vote(session: Session, vote: Vote) -> Vote:
    """Issue a ballot to every owner on the roll now; the totals it is counted against are fixed here."""
    if vote.status != VoteStatus.DRAFT:
        raise InputError("vote_id", "表决已经开始过")
    owners = session.execute(select(Owner.id, Owner.name, Owner.building, Owner.unit, Owner.room,
                                    Owner.floor_area)).all()
    if not owners:
        raise InputError("vote_id", "业主名册是空的，请先导入名册")
    tenant_id = current_tenant_id(session)
    write_rows(session, Ballot, [
        dict(tenant_id=tenant_id, vote_id=vote.id, owner_id=o.id, name=o.name, building=o.building, unit=o.unit,
             room=o.room, floor_area=o.floor_area) for o in owners])
    vote.total_owners = len(owners)
    vote.total_area = sum((o.floor_area for o in owners), Decimal(0))
    vote.status, vote.opened_at = VoteStatus.OPEN, clock.now()
    session.commit()
    return vote


def _cast(session: Session, vote: Vote, choice: Choice, **where) -> int:
    """Cast the uncast ballot matching ``where`` in an open vote; the number of ballots cast (0 or 1)."""
    still_open = select(Vote.id).where(Vote.id == vote.id, Vote.status == VoteStatus.OPEN)
    # FOR SHARE (PostgreSQL): closing takes FOR UPDATE on the vote, so it waits for casts in flight
    # and a cast waits for the close, then finds the vote closed.
    if session.scalar(still_open.with_for_update(read=True)) is None:
        return 0
    result = session.execute(
        update(Ballot).where(Ballot.vote_id.in_(still_open), Ballot.choice.is_(None),
                             *[getattr(Ballot, k) == v for k, v in where.items()])
        .values(choice=choice, cast_at=clock.now(), recorded_by=current_actor_id(session))
        .execution_options(synchronize_session=False))
    return result.rowcount


def cast_ballot(session: Session, vote: Vote, *, choice: Choice, owner_id: int | None = None,
                address: tuple[str, str, str] | None = None) -> Ballot:
    """Record one owner's ballot (by roll id, or by building, unit and room); once only."""
    if not isinstance(choice, Choice):
        raise InputError("choice", "表决意见应为同意、反对或弃权")
    if vote.status != VoteStatus.OPEN:
        raise InputError("choice", "表决未开始或已结束，不能再投票" if vote.status == VoteStatus.DRAFT
                         else "表决已结束，不能再投票")
    if owner_id is not None:
        where, field = {"owner_id": owner_id}, "owner_id"
    else:
        building, unit, room = (part.strip() for part in address)
        where, field = {"building": building, "unit": unit, "room": room}, "room"
    ballot = session.scalar(select(Ballot).where(Ballot.vote_id == vote.id,
                                                 *[getattr(Ballot, k) == v for k, v in where.items()]))
    if ballot is None:
        raise InputError(field, "该业主不在这次表决开始时的业主名册中")
    if ballot.choice is not None:
        raise InputError(field, f"{ballot.building}-{ballot.unit}-{ballot.room} 已经投过票，每位业主只能投一次")
    if _cast(session, vote, choice, id=ballot.id) != 1:
        session.rollback()
        raise InputError(field, "这张选票刚刚已被录入，或表决已结束")
    record_event(session, action="cast", entity="vote_ballot", entity_id=ballot.id,
                 after={"vote_id": vote.id, "owner_id": ballot.owner_id, "choice": choice.value})
    session.commit()
    session.refresh(ballot)
    return ballot


def import_ballots(session: Session, vote: Vote, filename: str, data: bytes) -> dict:
    """Paper ballots typed into a sheet (楼栋, 单元, 室, 表决意见): all recorded, or none.

    Raises ``ImportRejected`` listing every bad row: unknown units, ballots
    already cast, the same unit twice, unreadable choices.
    """
    if vote.status != VoteStatus.OPEN:
        raise ImportRejected([RowError(0, "文件", "表决未开始或已结束，不能录入选票")])
    table = read_table(filename, data, max_bytes=MAX_BYTES)
    issued = {(b.building, b.unit, b.room): b for b in session.scalars(select(Ballot).where(Ballot.vote_id == vote.id))}
    errors: list[RowError] = []
    seen: dict[tuple[str, ...], int] = {}
    wanted: list[tuple[Ballot, Choice]] = []
    for row in data_rows(table, BALLOT_COLUMNS, BALLOT_COLUMNS, max_rows=MAX_ROWS, unit="张选票"):
        before = len(errors)
        check_filled(row, BALLOT_COLUMNS, errors)
        key = (row.get("楼栋"), row.get("单元"), row.get("室"))
        check_unique(row, key, seen, "室", errors)
        choice = CHOICE_WORDS.get(row.get("表决意见").lower())
        if row.get("表决意见") and choice is None:
            errors.append(RowError(row.number, "表决意见", "应填“同意”“反对”或“弃权”"))
        ballot = issued.get(key)
        if all(key) and ballot is None:
            errors.append(RowError(row.number, "室", f"{'-'.join(key)} 不在这次表决的业主名册中"))
        elif ballot is not None and ballot.choice is not None:
            errors.append(RowError(row.number, "室", f"{'-'.join(key)} 已经投过票"))
        if len(errors) == before:
            wanted.append((ballot, choice))
    if errors:
        raise ImportRejected(errors)
    for ballot, choice in wanted:
        if _cast(session, vote, choice, id=ballot.id) != 1:
            session.rollback()
            raise ImportRejected([RowError(0, "文件", "导入期间有选票被同时录入或表决已结束，未录入任何选票，请重试")])
    counts = {c.value: sum(1 for _, chosen in wanted if chosen == c) for c in Choice}
    record_event(session, action="import", entity="vote_ballot", entity_id=vote.id,
                 after={"file": filename[:200], "ballots": len(wanted), **counts})
    session.commit()
    return {"ballots": len(wanted), **counts}


def current_tally(session: Session, vote: Vote) -> Tally | None:
    """The count so far (or final): one query.  None for a draft (no electorate yet)."""
    if vote.status == VoteStatus.DRAFT:
        return None
    rows = session.execute(select(Ballot.choice, func.count(Ballot.id), func.coalesce(func.sum(Ballot.floor_area), 0))
                           .where(Ballot.vote_id == vote.id, Ballot.choice.is_not(None))
                           .group_by(Ballot.choice)).all()
    counts = {Choice(choice): (n, Decimal(area)) for choice, n, area in rows}
    return tally(vote.kind, total_owners=vote.total_owners, total_area=vote.total_area, counts=counts)


def close_vote(session: Session, vote: Vote) -> Vote:
    """End the vote: no more ballots; the tally is recorded with the vote."""
    vote = session.scalar(select(Vote).where(Vote.id == vote.id).with_for_update()
                          .execution_options(populate_existing=True))
    if vote.status != VoteStatus.OPEN:
        raise InputError("vote_id", "只能结束正在进行的表决")
    result = current_tally(session, vote)  # under the lock: no ballot is being cast
    vote.status, vote.closed_at = VoteStatus.CLOSED, clock.now()
    vote.passed, vote.result = result.passed, result.as_dict()
    session.commit()
    return vote


def _closed_in_database(session: Session, vote: Vote) -> bool:
    history = inspect(vote).attrs.status.history
    loaded = history.deleted or history.unchanged
    if loaded:
        return loaded[0] == VoteStatus.CLOSED
    with session.no_autoflush:
        return session.scalar(select(Vote.status).where(Vote.id == vote.id)) == VoteStatus.CLOSED


@event.listens_for(TenantSession, "before_flush")
def _closed_votes_are_final(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        changed = obj in session.deleted or session.is_modified(obj)
        if not changed:
            continue
        if isinstance(obj, Vote) and _closed_in_database(session, obj):
            raise ClosedVoteIsFinal(f"vote {obj.id} is closed")
        if isinstance(obj, Ballot):
            with session.no_autoflush:
                status = session.scalar(select(Vote.status).where(Vote.id == obj.vote_id))
            if status == VoteStatus.CLOSED:
                raise ClosedVoteIsFinal(f"vote {obj.vote_id} is closed: its ballots are final")


def ballots_page(session: Session, vote: Vote, *, page: int, per_page: int, cast: bool | None = None,
                 q: str | None = None) -> tuple[list[Ballot], int]:
    """A page of a vote's ballots in roll order: two queries."""
    stmt = select(Ballot).where(Ballot.vote_id == vote.id)
    if cast is not None:
        stmt = stmt.where(Ballot.choice.is_not(None) if cast else Ballot.choice.is_(None))
    if q:
        stmt = stmt.where(Ballot.name.contains(q) | Ballot.building.contains(q))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = session.scalars(stmt.order_by(*roll_sql_order(Ballot))
                            .limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total

