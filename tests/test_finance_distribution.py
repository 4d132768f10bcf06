"""Distributing a surplus: whole fen that add up exactly, largest remainders, ties in roll order."""
import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from red_property.core.errors import InputError
from red_property.finance.distribution import (create_distribution, delete_distribution, exact_share,
                                               largest_remainder, record_distribution, shares_of)
from red_property.finance.ledger import balance_before, delete_entry, set_book, update_entry
from red_property.finance.models import Category, DistributionMethod, LedgerEntry
from red_property.finance.roll import remove_owner
from red_property.votes import services as votes
from red_property.votes.models import Choice, ProposalKind
from tests.factories_finance import TODAY, committee_scope, make_roll


@pytest.mark.parametrize("total, weights", [
    (100, [1, 1, 1]), (1, [5, 5]), (0, [3, 4]), (99_999_99, [8850, 9200, 12025, 7550, 14399]),
    (10, [1] * 7), (7, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), (123_456_789, [2**40, 3, 1]),
])
def test_amounts_add_up_exactly_and_stay_within_a_fen_of_the_exact_share(total, weights):
    amounts = largest_remainder(total, weights)
    assert sum(amounts) == total and all(isinstance(a, int) and a >= 0 for a in amounts)
    whole = sum(weights)
    for amount, weight in zip(amounts, weights):
        exact = Fraction(total * weight, whole)
        assert exact - 1 < amount < exact + 1


def test_the_largest_remainders_get_the_fen_left_over():
    # 100 over 3, 3, 1 (of 7): exact 42.857, 42.857, 14.286 -> floors 42, 42, 14 = 98; remainders 6, 6, 2
    assert largest_remainder(100, [3, 3, 1]) == [43, 43, 14]
    # 10 over 1, 2 (of 3): exact 3.333, 6.667 -> floors 3, 6; remainder 1 vs 2: the second gets it
    assert largest_remainder(10, [1, 2]) == [3, 7]


def test_equal_remainders_go_to_the_earlier_owner_in_roll_order():
    assert largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert largest_remainder(5, [2, 2, 2, 2]) == [2, 1, 1, 1]
    assert largest_remainder(2, [1] * 5) == [1, 1, 0, 0, 0]


def test_nothing_to_split_over_is_refused():
    for weights in ([], [0, 0]):
        with pytest.raises(ValueError, match="zero"):
            largest_remainder(100, weights)
    with pytest.raises(ValueError):
        largest_remainder(100, [1, -1, 2])
    with pytest.raises(ValueError):
        largest_remainder(-1, [1])


@pytest.fixture
def funded(app, world):
    with committee_scope(app, world) as s:
        set_book(s, opened_on=dt.date(2025, 1, 1), opening_balance_fen=50_000_00, today=TODAY)


def test_by_area_and_per_household_over_the_roll(app, world, funded):
    with committee_scope(app, world) as s:
        make_roll(s, ["100.00", "50.00", "50.00"], building="10栋")
        make_roll(s, ["0.01"], building="2栋")
        by_area = create_distribution(s, title="按面积分配", method=DistributionMethod.AREA, total_fen=1_000_01)
        rows = shares_of(s, by_area)
        assert [r.building for r in rows] == ["2栋", "10栋", "10栋", "10栋"]   # natural roll order
        assert sum(r.amount_fen for r in rows) == 1_000_01
        # exact: 4.9998, 49998.0001, 24999.00005 twice -> floors add up to 100,000: the one fen left goes to
        # the largest remainder, 2栋's .9998
        assert [r.amount_fen for r in rows] == [5, 49_998, 24_999, 24_999]
        assert exact_share(by_area, rows[1]) == Fraction(1_000_01 * 10000, 20001)
        per_household = create_distribution(s, title="按户平均", method=DistributionMethod.HOUSEHOLD, total_fen=10)
        assert [r.amount_fen for r in shares_of(s, per_household)] == [3, 3, 2, 2]
        assert (per_household.owners, per_household.total_area) == (4, Decimal("200.01"))


def test_bad_distributions_are_refused(app, world, funded):
    with committee_scope(app, world) as s:
        with pytest.raises(InputError, match="名册是空的"):
            create_distribution(s, title="空名册", method=DistributionMethod.AREA, total_fen=100)
        make_roll(s, ["80.00", "90.00"])
        for title, total, field in (("x", 100, "title"), ("正常名称", 0, "total_fen"),
                                    ("超过结余", 50_000_01, "total_fen")):
            with pytest.raises(InputError) as error:
                create_distribution(s, title=title, method=DistributionMethod.AREA, total_fen=total)
            assert error.value.field == field
        with pytest.raises(InputError) as error:
            create_distribution(s, title="方式不对", method="area", total_fen=100)
        assert error.value.field == "method"


def _passed_vote(s, kind=ProposalKind.PUBLIC_INCOME) -> int:
    vote = votes.create_vote(s, title="分配公共收益", kind=kind)
    votes.open_vote(s, vote)
    for ballot_owner in s.scalars(select(votes.Ballot.owner_id).where(votes.Ballot.vote_id == vote.id)):
        votes.cast_ballot(s, vote, owner_id=ballot_owner, choice=Choice.FOR)
    votes.close_vote(s, vote)
    return vote.id


def test_recording_books_one_expense_once_the_owners_decided(app, world, funded):
    with committee_scope(app, world) as s:
        make_roll(s, ["80.00", "90.00", "100.00"])
        made = create_distribution(s, title="2025年度公共收益分配", method=DistributionMethod.AREA,
                                   total_fen=30_000_00)
        with pytest.raises(InputError) as error:
            record_distribution(s, made, paid_on=TODAY, decision="", vote_id=None, today=TODAY)
        assert error.value.field == "decision"
        failing = votes.create_vote(s, title="尚未结束", kind=ProposalKind.PUBLIC_INCOME)
        with pytest.raises(InputError, match="通过的表决"):
            record_distribution(s, made, paid_on=TODAY, decision="", vote_id=failing.id, today=TODAY)
        with pytest.raises(InputError, match="表决不存在"):
            record_distribution(s, made, paid_on=TODAY, decision="", vote_id=999_999, today=TODAY)
        wrong_kind = _passed_vote(s, ProposalKind.USE_FUND)
        with pytest.raises(InputError, match="使用公共收益"):
            record_distribution(s, made, paid_on=TODAY, decision="", vote_id=wrong_kind, today=TODAY)
        vote_id = _passed_vote(s)
        entry = record_distribution(s, made, paid_on=TODAY, decision="", vote_id=vote_id, today=TODAY)
        assert (entry.category, entry.amount_fen, entry.counterparty) == (Category.DISTRIBUTION, 30_000_00,
                                                                          "全体业主（3 户）")
        assert made.decision == "分配公共收益" and made.vote_id == vote_id
        assert balance_before(s, None) == 20_000_00
        with pytest.raises(InputError, match="已经入账"):
            record_distribution(s, made, paid_on=TODAY, decision="再来一次", vote_id=None, today=TODAY)
        with pytest.raises(InputError, match="不能删除"):
            delete_distribution(s, made)
        with pytest.raises(InputError, match="不能删除"):
            delete_entry(s, s.get(LedgerEntry, entry.id))
        with pytest.raises(InputError, match="不能修改"):
            update_entry(s, s.get(LedgerEntry, entry.id), category=Category.DISTRIBUTION, amount_fen=1,
                         occurred_on=TODAY, counterparty="x", note="", today=TODAY)
        owner = shares_of(s, made)[0].owner_id
        with pytest.raises(InputError, match="不能删除"):
            from red_property.finance.models import Owner
            remove_owner(s, s.get(Owner, owner))


def test_a_draft_distribution_may_be_deleted_with_its_table(app, world, funded):
    from red_property.finance.models import DistributionShare

    with committee_scope(app, world) as s:
        make_roll(s, ["80.00", "90.00"])
        made = create_distribution(s, title="试算", method=DistributionMethod.HOUSEHOLD, total_fen=100)
        delete_distribution(s, made)
        assert s.scalars(select(DistributionShare)).all() == []
