"""Latency of ``GET /api/v1/communities`` with and without the tenancy machinery.

Same run, same data (city scale: 249 companies, 513 communities), same code
path through Flask's test client.  "with" is the product: the app role under
row-level security, the ORM tenant filter, the per-transaction set_config.
"without" is the baseline: the same requests on a superuser connection (RLS
bypassed) with the TenantSession listeners detached.  The bureau owns the whole
register, so both variants return the same rows; the script checks that.
The variants' requests are interleaved in a rotating order, so that load from
anything else on the machine falls on all of them alike.

    DATABASE_URL=postgresql://postgres@127.0.0.1/postgres uv run python -m benchmarks.api_latency
"""
from __future__ import annotations

import argparse
import time
from contextlib import contextmanager, nullcontext

from flask_migrate import upgrade
from sqlalchemy import event, select

from benchmarks.common import fresh_database, print_table, summary
from red_property import create_app
from red_property.accounts.models import Role
from red_property.accounts.services import create_user
from red_property.core import tenancy
from red_property.demo.scale import generate_scale
from red_property.extensions import db
from red_property.tenants.models import Tenant, TenantKind

BASELINE = "without (superuser, listeners detached)"
WARM_UP = 50
LISTENERS = [("do_orm_execute", tenancy._filter_by_tenant), ("before_flush", tenancy._guard_flush),
             ("after_begin", tenancy._set_transaction_tenant)]


@contextmanager
def tenancy_detached():
    """Benchmark only: remove the session listeners, put them back afterwards."""
    for name, fn in LISTENERS:
        event.remove(tenancy.TenantSession, name, fn)
    try:
        yield
    finally:
        for name, fn in LISTENERS:
            event.listen(tenancy.TenantSession, name, fn)


def build(owner: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": owner, "MIGRATE_DATABASE_URL": owner})
    with app.app_context():
        upgrade()
    app_role = owner.replace("postgres@", "red_property_app@", 1).replace("root@", "red_property_app@", 1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_role, "MIGRATE_DATABASE_URL": owner, "PASSWORD_HASH_FAST": True})
    with app.app_context():
        print(generate_scale(db.session, companies=249, communities=513, households_per_community=20))
        for kind, email in ((TenantKind.BUREAU, "bench-bureau@test.cn"), (TenantKind.COMPANY, "bench-co@test.cn")):
            tenant_id = db.session.scalars(select(Tenant.id).where(Tenant.kind == kind).order_by(Tenant.id)).first()
            with tenancy.tenant_scope(db.session, tenant_id):
                create_user(db.session, email=email, name="bench", role=Role.READONLY, password="bench password 1")
                db.session.commit()
        db.engine.dispose()


def issue_token(url: str, email: str) -> str:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    response = app.test_client().post("/api/v1/auth/token", json={"email": email, "password": "bench password 1"})
    with app.app_context():
        db.engine.dispose()
    return response.get_json()["token"]


class Variant:
    """One way of asking: an app on a connection URL, a bearer token, and whether tenancy is detached."""

    def __init__(self, url: str, token: str, per_page: int, detached: bool = False):
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        self.client, self.per_page, self.detached = self.app.test_client(), per_page, detached
        self.headers = {"Authorization": f"Bearer {token}"}
        self.samples: list[float] = []
        self.bodies: list = []

    def call(self, i: int, keep: bool) -> None:
        with tenancy_detached() if self.detached else nullcontext():
            started = time.perf_counter()
            response = self.client.get(f"/api/v1/communities?per_page={self.per_page}&page={i % 10 + 1}",
                                       headers=self.headers)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.get_data(as_text=True)
        if keep:
            self.samples.append(elapsed)
            if len(self.bodies) < 10:
                self.bodies.append(response.get_json())

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=500)
    parser.add_argument("--per-page", type=int, default=50)
    args = parser.parse_args()
    owner, app_role = fresh_database("rp_bench_latency")
    build(owner)
    bureau, company = (issue_token(app_role, e) for e in ("bench-bureau@test.cn", "bench-co@test.cn"))
    variants = {
        "with tenancy (bureau, RLS + ORM filter)": Variant(app_role, bureau, args.per_page),
        "with tenancy (company: contract subquery)": Variant(app_role, company, args.per_page),
        BASELINE: Variant(owner, bureau, args.per_page, detached=True),
    }
    # Interleaved, in a rotating order: whatever else the machine does falls on every variant alike.
    order = list(variants.values())
    for i in range(WARM_UP + args.repeat):
        for variant in order[i % 3:] + order[:i % 3]:
            variant.call(i, keep=i >= WARM_UP)
    for variant in order:
        variant.close()
    assert variants[BASELINE].bodies == order[0].bodies, "the baseline must return the same data"
    rows = {name: summary(v.samples) for name, v in variants.items()}
    print_table(f"GET /api/v1/communities?per_page={args.per_page} (city scale, in-process, interleaved)", rows)
    base = rows[BASELINE]
    for name in list(rows)[:2]:
        print(f"{name}: {rows[name]['p50'] / base['p50']:.2f}x baseline p50, "
              f"{rows[name]['mean'] / base['mean']:.2f}x mean")


if __name__ == "__main__":
    main()
