"""Counting a vote by PRC Civil Code art. 278, exactly (integers and fractions, never floats).

- Participation (参与表决): owners holding two thirds or more (以上: the bound
  included) of the total exclusive floor area AND two thirds or more of all
  owners must take part, or nothing is decided.
- Items 6-8 (raising the maintenance fund; rebuilding or altering buildings;
  changing the use of common parts or running a business on them) pass with
  three quarters or more of the participating area AND of the participating
  owners.
- Everything else, using the fund included, passes with more than half
  (过半数: strictly) of the participating area AND of the participating owners.

Abstentions (弃权) take part, so they count toward participation and sit in
the denominator of the majorities, but they are not "for": an abstention
weighs like a vote against when the majority is counted.  Each owner on the
roll counts as one owner (one exclusively owned unit = one owner, the default
of the Supreme People's Court's interpretation, art. 9).

Every condition carries a plain sentence saying whether it was met, with the
exact figures, e.g. "参与表决的专有部分面积 65.9% 未达到三分之二（6590.00 / 10000.00 ㎡）".
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from fractions import Fraction

from red_property.votes.models import SPECIAL_MAJORITY, Choice, ProposalKind

TWO_THIRDS, THREE_QUARTERS, HALF = Fraction(2, 3), Fraction(3, 4), Fraction(1, 2)
NAMES = {TWO_THIRDS: "三分之二", THREE_QUARTERS: "四分之三", HALF: "半数"}


@dataclass(frozen=True)
class Condition:
    code: str            # participation_area, participation_owners, majority_area, majority_owners
    met: bool
    numerator: str       # exact figures as text ("6590.00", "412")
    denominator: str
    threshold: str       # "2/3", "3/4", "1/2"
    strict: bool         # True: must exceed the threshold (过半数); False: reach it (以上)
    share: float | None  # for charts only; the decision uses exact fractions
    message: str


@dataclass(frozen=True)
class Tally:
    kind: str
    total_owners: int
    total_area: str
    counts: dict          # choice -> {"owners": n, "area": "123.45"}
    participating_owners: int
    participating_area: str
    conditions: list[Condition]
    passed: bool

    @property
    def failed(self) -> list[Condition]:
        return [c for c in self.conditions if not c.met]

    def as_dict(self) -> dict:
        return {**asdict(self), "failed": [c.message for c in self.failed]}


def tally(kind: ProposalKind, *, total_owners: int, total_area: Decimal,
          counts: dict[Choice, tuple[int, Decimal]]) -> Tally:
    """The result of a vote from the electorate's totals and the ballots cast, by choice."""
    if total_owners <= 0 or total_area <= 0:
        raise ValueError("a vote needs owners and floor area on its roll")
    owners = {c: counts.get(c, (0, Decimal(0)))[0] for c in Choice}
    areas = {c: Decimal(counts.get(c, (0, Decimal(0)))[1]) for c in Choice}
    taking_part_owners = sum(owners.values())
    taking_part_area = sum(areas.values(), Decimal(0))
    special = kind in SPECIAL_MAJORITY
    bar, strict = (THREE_QUARTERS, False) if special else (HALF, True)
    conditions = [
        _condition("participation_area", "参与表决的专有部分面积", taking_part_area, total_area, TWO_THIRDS,
                   strict=False, unit="㎡"),
        _condition("participation_owners", "参与表决的业主人数", taking_part_owners, total_owners, TWO_THIRDS,
                   strict=False, unit="人"),
        _condition("majority_area", "同意的专有部分面积占参与表决面积的", areas[Choice.FOR], taking_part_area, bar,
                   strict=strict, unit="㎡"),
        _condition("majority_owners", "同意的业主人数占参与表决人数的", owners[Choice.FOR], taking_part_owners, bar,
                   strict=strict, unit="人"),
    ]
    return Tally(kind=kind.value, total_owners=total_owners, total_area=_text(total_area),
                 counts={c.value: {"owners": owners[c], "area": _text(areas[c])} for c in Choice},
                 participating_owners=taking_part_owners, participating_area=_text(taking_part_area),
                 conditions=conditions, passed=all(c.met for c in conditions))


def _condition(code: str, subject: str, part, whole, threshold: Fraction, *, strict: bool, unit: str) -> Condition:
    figures = f"（{_text(part)} / {_text(whole)} {unit}）"
    name = NAMES[threshold]
    if whole == 0:
        return Condition(code, False, _text(part), _text(whole), _fraction(threshold), strict, None,
                         f"无人参与表决，{subject}无从计算，未{'超过' if strict else '达到'}{name}")
    share = Fraction(part) / Fraction(whole)
    met = share > threshold if strict else share >= threshold
    verb = ("超过" if met else "未超过") if strict else ("达到" if met else "未达到")
    amount = f"恰为{name}" if share == threshold else _percent(share)
    return Condition(code, met, _text(part), _text(whole), _fraction(threshold), strict, float(share),
                     f"{subject} {amount}，{verb}{name}{figures}")


def _percent(share: Fraction) -> str:
    """Rounded down to 0.1%, so a share just under a bar never reads as reaching it."""
    tenths = share.numerator * 1000 // share.denominator
    return f"{tenths // 10}.{tenths % 10}%"


def _text(value) -> str:
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
