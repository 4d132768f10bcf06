"""An endpoint meant for one kind of tenant refuses the others before it reads the body.

Otherwise a company learns a bureau-only endpoint's schema from its 422s (and
the body of a refused request is parsed for nothing).  Every write endpoint of
the API is walked with a malformed body as an admin of each kind: a 422 (the
body was parsed) is allowed only for the kinds listed in ``PARSES``.
"""
import re

import pytest

from red_property.core.tenancy import tenant_scope
from red_property.extensions import db

COMPANY, BUREAU, COMMITTEE = "a", "bureau", "committee"
ALL = {COMPANY, BUREAU, COMMITTEE}
# path (with {ids}) -> the kinds that may reach its body; None: every id in it is fake here, so 404 for all.
PARSES = {
    "/api/v1/users": ALL, "/api/v1/users/{user_id}": ALL, "/api/v1/auth/password": ALL,
    "/api/v1/jobs/exports/community-register": ALL,
    "/api/v1/fees/subscription-invoices": set(),  # the platform's only
    "/api/v1/rating/runs": {BUREAU},
    "/api/v1/rating/models": {BUREAU}, "/api/v1/rating/models/preview": {BUREAU}, "/api/v1/rating/events": {BUREAU},
    "/api/v1/rating/inspections": {BUREAU}, "/api/v1/rating/opinions": {BUREAU},
    "/api/v1/communities/{community_id}/households/import": {COMPANY},
    "/api/v1/users/{user_id}/invitation": ALL,
    "/api/v1/notifications/read-all": ALL,   # every user has notifications
    # onboarding: the bureau's directory and register
    "/api/v1/companies": {BUREAU}, "/api/v1/companies/import": {BUREAU},
    "/api/v1/register/communities": {BUREAU}, "/api/v1/register/communities/import": {BUREAU},
    "/api/v1/register/communities/{community_id}": {BUREAU},
    "/api/v1/register/communities/{community_id}/retire": {BUREAU},
    "/api/v1/register/communities/{community_id}/contracts": {BUREAU},
    "/api/v1/register/communities/{community_id}/handover": {BUREAU}, "/api/v1/register/contracts/import": {BUREAU},
    "/api/v1/register/communities/{community_id}/committees": {BUREAU},
    # the platform operator's tenant list (no walked kind may reach these)
    "/api/v1/platform/tenants/{target_id}/suspend": set(), "/api/v1/platform/tenants/{target_id}/reactivate": set(),
}
PREFIX_KINDS = {"/api/v1/finance/": {COMMITTEE}, "/api/v1/votes": {COMMITTEE}}


def _expected(path: str) -> set[str]:
    if path in PARSES:
        return PARSES[path]
    for prefix, kinds in PREFIX_KINDS.items():
        if path.startswith(prefix):
            return kinds
    return {COMPANY}  # party, meetings, activities, appointments, demands, fees: the company's records


def test_write_endpoints_refuse_other_kinds_before_parsing(app, api, world):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    tokens = {kind: api.token(f"{kind}-admin@test.cn") for kind in ALL}
    real = {"community_id": world.community_a, "user_id": world.users["a"][next(iter(world.users["a"]))]}
    checked = 0
    for path, operations in spec["paths"].items():
        params = re.findall(r"\{([^}]+)\}", path)
        if path == "/api/v1/auth/token" or any(p not in real for p in params):
            continue  # fake ids answer 404 to everyone; cross-tenant ids are walked in test_url_map.py
        url = re.sub(r"\{([^}]+)\}", lambda m: str(real[m.group(1)]), path)
        for method in set(operations) & {"post", "put", "patch"}:
            for kind, token in tokens.items():
                status = api.call(method.upper(), url, token, json=[1]).status_code
                if kind in _expected(path):
                    continue
                assert status in (403, 404), f"{method.upper()} {path} as {kind}: {status} (parsed the body)"
                checked += 1
    assert checked >= 50


def test_the_bureau_cannot_appeal_and_a_company_cannot_start_a_run(app, api, world):
    from red_property.rating.models import RatingRun
    from red_property.rating.runs import publish_run, start_run
    from tests.factories_rating import AS_OF, bureau_admin, rating_inputs

    from tests.conftest import run_worker

    with app.app_context():
        rating_inputs(world)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            run_id = start_run(s, period="2026", as_of=AS_OF).id
    run_worker(app)
    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        publish_run(s, s.get(RatingRun, run_id))
    bureau, company = api.token("bureau-admin@test.cn"), api.token("a-admin@test.cn")
    assert api.post(f"/api/v1/rating/runs/{run_id}/appeals", bureau, json=[1]).status_code == 404
    assert api.post(f"/api/v1/rating/runs/{run_id}/appeals", company, json=[1]).status_code == 422
    assert api.post("/api/v1/rating/runs", company, json=[1]).status_code == 404


@pytest.mark.parametrize("email", ["a-admin@test.cn", "a-staff@test.cn"])
def test_only_the_platforms_admins_reach_subscription_invoicing(api, world, email):
    response = api.post("/api/v1/fees/subscription-invoices", api.token(email), json={"tenant_id": "x"})
    assert response.status_code == 404


def test_the_bureau_cannot_post_a_household_file_through_the_web(client, web, world):
    from tests.conftest import csrf_token

    web.login("bureau-admin@test.cn")
    token = csrf_token(client.get(f"/bureau/communities/{world.community_a}").get_data(as_text=True))
    response = client.post(f"/bureau/communities/{world.community_a}/households/import", data={"csrf_token": token})
    assert response.status_code == 404
