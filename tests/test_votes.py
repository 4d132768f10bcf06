"""Running a vote: the electorate is fixed at opening, one ballot per owner, nothing after closing."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from red_property.core.errors import InputError
from red_property.core.table_import import ImportRejected
from red_property.finance.models import Owner
from red_property.finance.roll import add_owner
from red_property.votes import services
from red_property.votes.models import Ballot, Choice, ProposalKind, Vote, VoteStatus
from red_property.votes.services import ClosedVoteIsFinal
from tests.factories_finance import committee_scope, make_roll

# Three owners of 100 m2 each: two of them are two thirds of everything.
AREAS = ["100.00", "100.00", "100.00"]


def opened(s, kind=ProposalKind.PUBLIC_INCOME) -> Vote:
    vote = services.create_vote(s, title="使用公共收益修缮凉亭", kind=kind, description="预算 2 万元")
    return services.open_vote(s, vote)


def test_drafts_change_opened_votes_do_not(app, world):
    with committee_scope(app, world) as s:
        vote = services.create_vote(s, title="草稿事项", kind=ProposalKind.OTHER)
        services.update_vote(s, vote, title="改过的事项", kind=ProposalKind.REBUILD, description="")
        assert services.current_tally(s, vote) is None
        with pytest.raises(InputError, match="名册是空的"):
            services.open_vote(s, vote)
        make_roll(s, AREAS)
        services.open_vote(s, vote)
        assert (vote.total_owners, vote.total_area, vote.status) == (3, Decimal("300.00"), VoteStatus.OPEN)
        with pytest.raises(InputError, match="不能再修改"):
            services.update_vote(s, vote, title="再改", kind=ProposalKind.OTHER)
        with pytest.raises(InputError, match="不能删除"):
            services.delete_vote(s, vote)
        with pytest.raises(InputError, match="已经开始过"):
            services.open_vote(s, vote)
        for title, kind, field in (("x", ProposalKind.OTHER, "title"), ("正常的题目", "other", "kind")):
            with pytest.raises(InputError) as error:
                services.create_vote(s, title=title, kind=kind)
            assert error.value.field == field
        with pytest.raises(InputError) as error:
            services.create_vote(s, title="正常的题目", kind=ProposalKind.OTHER, description="长" * 5001)
        assert error.value.field == "description"


def test_the_electorate_is_the_roll_when_the_vote_opened(app, world):
    with committee_scope(app, world) as s:
        make_roll(s, AREAS)
        vote = opened(s)
        late = add_owner(s, building="9栋", unit="1", room="101", name="新业主", floor_area=Decimal("500"))
        with pytest.raises(InputError, match="不在这次表决开始时"):
            services.cast_ballot(s, vote, owner_id=late.id, choice=Choice.FOR)
        first = s.scalars(select(Owner).order_by(Owner.room)).first()
        first.floor_area = Decimal("1.00")  # a later correction of the roll does not move the count
        s.commit()
        services.cast_ballot(s, vote, owner_id=first.id, choice=Choice.FOR)
        result = services.current_tally(s, vote)
        assert (result.total_owners, result.total_area, result.participating_area) == (3, "300.00", "100.00")


def test_one_ballot_per_owner_and_none_after_closing(app, world):
    with committee_scope(app, world) as s:
        ids = make_roll(s, AREAS)
        vote = opened(s)
        ballot = services.cast_ballot(s, vote, owner_id=ids[0], choice=Choice.FOR)
        assert (ballot.choice, ballot.cast_at is not None) == (Choice.FOR, True)
        with pytest.raises(InputError, match="只能投一次"):
            services.cast_ballot(s, vote, owner_id=ids[0], choice=Choice.AGAINST)
        services.cast_ballot(s, vote, address=(" 1栋", "1", "102 "), choice=Choice.ABSTAIN)
        with pytest.raises(InputError) as error:
            services.cast_ballot(s, vote, address=("1栋", "1", "999"), choice=Choice.FOR)
        assert error.value.field == "room"
        with pytest.raises(InputError) as error:
            services.cast_ballot(s, vote, owner_id=ids[2], choice="for")
        assert error.value.field == "choice"
        closed = services.close_vote(s, vote)
        # 2 of 3 took part (two thirds exactly); 1 for of 2 is not more than half
        assert closed.passed is False and closed.result["participating_owners"] == 2
        assert closed.result["failed"] == ["同意的专有部分面积占参与表决面积的 恰为半数，未超过半数（100.00 / 200.00 ㎡）",
                                           "同意的业主人数占参与表决人数的 恰为半数，未超过半数（1 / 2 人）"]
        with pytest.raises(InputError, match="已结束"):
            services.cast_ballot(s, vote, owner_id=ids[2], choice=Choice.FOR)
        with pytest.raises(InputError, match="正在进行"):
            services.close_vote(s, vote)
        # below the service: the cast statement itself needs an open vote
        ballot_id = s.scalar(select(Ballot.id).where(Ballot.owner_id == ids[2]))
        assert services._cast(s, vote, Choice.FOR, id=ballot_id) == 0


@pytest.mark.parametrize("change", ["vote", "ballot", "delete"])
def test_a_closed_vote_never_changes_through_the_session(app, world, change):
    with committee_scope(app, world) as s:
        ids = make_roll(s, AREAS)
        vote = opened(s)
        for owner_id in ids:
            services.cast_ballot(s, vote, owner_id=owner_id, choice=Choice.FOR)
        services.close_vote(s, vote)
        assert vote.passed is True
        s.expire_all()
        if change == "vote":
            s.get(Vote, vote.id).passed = False
        elif change == "ballot":
            s.scalars(select(Ballot)).first().choice = Choice.AGAINST
        else:
            s.delete(s.get(Vote, vote.id))
        with pytest.raises(ClosedVoteIsFinal):
            s.flush()
        s.rollback()


def test_closing_without_ballots_records_a_failed_vote(app, world):
    with committee_scope(app, world) as s:
        make_roll(s, AREAS)
        vote = opened(s)
        services.close_vote(s, vote)
        assert vote.passed is False and vote.result["participating_owners"] == 0


def sheet(text):
    return text.encode("utf-8-sig")


def test_a_ballot_sheet_is_recorded_whole_or_not_at_all(app, world):
    with committee_scope(app, world) as s:
        ids = make_roll(s, AREAS)
        vote = opened(s)
        services.cast_ballot(s, vote, owner_id=ids[2], choice=Choice.FOR)
        bad = "楼栋,单元,室,表决意见\n1栋,1,101,同意\n1栋,1,101,反对\n1栋,1,103,同意\n9栋,1,1,同意\n1栋,1,102,也许"
        with pytest.raises(ImportRejected) as rejected:
            services.import_ballots(s, vote, "选票.csv", sheet(bad))
        assert [(e.row, e.column) for e in rejected.value.errors] == [
            (3, "室"), (4, "室"), (5, "室"), (6, "表决意见")]
        assert "已经投过票" in rejected.value.errors[1].message
        assert services.current_tally(s, vote).participating_owners == 1  # nothing from the sheet
        report = services.import_ballots(s, vote, "选票.csv", sheet("楼栋,单元,室,表决意见\n1栋,1,101,同意\n1栋,1,102,弃权"))
        assert report == {"ballots": 2, "for": 1, "against": 0, "abstain": 1}
        assert services.current_tally(s, vote).participating_owners == 3
        services.close_vote(s, vote)
        with pytest.raises(ImportRejected, match="1 处错误"):
            services.import_ballots(s, vote, "选票.csv", sheet("楼栋,单元,室,表决意见\n1栋,1,101,同意"))

