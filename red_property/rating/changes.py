"""What a correction run changed: per company, each indicator and the points before and after,
the score's delta and the grade before and after, against the run it supersedes."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from red_property.core.i18n import N_
from red_property.rating.models import RatingRun
from red_property.rating.presenters import result_rows


@dataclass
class LineChange:
    name: str
    before: str | None      # the indicator's value (or a bonus/deduction total)
    after: str | None
    points_before: str | None
    points_after: str | None


@dataclass
class CompanyChange:
    company_tenant_id: int
    company_name: str
    score_before: Decimal | None
    score_after: Decimal | None
    grade_before: str | None
    grade_after: str | None
    lines: list[LineChange] = field(default_factory=list)

    @property
    def delta(self) -> Decimal | None:
        if self.score_before is None or self.score_after is None:
            return None
        return self.score_after - self.score_before


def _lines(before: dict, after: dict) -> list[LineChange]:
    old = {i["id"]: i for i in before.get("indicators", [])}
    lines = []
    for item in after.get("indicators", []):
        was = old.pop(item["id"], {})
        if (was.get("value"), was.get("points")) != (item["value"], item["points"]):
            lines.append(LineChange(item["name"], was.get("value"), item["value"], was.get("points"), item["points"]))
    lines += [LineChange(i["name"], i["value"], None, i["points"], None) for i in old.values()]
    for key, name in (("bonus", N_("加分")), ("deductions", N_("减分"))):
        if before.get(key) != after.get(key):
            lines.append(LineChange(name, before.get(key), after.get(key), before.get(key), after.get(key)))
    return lines


def correction_changes(session: Session, run: RatingRun) -> list[CompanyChange] | None:
    """The companies whose result differs from the superseded run's (an empty list: nothing changed);
    None when ``run`` is no finished correction.  Two queries."""
    if run.supersedes_id is None or run.status not in ("ready", "published"):
        return None
    previous = session.get(RatingRun, run.supersedes_id)
    if previous is None:
        return None
    before = {r["company_tenant_id"]: r for r in result_rows(session, previous)}
    changes = []
    for row in result_rows(session, run):
        was = before.pop(row["company_tenant_id"], None)
        lines = _lines(was["breakdown"] if was else {}, row["breakdown"])
        if was is None or lines or (was["score"], was["grade"]) != (row["score"], row["grade"]):
            changes.append(CompanyChange(row["company_tenant_id"], row["company_name"],
                                         was["score"] if was else None, row["score"],
                                         was["grade"] if was else None, row["grade"], lines))
    changes += [CompanyChange(r["company_tenant_id"], r["company_name"], r["score"], None, r["grade"], None)
                for r in before.values()]
    return sorted(changes, key=lambda c: c.company_name)
