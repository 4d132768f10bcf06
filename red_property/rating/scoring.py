"""Scoring: the same inputs and model always give the same result.

Everything is exact (``Fraction``) until the final score, which is rounded
half-up to 0.01 *before* grading, so the grade always matches the score a
company sees.  Inputs are plain values (no ORM), so a run, a re-rating of one
company and the tests all call the same functions.
"""
from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Iterable, Mapping

from red_property.rating.model import RatingModel

HUNDREDTH = Decimal("0.01")
ZERO = Fraction(0)


@dataclass(frozen=True)
class CommunityValues:
    """One community's metric values (None: not measured) and its weight basis."""

    community_id: int
    floor_area: Fraction
    households: int
    values: Mapping[str, Fraction | None]


@dataclass(frozen=True)
class Event:
    """A bonus or deduction record (an award, a penalty, an upheld complaint ...)."""

    kind: str
    on: dt.date
    ref: str                        # where the record lives, for the evidence link
    authority: str = "city"         # street office, district or city bureau: all add up
    rectified_on: dt.date | None = None


@dataclass(frozen=True)
class CompanyInputs:
    company_id: int
    communities: tuple[CommunityValues, ...]
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class IndicatorScore:
    id: str
    name: str
    metric: str
    weight: Fraction
    value: Fraction | None          # company value (weighted over communities)
    share: Fraction | None          # share of the weight earned; None when missing
    points: Fraction                # after re-spreading missing weight
    full: Fraction                  # the most this indicator could give (same spreading)
    measured_in: int                # communities that had a value
    by_community: tuple[tuple[int, Fraction | None], ...] = ()   # the values behind the company value


@dataclass(frozen=True)
class EventScore:
    event: Event
    name: str
    points: Fraction                # positive for bonus, negative for deduction
    counted: bool                   # False when capped away


@dataclass
class CompanyScore:
    company_id: int
    indicators: list[IndicatorScore]
    events: list[EventScore]
    bonus: Fraction
    deductions: Fraction
    score: Decimal | None           # None: no records at all
    blacklisted: bool
    grade: str = ""
    rank: int | None = None
    notes: list[str] = field(default_factory=list)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


WEIGHT_OF = {"floor_area": lambda c: c.floor_area, "households": lambda c: c.households, "equal": lambda c: 1}


def integer_weights(model: RatingModel, communities: Iterable[CommunityValues]) -> list[int]:
    """Each community's weight as an integer, all over one common denominator.

    A weighted mean is the same over any common denominator of its weights
    (it cancels), so the company value needs only integer weights.
    """
    weights = [WEIGHT_OF[model.aggregate](c) for c in communities]
    common = math.lcm(*(w.denominator for w in weights)) if weights else 1
    return [w.numerator * (common // w.denominator) for w in weights]


def weighted_mean(values: Iterable[Fraction | None], weights: Iterable[int]) -> tuple[Fraction | None, int]:
    """Mean of the values that are not None, weighted by integer weights (those <= 0 left out) -> (value, count).

    Exact: the sum is kept as one numerator over one denominator and reduced
    once, at the end.
    """
    num, den, weight_sum, count = 0, 1, 0, 0
    for value, weight in zip(values, weights):
        if value is None or weight <= 0:
            continue
        vn, vd = value.numerator, value.denominator
        if vd == den:
            num += vn * weight
        else:
            num, den = num * vd + vn * weight * den, den * vd
        weight_sum += weight
        count += 1
    return (Fraction(num, den * weight_sum) if weight_sum else None), count


def company_value(model: RatingModel, communities: Iterable[CommunityValues], metric: str):
    """Weighted average of the communities that measured ``metric`` -> (value, count)."""
    communities = list(communities)
    return weighted_mean((c.values.get(metric) for c in communities), integer_weights(model, communities))


def event_active(model: RatingModel, event: Event, as_of: dt.date) -> bool:
    item = model.bonuses.get(event.kind) or model.deductions.get(event.kind)
    if item is None or event.on > as_of:
        return False
    if as_of < add_months(event.on, item.months):
        return True
    return item.until_rectified and (event.rectified_on is None or as_of < event.rectified_on)


class _Spread:
    """Per set of measured indicators: each indicator's weight after re-spreading the missing
    weight, and the most it could give (the same for every company missing the same ones)."""

    def __init__(self, model: RatingModel):
        self.model = model
        self.budget = sum((i.weight for i in model.indicators), Fraction(0))
        self._cache: dict[tuple[bool, ...], tuple[Fraction, list[Fraction], list[Fraction]]] = {}

    def __call__(self, measured: tuple[bool, ...]) -> tuple[Fraction, list[Fraction], list[Fraction]]:
        """(available weight, weight × spread, weight × cap × spread) for ``measured``."""
        found = self._cache.get(measured)
        if found is None:
            indicators = self.model.indicators
            available = sum((i.weight for i, m in zip(indicators, measured) if m), Fraction(0))
            spread = self.budget / available if (self.model.missing == "exclude" and available) else Fraction(1)
            found = self._cache[measured] = (available, [i.weight * spread for i in indicators],
                                              [i.weight * i.cap * spread for i in indicators])
        return found


def score_company(model: RatingModel, inputs: CompanyInputs, as_of: dt.date,
                  spreads: _Spread | None = None) -> CompanyScore:
    """Score one company (grade and rank come from ``grade_all``).

    ``spreads`` (from ``rate``) shares the spread weights between the companies of a run.
    """
    spreads = spreads or _Spread(model)
    communities = inputs.communities
    weights = integer_weights(model, communities)
    ids = [c.community_id for c in communities]
    raw = []
    for indicator in model.indicators:
        metric = indicator.metric
        values = [c.values.get(metric) for c in communities]
        value, count = weighted_mean(values, weights)
        share = indicator.share(value) if value is not None else None
        raw.append((indicator, value, share, count, values))
    budget = spreads.budget
    available, spread_weights, fulls = spreads(tuple(share is not None for _, _, share, _, _ in raw))
    indicators = [IndicatorScore(i.id, i.name, i.metric, i.weight, value, share,
                                 ZERO if not share else spread_weight if share == 1 else spread_weight * share,
                                 full, count, tuple(zip(ids, values)))
                  for (i, value, share, count, values), spread_weight, full in zip(raw, spread_weights, fulls)]

    events, bonus, deductions, blacklisted = [], ZERO, ZERO, False
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
    # The total as one numerator over one denominator (never reduced: the division below is
    # correctly rounded, so it gives the same digits as the reduced fraction would).
    num, den = 0, 1
    for part in (model.base_score, *(i.points for i in indicators), bonus, -deductions):
        pn, pd = part.numerator, part.denominator
        if pd == den:
            num += pn
        else:
            num, den = num * pd + pn * den, den * pd
    num = max(0, num)
    result.score = (Decimal(num) / Decimal(den)).quantize(HUNDREDTH, ROUND_HALF_UP)
    return result


def grade_all(model: RatingModel, scores: list[CompanyScore]) -> list[CompanyScore]:
    """Assign grades and ranks to every company of a run, deterministically."""
    ranked = sorted((s for s in scores if s.score is not None), key=lambda s: (-s.score, s.company_id))
    previous, rank = None, 0
    for position, s in enumerate(ranked, start=1):
        if s.score != previous:
            rank, previous = position, s.score
        s.rank = rank  # competition ranking: 1, 2, 2, 4
    regular = [s for s in ranked if not s.blacklisted]
    if model.grade_method == "threshold":
        for s in regular:
            s.grade = next(b.grade for b in model.bands if s.score >= b.minimum)
    else:
        _grade_by_share(model, regular)
    for s in scores:
        if s.score is None:
            s.grade = model.missing_records_grade
        elif s.blacklisted:
            s.grade = model.blacklist_grade
            s.notes.append("列入失信名单，等级直接定为 " + model.blacklist_grade)
    return scores


def _grade_by_share(model: RatingModel, ordered: list[CompanyScore]) -> None:
    """Grades by proportion (e.g. Beijing 2025): counts by largest remainder;
    companies tied with the one above a cut share its (better) grade."""
    n = len(ordered)
    exact = [band.share * n for band in model.bands]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    grades = [band.grade for band, count in zip(model.bands, counts) for _ in range(count)]
    for position, s in enumerate(ordered):
        if position and s.score == ordered[position - 1].score:
            s.grade = ordered[position - 1].grade
        else:
            s.grade = grades[position]


def biggest_gains(score: CompanyScore, limit: int = 3) -> list[tuple[IndicatorScore, Fraction]]:
    """Indicators where reaching the full weight would add the most points.

    The gains are compared as integers over their common denominator; only
    the ones returned become fractions.
    """
    gains = []
    for i in score.indicators:
        if i.share is None:
            continue
        fn, fd, pn, pd = i.full.numerator, i.full.denominator, i.points.numerator, i.points.denominator
        num = fn * pd - pn * fd
        if num > 0:
            gains.append((num, fd * pd, i))
    if not gains:
        return []
    common = math.lcm(*(den for _, den, _ in gains))
    gains.sort(key=lambda g: (-g[0] * (common // g[1]), g[2].id))
    return [(i, Fraction(num, den)) for num, den, i in gains[:limit]]


def rate(model: RatingModel, companies: Iterable[CompanyInputs], as_of: dt.date) -> list[CompanyScore]:
    """Score and grade every company."""
    spreads = _Spread(model)
    return grade_all(model, [score_company(model, c, as_of, spreads)
                             for c in sorted(companies, key=lambda c: c.company_id)])
