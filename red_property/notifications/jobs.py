"""Notification jobs: the quarterly statement check (committees) and the mail sweep (every tenant).

The sweep mails what no job mailed at once: the bureau's notifications to companies (the bureau
cannot start another tenant's job) and any whose job could not be queued."""
from red_property.core.jobs import JobContext, job
from red_property.core.schedule import periodic
from red_property.notifications import mail, triggers
from red_property.tenants.models import TenantKind


@job("notifications.statement_due")
def statement_due_job(ctx: JobContext) -> dict:
    """Tell the committee its last quarter's statement is still unpublished (once per quarter)."""
    return {"notified": triggers.statement_due(ctx.session)}


@job("notifications.send_mail")
def send_mail_job(ctx: JobContext) -> dict:
    """Mail the tenant's notifications not mailed yet (nothing without MAIL_URL)."""
    return mail.send_pending(ctx.session)


# 01:10 UTC is 09:10 in Beijing: the morning, when the office reads it.
periodic("notifications.statement_due", cron="10 1 * * *", kinds=(TenantKind.COMMITTEE,))
# The mail sweep; notifications made by a periodic job are mailed by that job at once.
periodic("notifications.send_mail", cron="*/15 * * * *", kinds=tuple(TenantKind),
         when=lambda config: bool(config.get("MAIL_URL")))
