"""Scoring: the same inputs and model always give the same result.

Everything is exact (``Fraction``) until the final score, which is rounded
half-up to 0.01 *before* grading, so the grade always matches the score a
company sees.  Inputs are plain values (no ORM), so a run, a re-rating of one
company and the tests all call the same functions.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Iterable, Mapping

from red_property.rating.model import RatingModel

HUNDREDTH = Decimal("0.01")


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


def company_value(model: RatingModel, communities: Iterable[CommunityValues], metric: str):
    """Weighted average of the communities that measured ``metric`` -> (value, count)."""
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
    return (Fraction(total) / weight_sum if weight_sum else None), count


def event_active(model: RatingModel, event: Event, as_of: dt.date) -> bool:
    item = model.bonuses.get(event.kind) or model.deductions.get(event.kind)
    if item is None or event.on > as_of:
        return False
    if as_of < add_months(event.on, item.months):
        return True
    return item.until_rectified and (event.rectified_on is None or as_of < event.rectified_on)


def score_company(model: RatingModel, inputs: CompanyInputs, as_of: dt.date) -> CompanyScore:
    """Score one company (grade and rank come from ``grade_all``)."""
    raw = []
    for indicator in model.indicators:
        value, count = company_value(model, inputs.communities, indicator.metric)
        share = indicator.share(value) if value is not None else None
        raw.append((indicator, value, share, count))
    budget = sum((i.weight for i in model.indicators), Fraction(0))
    available = sum((i.weight for i, _, share, _ in raw if share is not None), Fraction(0))
    spread = budget / available if (model.missing == "exclude" and available) else Fraction(1)
    indicators = [IndicatorScore(i.id, i.name, i.metric, i.weight, value, share,
                                 (i.weight * share * spread) if share is not None else Fraction(0),
                                 i.weight * i.cap * spread, count,
                                 tuple((c.community_id, c.values.get(i.metric)) for c in inputs.communities))
                  for i, value, share, count in raw]

    events, bonus, deductions, blacklisted = [], Fraction(0), Fraction(0), False
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
    total = model.base_score + sum((i.points for i in indicators), Fraction(0)) + bonus - deductions
    total = max(Fraction(0), total)
    result.score = (Decimal(total.numerator) / Decimal(total.denominator)).quantize(HUNDREDTH, ROUND_HALF_UP)
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
    """Indicators where reaching the full weight would add the most points."""
    gains = [(i, i.full - i.points) for i in score.indicators if i.share is not None]
    return sorted(((i, gain) for i, gain in gains if gain > 0), key=lambda pair: (-pair[1], pair[0].id))[:limit]


def rate(model: RatingModel, companies: Iterable[CompanyInputs], as_of: dt.date) -> list[CompanyScore]:
    """Score and grade every company."""
    return grade_all(model, [score_company(model, c, as_of) for c in sorted(companies, key=lambda c: c.company_id)])
