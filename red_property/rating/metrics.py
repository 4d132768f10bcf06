"""The inputs a rating model may name, and what their values mean.

A model that names a metric not listed here is refused.  Ratios are 0..1,
scores 0..100.  Each metric is measured per community (then aggregated to the
company by the model's weighting) unless ``level`` says "company".  ``goal`` is
the target the sources themselves set (DOMAIN.md), shown on the company's
compliance dashboard; the bureau's model decides how it is scored.
"""
from fractions import Fraction

from red_property.core.i18n import N_
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str
    name: str          # shown to users (Chinese)
    unit: str          # "ratio" | "score" | "count"
    level: str = "community"
    goal: Fraction | None = None


METRICS = {m.key: m for m in (
    Metric("party_coverage", N_("党组织覆盖率"), "ratio", goal=Fraction(1)),
    Metric("committee_party_share", N_("业委会党员占比"), "ratio", goal=Fraction(1, 2)),
    Metric("cross_appointment", N_("交叉任职达标"), "ratio", goal=Fraction(1)),
    Metric("meeting_cadence", N_("联席会议按月召开率"), "ratio", goal=Fraction(1)),
    Metric("activity_participation", N_("党员活动参与率"), "ratio"),
    Metric("demands_on_time", N_("诉求按时办结率"), "ratio"),
    Metric("demands_resolved", N_("诉求解决率"), "ratio"),
    Metric("demand_satisfaction", N_("居民满意度"), "score"),
    Metric("fee_collection_rate", N_("物业费收缴率"), "ratio"),
    Metric("branch_opinion", N_("小区党支部评价"), "score"),
    Metric("inspection_score", N_("主管部门检查得分"), "score"),
)}
