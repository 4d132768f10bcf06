"""PRC Civil Code art. 278 at every edge, as DOMAIN.md states it: exact arithmetic, plain-word reasons."""
from decimal import Decimal

import pytest

from red_property.votes.models import SPECIAL_MAJORITY, Choice, ProposalKind
from red_property.votes.rules import tally

# 30 owners holding 3,000.00 m2: two thirds is 20 owners and 2,000.00 m2.
OWNERS, AREA = 30, Decimal("3000.00")
ORDINARY, SPECIAL = ProposalKind.PUBLIC_INCOME, ProposalKind.RAISE_FUND


def count(kind, for_=(0, "0"), against=(0, "0"), abstain=(0, "0"), owners=OWNERS, area=AREA):
    counts = {Choice.FOR: (for_[0], Decimal(for_[1])), Choice.AGAINST: (against[0], Decimal(against[1])),
              Choice.ABSTAIN: (abstain[0], Decimal(abstain[1]))}
    return tally(kind, total_owners=owners, total_area=area, counts=counts)


def met(result) -> dict[str, bool]:
    return {c.code: c.met for c in result.conditions}


def test_exactly_two_thirds_take_part_and_the_vote_counts():
    result = count(ORDINARY, for_=(20, "2000.00"))
    assert result.passed and not result.failed
    assert "恰为三分之二，达到三分之二" in result.conditions[0].message


@pytest.mark.parametrize("area", ["1999.00", "1999.99"])
def test_one_square_metre_less_fails_participation(area):
    result = count(ORDINARY, for_=(20, area))
    assert not result.passed
    assert met(result) == {"participation_area": False, "participation_owners": True, "majority_area": True,
                           "majority_owners": True}
    assert result.failed[0].message == f"参与表决的专有部分面积 66.6%，未达到三分之二（{area} / 3000.00 ㎡）"


def test_one_owner_less_fails_participation_on_owners_alone():
    result = count(ORDINARY, for_=(19, "2500.00"))
    assert met(result)["participation_area"] and not met(result)["participation_owners"]
    assert [c.message for c in result.failed] == ["参与表决的业主人数 63.3%，未达到三分之二（19 / 30 人）"]


def test_a_share_just_under_the_bar_never_reads_as_reaching_it():
    # 1,999.99 / 3,000 = 66.6663%: rounded to 66.7% it would look like two thirds
    message = count(ORDINARY, for_=(20, "1999.99")).failed[0].message
    assert "66.6%" in message and "66.7%" not in message


@pytest.mark.parametrize("kind", sorted(SPECIAL_MAJORITY))
def test_exactly_three_quarters_passes_items_6_to_8(kind):
    # 20 owners / 2,000 m2 take part; three quarters of them is 15 owners / 1,500 m2
    result = count(kind, for_=(15, "1500.00"), against=(5, "500.00"))
    assert result.passed, [c.message for c in result.failed]
    assert result.conditions[2].message == "同意的专有部分面积占参与表决面积的 恰为四分之三，达到四分之三（1500.00 / 2000.00 ㎡）"


def test_just_under_three_quarters_fails_area_and_owners_independently():
    area_short = count(SPECIAL, for_=(15, "1499.99"), against=(5, "500.01"))
    assert met(area_short) == {"participation_area": True, "participation_owners": True, "majority_area": False,
                               "majority_owners": True}
    assert area_short.failed[0].message == "同意的专有部分面积占参与表决面积的 74.9%，未达到四分之三（1499.99 / 2000.00 ㎡）"
    owners_short = count(SPECIAL, for_=(14, "1600.00"), against=(6, "400.00"))
    assert met(owners_short)["majority_area"] and not met(owners_short)["majority_owners"]
    assert owners_short.failed[0].message == "同意的业主人数占参与表决人数的 70.0%，未达到四分之三（14 / 20 人）"


def test_exactly_half_fails_more_than_half():
    result = count(ORDINARY, for_=(10, "1000.00"), against=(10, "1000.00"))
    assert not result.passed
    assert [c.code for c in result.failed] == ["majority_area", "majority_owners"]
    assert result.failed[0].message == "同意的专有部分面积占参与表决面积的 恰为半数，未超过半数（1000.00 / 2000.00 ㎡）"


def test_just_over_half_passes_and_each_half_condition_stands_alone():
    assert count(ORDINARY, for_=(11, "1000.01"), against=(9, "999.99")).passed
    area_only = count(ORDINARY, for_=(10, "1200.00"), against=(10, "800.00"))
    assert met(area_only)["majority_area"] and not met(area_only)["majority_owners"]
    owners_only = count(ORDINARY, for_=(11, "1000.00"), against=(9, "1000.00"))
    assert met(owners_only)["majority_owners"] and not met(owners_only)["majority_area"]


def test_abstentions_take_part_but_are_not_for():
    # 20 take part: without the 9 abstentions only 11 would, and participation would fail
    carried = count(ORDINARY, for_=(11, "1100.00"), abstain=(9, "900.00"))
    assert carried.passed and carried.participating_owners == 20
    # 10 for, 1 against, 9 abstain: 10 of 20 is not more than half
    lost = count(ORDINARY, for_=(10, "1000.00"), against=(1, "100.00"), abstain=(9, "900.00"))
    assert not lost.passed and [c.code for c in lost.failed] == ["majority_area", "majority_owners"]


def test_using_the_fund_needs_more_than_half_raising_it_three_quarters():
    ballots = dict(for_=(14, "1400.00"), against=(6, "600.00"))   # 70% for
    assert count(ProposalKind.USE_FUND, **ballots).passed
    assert not count(ProposalKind.RAISE_FUND, **ballots).passed
    assert {k for k in ProposalKind if k in SPECIAL_MAJORITY} == {
        ProposalKind.RAISE_FUND, ProposalKind.REBUILD, ProposalKind.COMMON_USE}


def test_nobody_taking_part_fails_every_condition_in_words():
    result = count(ORDINARY)
    assert not result.passed and len(result.failed) == 4
    assert result.failed[2].message.startswith("无人参与表决")
    assert result.as_dict()["failed"][0] == "参与表决的专有部分面积 0.0%，未达到三分之二（0.00 / 3000.00 ㎡）"


def test_arithmetic_is_exact_with_awkward_areas():
    # 3 owners with 100.01 m2 each: two thirds of 300.03 is 200.02 exactly
    result = count(ORDINARY, for_=(2, "200.02"), owners=3, area=Decimal("300.03"))
    assert met(result)["participation_area"]
    short = count(ORDINARY, for_=(2, "200.01"), owners=3, area=Decimal("300.03"))
    assert not met(short)["participation_area"]


def test_an_empty_electorate_cannot_be_counted():
    with pytest.raises(ValueError):
        count(ORDINARY, owners=0, area=Decimal(0))
