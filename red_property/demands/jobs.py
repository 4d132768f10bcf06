"""Demand jobs: flagging overdue demands, per company, every hour."""
from red_property.core.jobs import JobContext, job
from red_property.core.schedule import periodic
from red_property.demands.services import flag_overdue
from red_property.notifications.triggers import overdue_demands


@job("demands.flag_overdue")
def flag_overdue_job(ctx: JobContext) -> dict:
    """Flag the company's open demands past their due time (idempotent: flagged ones stay as they are),
    and notify who must act on them (idempotent too: one notification per demand and overdue event)."""
    flagged = flag_overdue(ctx.session)
    overdue_demands(ctx.session)
    return {"flagged": flagged}


# Limits are whole hours, so an hourly check flags a demand within the hour it runs late.
periodic("demands.flag_overdue", cron="5 * * * *")
