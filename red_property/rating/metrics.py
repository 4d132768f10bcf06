"""The inputs a rating model may name, and what their values mean.

A model that names a metric not listed here is refused.  Ratios are 0..1,
scores 0..100.  Each metric is measured per community (then aggregated to the
company by the model's weighting) unless ``level`` says "company".
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str
    name: str          # shown to users (Chinese)
    unit: str          # "ratio" | "score" | "count"
    level: str = "community"


METRICS = {m.key: m for m in (
    Metric("party_coverage", "党组织覆盖率", "ratio"),
    Metric("committee_party_share", "业委会党员占比", "ratio"),
    Metric("cross_appointment", "交叉任职达标", "ratio"),
    Metric("meeting_cadence", "联席会议按月召开率", "ratio"),
    Metric("activity_participation", "党员活动参与率", "ratio"),
    Metric("demands_on_time", "诉求按时办结率", "ratio"),
    Metric("demands_resolved", "诉求解决率", "ratio"),
    Metric("demand_satisfaction", "居民满意度", "score"),
    Metric("fee_collection_rate", "物业费收缴率", "ratio"),
    Metric("branch_opinion", "小区党支部评价", "score"),
    Metric("inspection_score", "主管部门检查得分", "score"),
)}
