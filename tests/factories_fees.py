"""Fee test data: schedules for a community and a billed period, made through the services."""
from __future__ import annotations

import datetime as dt

from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.fees.billing import add_schedule, start_billing_run
from red_property.fees.models import BuildingKind, SubscriptionInvoice
from red_property.tenants.models import Tenant, TenantKind

TODAY = dt.date(2026, 11, 20)
RATE = 185   # 1.85 元/㎡/月


def schedule(session, community_id: int, rate: int = RATE, since: dt.date = dt.date(2026, 1, 1),
             kind: BuildingKind = BuildingKind.RESIDENTIAL):
    return add_schedule(session, community_id=community_id, building_kind=kind, rate_fen=rate,
                        effective_from=since, today=TODAY)


def billed(session, community_id: int, period: str = "2026-Q1", rate: int = RATE):
    """Schedule and bill ``period`` for a community of the session's company; returns the run."""
    schedule(session, community_id, rate)
    return start_billing_run(session, community_id=community_id, period=period, today=TODAY)


def platform(session) -> int:
    """The platform tenant (made once per test database)."""
    from sqlalchemy import select

    found = session.scalar(select(Tenant.id).where(Tenant.slug == "platform"))
    if found:
        return found
    from tests.factories import make_tenant

    return make_tenant(session, TenantKind.PLATFORM, "platform", "红色物业平台")


def subscription_for(app, billed_tenant: int, amount_fen: int = 120_000) -> int:
    """A subscription invoice from the platform to ``billed_tenant``; returns its id."""
    from red_property.fees.services import issue_subscription_invoice

    with app.app_context():
        platform_id = platform(db.session)
        with tenant_scope(db.session, platform_id) as s:
            invoice: SubscriptionInvoice = issue_subscription_invoice(
                s, billed_tenant_id=billed_tenant, description="红色物业平台年度服务费", period="2026",
                amount_fen=amount_fen, due_on=TODAY, today=TODAY)
            return invoice.id
