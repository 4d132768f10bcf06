"""What the bureau holds about the current company: its rating inputs, before any run."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.communities.models import Community
from red_property.rating.models import BranchOpinion, Inspection, RatingEvent
from red_property.rating.scoring import add_months


@dataclass
class Snapshot:
    inspections: list
    opinions: list
    events: list


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
    return Snapshot(inspections, opinions, events)
