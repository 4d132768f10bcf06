"""Twenty clients starting the same billing run at once (issue 12, item 17): one run, one job, and every
client joins it: no "与已开票的期间重叠" for the duplicates, no job queued per click.  PostgreSQL, threads."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from red_property.core import jobs
from red_property.core.jobs import JobRecord
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.fees.billing import start_billing_run
from red_property.fees.models import BillingRun
from tests.factories_fees import TODAY, schedule
from tests.outage import own_redis  # noqa: F401 - a fixture

pytestmark = pytest.mark.postgres
CLIENTS = 20


def test_twenty_clients_starting_one_run_join_one_job(app, world, own_redis):  # noqa: F811
    app.config.update(REDIS_URL=own_redis.url, JOBS_INLINE=False, FEES_RENDER_HELPERS=1)  # queued, no worker
    user = world.users["a"][next(iter(world.users["a"]))]
    with app.app_context(), tenant_scope(db.session, world.a, user) as s:
        schedule(s, world.community_a)
    gate, answers, lock = threading.Barrier(CLIENTS), [], threading.Lock()

    def client():
        with app.app_context(), tenant_scope(db.session, world.a, user) as s:
            gate.wait()
            try:
                run = start_billing_run(s, community_id=world.community_a, period="2026-Q1", today=TODAY)
                answer = (run.id, run.job_id)
            except Exception as exc:  # noqa: BLE001 - collected and shown below
                answer = exc
            db.session.remove()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(answers) == CLIENTS
    assert [a for a in answers if isinstance(a, Exception)] == []
    assert len(set(answers)) == 1  # one run, one job, for everyone
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.scalar(select(func.count(BillingRun.id))) == 1
        names = s.execute(select(JobRecord.name, func.count(JobRecord.id)).group_by(JobRecord.name)).all()
        assert dict(names) == {"fees.bill_run": 1, "fees.render_invoices": 1}
        assert jobs.get_queue(app).count == 2
