"""What the bureau holds about the current company: its rating inputs, before any run."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.communities.models import Community
from red_property.rating.models import BranchOpinion, Inspection, RatingEvent, RatingResult
from red_property.rating.scoring import add_months
from red_property.rating.versions import latest_version, parsed


@dataclass
class Snapshot:
    inspections: list
    opinions: list
    events: list
    kind_names: dict


def input_snapshot(session: Session, today: dt.date) -> Snapshot:
    """The last 24 months of inspections, opinions and events (three queries).

    The session shows a company only the records about itself (``visible_to``).
    """
    since = add_months(today, -24)
    inspections = session.execute(select(Inspection, Community.name).join(Community, Community.id == Inspection.community_id)
                                  .where(Inspection.inspected_on >= since).order_by(Inspection.inspected_on.desc())).all()
    opinions = session.execute(select(BranchOpinion, Community.name)
                               .join(Community, Community.id == BranchOpinion.community_id)
                               .where(BranchOpinion.year >= since.year)
                               .order_by(BranchOpinion.year.desc(), Community.name)).all()
    events = session.scalars(select(RatingEvent).where(RatingEvent.occurred_on >= since)
                             .order_by(RatingEvent.occurred_on.desc())).all()
    return Snapshot(inspections, opinions, events, event_kind_names(session))


def event_kind_names(session: Session) -> dict[str, str]:
    """What the bureau calls each event kind (``model_site_city`` -> 市级红色物业示范点).

    The bureau reads its current model; a company cannot, so it takes the names
    from the breakdowns of its own published results (a kind never scored yet
    keeps its code).
    """
    version = latest_version(session)
    if version:
        model = parsed(version)
        return {i.kind: i.name for i in (*model.bonuses.values(), *model.deductions.values())}
    names: dict[str, str] = {}
    for breakdown in session.scalars(select(RatingResult.breakdown).order_by(RatingResult.id.desc()).limit(20)):
        for event in (breakdown or {}).get("events", []):
            names.setdefault(event["kind"], event["name"])  # newest first: the newest name wins
    return names
