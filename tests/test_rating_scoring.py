"""Scoring rules, bonus caps, event lifetimes, grade bands at their edges, determinism."""
import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction as F

import pytest

from red_property.rating.model import parse_model
from red_property.rating.scoring import (CommunityValues, CompanyInputs, Event, add_months, biggest_gains,
                                         grade_all, rate, score_company)
from tests.test_rating_model import MINIMAL, SHIPPED

TODAY = dt.date(2026, 11, 1)


def community(cid=1, area=100, households=10, **values):
    return CommunityValues(cid, F(area), households, {k: (None if v is None else F(str(v))) for k, v in values.items()})


def company(cid, *communities, events=()):
    return CompanyInputs(cid, tuple(communities), tuple(events))


def score_of(model, *communities, events=(), as_of=TODAY):
    return score_company(model, company(1, *communities, events=events), as_of)


@pytest.fixture
def model():
    return parse_model(MINIMAL + """
[bonus]
cap = 5
[[bonus.items]]
kind = "model_site_city"
points = 3
[[deductions.items]]
kind = "complaint"
points = 1
[[deductions.items]]
kind = "penalty"
points = 8
until_rectified = true
[[deductions.items]]
kind = "blacklist"
points = 10
blacklist = true
""")


def test_linear_rule_at_its_ends_and_beyond(model):
    coverage = model.indicators[0]
    assert (coverage.share(F(0)), coverage.share(F(1, 2)), coverage.share(F(1))) == (0, F(1, 2), 1)
    assert coverage.share(F(-1)) == 0 and coverage.share(F(2)) == 1


def test_linear_rule_lower_is_better():
    model = parse_model(MINIMAL.replace("from = 0\nto = 1", "from = 1\nto = 0"))
    assert model.indicators[0].share(F(1, 4)) == F(3, 4)


def test_steps_rule_at_the_edges(model):
    fees = model.indicators[1]
    assert fees.share(F(95, 100)) == 1
    assert fees.share(F(9499, 10000)) == F(85, 100)
    assert fees.share(F(9, 10)) == F(85, 100)
    assert fees.share(F(8999, 10000)) == 0


def test_cap_limits_the_share():
    model = parse_model(MINIMAL.replace('rule = "linear"', 'rule = "linear"\ncap = 0.5', 1))
    assert model.indicators[0].share(F(1)) == F(1, 2)


def test_company_value_is_area_weighted(model):
    result = score_of(model, community(1, area=300, party_coverage=1, fee_collection_rate=1),
                      community(2, area=100, party_coverage=0, fee_collection_rate=1))
    assert result.indicators[0].value == F(3, 4)
    assert result.score == Decimal("85.00")  # 60 x 3/4 + 40


def test_household_weighting():
    model = parse_model(MINIMAL.replace('name = "测试模型"', 'name = "测试模型"\naggregate = "households"'))
    result = score_of(model, community(1, area=1, households=1, party_coverage=1, fee_collection_rate=1),
                      community(2, area=1000, households=3, party_coverage=0, fee_collection_rate=1))
    assert result.indicators[0].value == F(1, 4)


def test_missing_input_is_reported_and_its_weight_spread(model):
    result = score_of(model, community(party_coverage=F(1, 2), fee_collection_rate=None))
    fees = result.indicators[1]
    assert fees.value is None and fees.share is None and fees.points == 0
    assert result.score == Decimal("50.00")  # 60 x 1/2 spread over 100/60
    assert "fees" in result.notes[0] and "分摊" in result.notes[0]


def test_missing_as_zero_when_the_model_says_so():
    model = parse_model(MINIMAL.replace('name = "测试模型"', 'name = "测试模型"\nmissing = "zero"'))
    result = score_of(model, community(party_coverage=F(1, 2), fee_collection_rate=None))
    assert result.score == Decimal("30.00")


def test_no_records_at_all_gets_the_missing_grade(model):
    result = grade_all(model, [score_of(model, community(party_coverage=None, fee_collection_rate=None))])[0]
    assert result.score is None and result.grade == "C（缺失）"


def test_bonus_is_capped_deductions_are_not(model):
    events = [Event("model_site_city", TODAY, "award:1"), Event("model_site_city", TODAY, "award:2"),
              Event("complaint", TODAY, "c:1"), Event("complaint", TODAY, "c:2"), Event("complaint", TODAY, "c:3")]
    result = score_of(model, community(party_coverage=F(1, 2), fee_collection_rate=F(1, 2)), events=events)
    assert (result.bonus, result.deductions) == (5, 3)
    assert [e.points for e in result.events if e.event.kind == "model_site_city"] == [3, 2]
    assert result.score == Decimal("32.00")  # 30 + 5 - 3


def test_items_count_for_their_months_and_serious_ones_until_rectified(model):
    year_ago = add_months(TODAY, -12)
    old_complaint = Event("complaint", year_ago, "c:old")
    recent = Event("complaint", add_months(TODAY, -11), "c:recent")
    penalty_open = Event("penalty", dt.date(2023, 1, 1), "p:1")
    penalty_fixed = Event("penalty", dt.date(2023, 1, 1), "p:2", rectified_on=dt.date(2024, 6, 1))
    result = score_of(model, community(party_coverage=1, fee_collection_rate=1),
                      events=[old_complaint, recent, penalty_open, penalty_fixed])
    assert sorted(e.event.ref for e in result.events) == ["c:recent", "p:1"]
    assert result.deductions == 9


def test_threshold_grades_at_their_edges_after_rounding(model):
    def graded(coverage):
        return grade_all(model, [score_of(model, community(party_coverage=coverage, fee_collection_rate=1))])[0]
    # 40 + 60 x c: 80.00 is A, 79.99 is B; 79.995 rounds half-up to 80.00 and is A.
    assert graded(F(2, 3)).grade == "A" and graded(F(2, 3)).score == Decimal("80.00")
    assert graded(F(3999, 6000)).score == Decimal("79.99")
    assert graded(F(3999, 6000)).grade == "B"
    assert graded(F(39995, 60000)).score == Decimal("80.00") and graded(F(39995, 60000)).grade == "A"
    assert graded(F(0)).grade == "C"


def test_blacklist_overrides_the_grade(model):
    result = score_of(model, community(party_coverage=1, fee_collection_rate=1), events=[Event("blacklist", TODAY, "b")])
    assert result.score == Decimal("90.00")
    assert grade_all(model, [result])[0].grade == "C"


def test_rank_share_grades_and_ties():
    model = parse_model(MINIMAL.replace('method = "threshold"', 'method = "rank_share"').replace(
        'bands = [{ grade = "A", min = 80 }, { grade = "B", min = 60 }, { grade = "C", min = 0 }]',
        'bands = [{ grade = "A", share = 0.2 }, { grade = "B", share = 0.5 }, { grade = "C", share = 0.3 }]'))
    coverages = [1, 0.9, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
    results = rate(model, [company(n, community(n, party_coverage=c, fee_collection_rate=1))
                           for n, c in enumerate(coverages, start=1)], TODAY)
    grades = [r.grade for r in sorted(results, key=lambda r: r.company_id)]
    assert grades == ["A", "A", "A", "B", "B", "B", "B", "C", "C", "C"]  # the tie at the cut keeps the better grade
    assert [r.rank for r in sorted(results, key=lambda r: r.company_id)][:4] == [1, 2, 2, 4]


def test_same_inputs_same_result_in_any_order():
    model = parse_model(SHIPPED)
    rng = random.Random(5)
    metrics = [i.metric for i in model.indicators]
    inputs = [company(n, *[community(n * 10 + k, area=rng.randint(50, 500),
                                     **{m: (None if rng.random() < 0.1 else round(rng.random(), 3)) for m in metrics})
                           for k in range(3)],
                      events=[Event("upheld_complaint", TODAY - dt.timedelta(days=rng.randint(0, 500)), f"c{n}")])
              for n in range(40)]
    first = [(r.company_id, r.score, r.grade, r.rank) for r in rate(model, inputs, TODAY)]
    rng.shuffle(inputs)
    assert [(r.company_id, r.score, r.grade, r.rank) for r in rate(model, inputs, TODAY)] == first


def test_what_would_raise_the_score_most(model):
    result = score_of(model, community(party_coverage=F(1, 2), fee_collection_rate=F(9, 10)))
    (top, gain), (second, gain2) = biggest_gains(result)
    assert (top.id, gain) == ("coverage", 30) and (second.id, gain2) == ("fees", 6)
