"""The scale generator fills joint meetings and activities in bulk, per company scope."""

from sqlalchemy import func, select

from red_property.activities.models import Activity, ActivityParticipant
from red_property.compliance.sources import Window, measure
from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.demo.scale import generate_scale
from red_property.extensions import db
from red_property.meetings.calendar import meeting_calendar
from red_property.meetings.models import JointMeeting
from red_property.tenants.models import Tenant


def test_scale_generation_makes_meetings_and_activities_that_measure(app):
    with app.app_context():
        result = generate_scale(db.session, companies=3, communities=5, households_per_community=4, seed=11)
        assert result["meetings"] > 40 and result["activities"] == 5 * 12
        company = db.session.scalar(select(Tenant.id).where(Tenant.slug == "scale11-co-00000"))
        db.session.close()
        with tenant_scope(db.session, company) as s:
            assert s.scalar(select(func.count(JointMeeting.id))) > 0
            assert s.scalar(select(func.count(ActivityParticipant.id))) == 3 * s.scalar(select(func.count(Activity.id)))
            rows = meeting_calendar(s, today=clock.today()).rows
            values = measure(s, Window.months_ending(clock.today()), ["meeting_cadence", "activity_participation"])
        assert len(rows) == 2 and {(company, r.community_id): r.cadence for r in rows} == values["meeting_cadence"]
        assert all(0 < v <= 1 for v in values["activity_participation"].values())
        assert generate_scale(db.session, companies=3, communities=5, seed=11) == {"skipped": "scale11 already generated"}
