"""The rating's integer arithmetic gives exactly what plain fractions give.

Scoring works on numerators and denominators (and a breakdown writes each
repeated number once) for speed.  The reference below is the earlier
implementation, step by step in ``Fraction`` and ``Decimal``: on random
inputs, the shipped model and variants of it, every score, grade, rank,
breakdown and the input digest must be the same, digit for digit.
"""
import datetime as dt
import gc
import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction as F

import pytest

from red_property.rating.inputs import digest
from red_property.rating.model import parse_model
from red_property.rating.runs import DecimalText, breakdown, cyclic_gc_paused
from red_property.rating.scoring import (CommunityValues, CompanyInputs, CompanyScore, Event, EventScore,
                                         IndicatorScore, event_active, grade_all, rate)
from tests.test_rating_model import SHIPPED

TODAY = dt.date(2026, 10, 31)


# -- the reference: the earlier implementation, kept as it was -------------------------------------------------

def reference_share(indicator, value):
    if indicator.rule == "linear":
        raw = (value - indicator.low) / (indicator.high - indicator.low)
        share = min(F(1), max(F(0), raw))
    else:
        share = next((s for minimum, s in indicator.steps if value >= minimum), F(0))
    return min(share, indicator.cap)


WEIGHT_OF = {"floor_area": lambda c: c.floor_area, "households": lambda c: c.households, "equal": lambda c: 1}


def reference_company_value(model, communities, metric):
    weight_of = WEIGHT_OF[model.aggregate]
    total = weight_sum = 0
    count = 0
    for community in communities:
        value = community.values.get(metric)
        if value is None:
            continue
        weight = weight_of(community)
        if weight <= 0:
            continue
        total += value * weight
        weight_sum += weight
        count += 1
    return (F(total) / weight_sum if weight_sum else None), count


def reference_score(model, inputs, as_of):
    raw = []
    for indicator in model.indicators:
        value, count = reference_company_value(model, inputs.communities, indicator.metric)
        share = reference_share(indicator, value) if value is not None else None
        raw.append((indicator, value, share, count))
    budget = sum((i.weight for i in model.indicators), F(0))
    available = sum((i.weight for i, _, share, _ in raw if share is not None), F(0))
    spread = budget / available if (model.missing == "exclude" and available) else F(1)
    indicators = [IndicatorScore(i.id, i.name, i.metric, i.weight, value, share,
                                 (i.weight * share * spread) if share is not None else F(0),
                                 i.weight * i.cap * spread, count,
                                 tuple((c.community_id, c.values.get(i.metric)) for c in inputs.communities))
                  for i, value, share, count in raw]
    events, bonus, deductions, blacklisted = [], F(0), F(0), False
    for event in sorted(inputs.events, key=lambda e: (e.on, e.kind, e.ref)):
        if not event_active(model, event, as_of):
            continue
        if event.kind in model.bonuses:
            item = model.bonuses[event.kind]
            counted = min(item.points, model.bonus_cap - bonus)
            bonus += counted
            events.append(EventScore(event, item.name, counted, counted > 0))
        else:
            item = model.deductions[event.kind]
            deductions += item.points
            blacklisted = blacklisted or item.blacklist
            events.append(EventScore(event, item.name, -item.points, True))
    result = CompanyScore(inputs.company_id, indicators, events, bonus, deductions, None, blacklisted)
    if available == 0 and not events:
        result.notes.append("没有可评价的记录")
        return result
    if available < budget:
        missing = [i.name for i in indicators if i.share is None]
        result.notes.append(f"缺少数据的指标（权重已按比例分摊）：{'、'.join(missing)}"
                            if model.missing == "exclude" else f"缺少数据的指标按 0 分计：{'、'.join(missing)}")
    total = max(F(0), model.base_score + sum((i.points for i in indicators), F(0)) + bonus - deductions)
    result.score = (Decimal(total.numerator) / Decimal(total.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return result


def reference_gains(score, limit=3):
    gains = [(i, i.full - i.points) for i in score.indicators if i.share is not None]
    return sorted(((i, gain) for i, gain in gains if gain > 0), key=lambda pair: (-pair[1], pair[0].id))[:limit]


def reference_num(value, places=4):
    return None if value is None else str(round(Decimal(value.numerator) / Decimal(value.denominator), places))


def reference_breakdown(score):
    num = reference_num
    return {
        "indicators": [{"id": i.id, "name": i.name, "metric": i.metric, "weight": num(i.weight, 2),
                        "value": num(i.value), "share": num(i.share), "points": num(i.points, 2),
                        "full": num(i.full, 2), "measured_in": i.measured_in, "missing": i.share is None,
                        "communities": [[cid, num(v)] for cid, v in i.by_community]}
                       for i in score.indicators],
        "events": [{"kind": e.event.kind, "name": e.name, "points": num(e.points, 2), "on": e.event.on.isoformat(),
                    "ref": e.event.ref, "authority": e.event.authority, "counted": e.counted}
                   for e in score.events],
        "bonus": num(score.bonus, 2), "deductions": num(score.deductions, 2), "notes": score.notes,
        "blacklisted": score.blacklisted,
        "gains": [{"id": i.id, "name": i.name, "points": num(gain, 2)} for i, gain in reference_gains(score)],
    }


def reference_rate(model, companies, as_of):
    return grade_all(model, [reference_score(model, c, as_of) for c in sorted(companies, key=lambda c: c.company_id)])


# -- random inputs ---------------------------------------------------------------------------------------------

def random_value(rng):
    """Values as the sources make them: ratios of counts, averaged scores, exact 0 and 1, or missing."""
    kind = rng.random()
    if kind < 0.12:
        return None
    if kind < 0.25:
        return F(rng.choice([0, 1]))
    if kind < 0.6:
        due = rng.randint(1, 13)
        return F(rng.randint(0, due), due)
    if kind < 0.8:
        return F(rng.randint(0, 10_000), 100) if rng.random() < 0.5 else F(rng.randint(0, 9_999), rng.randint(1, 9_999))
    return F(rng.randint(0, 2 * 10**9), rng.randint(1, 10**9))   # large terms, beyond the range (lower is better too)


def random_companies(model, rng, n=150):
    metrics = sorted({i.metric for i in model.indicators})
    kinds = list(model.bonuses) + list(model.deductions)
    companies = []
    for company_id in range(1, n + 1):
        communities = tuple(
            CommunityValues(company_id * 100 + k, F(rng.randint(0, 2_000_000), 100) if rng.random() > 0.03 else F(0),
                            rng.randint(0, 900), {m: random_value(rng) for m in metrics})
            for k in range(rng.choice([1, 1, 2, 2, 3, 5, 8])))
        events = tuple(Event(rng.choice(kinds), TODAY - dt.timedelta(days=rng.randint(0, 700)), f"E-{company_id}-{e}",
                             rectified_on=rng.choice([None, TODAY - dt.timedelta(days=rng.randint(0, 300))]))
                       for e in range(rng.choice([0, 0, 0, 1, 2, 4])))
        if rng.random() < 0.03:   # no records at all
            communities = tuple(CommunityValues(c.community_id, c.floor_area, c.households, {m: None for m in metrics})
                                for c in communities)
            events = ()
        companies.append(CompanyInputs(company_id, communities, events))
    return companies


VARIANTS = {
    "shipped": SHIPPED,
    "households, missing as zero": SHIPPED.replace('aggregate = "floor_area"', 'aggregate = "households"')
                                          .replace('missing = "exclude"', 'missing = "zero"'),
    "equal weights, base score": SHIPPED.replace('aggregate = "floor_area"', 'aggregate = "equal"')
                                        .replace("base_score = 0", "base_score = 10")
                                        .replace("weight = 15\nrule = \"linear\"\nfrom = 0.3", "weight = 5\nrule = \"linear\"\nfrom = 0.3"),
    "lower is better, capped": SHIPPED.replace("from = 0.6\nto = 0.98", "from = 0.98\nto = 0.6\ncap = 0.7"),
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_grades_ranks_and_breakdowns_equal_the_fraction_reference(variant, seed):
    model = parse_model(VARIANTS[variant])
    companies = random_companies(model, random.Random(seed))
    ours, theirs = rate(model, companies, TODAY), reference_rate(model, companies, TODAY)
    assert [(s.company_id, s.score, s.grade, s.rank, s.notes) for s in ours] == \
           [(s.company_id, s.score, s.grade, s.rank, s.notes) for s in theirs]
    assert any(s.score is None for s in ours) and len({s.grade for s in ours}) > 2   # the inputs reach the edges
    num = DecimalText(limit=50)   # small: the remembered numbers are dropped and made again many times
    assert [breakdown(s, num) for s in ours] == [reference_breakdown(s) for s in theirs]
    for mine, reference in zip(ours, theirs):
        assert [(i.value, i.share, i.points, i.full) for i in mine.indicators] == \
               [(i.value, i.share, i.points, i.full) for i in reference.indicators]


def test_the_variants_differ_from_the_shipped_model():
    # each variant must change the model, else it tests nothing new
    models = {name: parse_model(text) for name, text in VARIANTS.items()}
    assert len({(m.aggregate, m.missing, m.base_score, tuple(m.indicators)) for m in models.values()}) == len(VARIANTS)


def test_decimal_text_writes_what_decimal_division_writes():
    rng = random.Random(9)
    num = DecimalText(limit=7)
    values = [F(rng.randint(-10**6, 10**6), rng.randint(1, 10**4)) for _ in range(3000)]
    values += [F(1, 2 * 10**4), F(-1, 2 * 10**4), F(-1, 10**6), F(5, 10**5), F(15, 10**5), F(0), F(10**20, 3)]
    for value in values + values[::-1]:
        for places in (2, 4):
            assert num(value, places) == reference_num(value, places)
    assert num(None) is None and len(num.seen) <= 7


def test_the_digest_is_unchanged():
    model = parse_model(SHIPPED)
    companies = random_companies(model, random.Random(4), n=30)
    # sha256 of the same payload written the earlier way; a change here changes every stored run's fingerprint
    assert digest(companies, SHIPPED, TODAY) == reference_digest(companies, SHIPPED, TODAY)


def reference_digest(inputs, model_source, as_of):
    import hashlib
    import json

    def plain(value):
        return None if value is None else str(value)

    payload = {"as_of": as_of.isoformat(), "model": model_source, "companies": [
        {"id": c.company_id,
         "communities": [[v.community_id, plain(v.floor_area), v.households,
                          sorted((k, plain(x)) for k, x in v.values.items())] for v in c.communities],
         "events": [[e.kind, e.on.isoformat(), e.ref, e.authority, plain(e.rectified_on)] for e in c.events]}
        for c in inputs]}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def test_the_collector_is_paused_during_a_run_and_restored_after():
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()   # left as it was found
    finally:
        gc.enable()
