"""Demands for the two-company world, at fixed times (services take ``now``)."""
import datetime as dt

from red_property.demands import services
from red_property.demands.intake import create_demand

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 10, 20, 2, 0, tzinfo=UTC)   # 10:00 in Beijing


def demand(s, community, *, category="repair", source="phone", at=NOW, description="3栋2单元楼道灯不亮，请派人维修",
           **kwargs):
    """A demand received at ``at`` (entered at that moment)."""
    return create_demand(s, community_id=community, source=source, category=category, description=description,
                         received_at=at, now=at, **kwargs)


def resolved(s, community, *, category="repair", at=NOW, after=dt.timedelta(hours=5), rating=None, **kwargs):
    """A demand routed by default and resolved ``after`` its receipt (rated when ``rating`` is given)."""
    from red_property.demands.models import DEFAULTS, Category

    d = demand(s, community, category=category, at=at, **kwargs)
    services.route_demand(s, d, route=DEFAULTS[Category(category)].route, handler="工程部王师傅", now=at)
    if category == "dispute":
        services.record_mediation(s, d, held_on=(at + after).date(), mediator="李书记", parties="1201 与 1301 住户",
                                  agreed=True, summary="双方同意修复渗水点", now=at + after)
    services.close_demand(s, d, resolved=True, resolution="已更换灯具，恢复照明", now=at + after)
    if rating is not None:
        services.rate_demand(s, d, rating, now=at + after + dt.timedelta(hours=1))
    return d
