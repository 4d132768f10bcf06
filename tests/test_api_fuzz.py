"""Property-based fuzzing of the whole API from its OpenAPI document.

Every operation gets generated valid and invalid input, once with an admin
token of each tenant kind (company, bureau, committee: an endpoint meant for
one kind must refuse the others cleanly, and its own kind reaches the body
parsing): the answer is never a 5xx, and responses match the documented
schema.  A second pass runs every write endpoint of the demo city with ids of
rows the caller's tenant owns, so that the body is parsed and the service runs
(random ids stop at the 404).  New endpoints are covered without new test
code.  (schemathesis's own pytest plugin does not support pytest 9, so
Hypothesis drives it here.)
"""
import importlib
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import select

from red_property.accounts.services import authenticate
from red_property.core.tenancy import tenant_scope
from red_property.demo.city import DEMO_PASSWORD
from red_property.extensions import db

# Revoking the token would end the run; revocation has its own tests.
SKIP = {("/api/v1/auth/token", "DELETE")}
EXAMPLES = 25
REAL_EXAMPLES = 15


@pytest.mark.parametrize("tenant", ["a", "bureau", "committee"])
def test_api_never_errors_and_matches_its_schema(app, world, api, tenant):
    token = api.token(f"{tenant}-admin@test.cn")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        if (operation.path, operation.method.upper()) in SKIP:
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            if case.path != "/api/v1/auth/token":
                headers = dict(case.headers or {})
                headers.setdefault("Authorization", f"Bearer {token}")
                case.headers = headers
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as exc:
            raise AssertionError(f"{operation.method.upper()} {operation.path}: {exc}") from exc


# URL parameter -> the model whose ids it takes (red_property.<module>:<class>).
MODELS = {"activity_id": "activities.models:Activity", "appeal_id": "rating.models:Appeal", "bill_id": "fees.models:Bill",
          "billing_run_id": "fees.models:BillingRun", "community_id": "communities.models:Community",
          "demand_id": "demands.models:Demand", "distribution_id": "finance.models:Distribution",
          "entry_id": "finance.models:LedgerEntry", "invoice_id": "fees.models:SubscriptionInvoice",
          "household_id": "communities.models:Household",
          "item_id": "meetings.models:AgendaItem", "meeting_id": "meetings.models:JointMeeting",
          "organisation_id": "party.models:PartyOrganisation", "owner_id": "finance.models:Owner",
          "payment_id": "fees.models:Payment", "post_id": "appointments.models:Post",
          "record_id": "activities.models:NegativeRecord", "run_id": "rating.models:RatingRun",
          "statement_id": "finance.models:Statement", "vote_id": "votes.models:Vote",
          "version_id": "rating.models:ModelVersion", "file_id": "core.files:StoredFile",
          "notification_id": "notifications.models:Notification"}


def _ids(app, email):
    """The newest row of each kind the user's tenant can see, by URL parameter name."""
    out = {}
    with app.app_context():
        user = authenticate(db.session, email, DEMO_PASSWORD)
        tid, uid = user.tenant_id, user.id
        db.session.close()
        db.session.info.clear()
        with tenant_scope(db.session, tid, uid) as s:
            for name, ref in MODELS.items():
                mod, cls = ref.split(":")
                model = getattr(importlib.import_module(f"red_property.{mod}"), cls)
                out[name] = s.scalar(select(model.id).order_by(model.id.desc()).limit(1))
    return out


@pytest.mark.parametrize("email", ["company1@demo.test", "bureau@demo.test", "committee1@demo.test"])
def test_writes_on_real_records_never_error(demo_app, email):
    """Every write endpoint of the demo city, with ids of rows the tenant owns: random ids only ever reach the 404."""
    app = demo_app
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD}).get_json()["token"]
    ids = _ids(app, email)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        op = result.ok()
        if op.method.upper() not in ("POST", "PUT", "PATCH") or "auth/token" in op.path:
            continue
        params = re.findall(r"\{([^}]+)\}", op.path)
        if any(ids.get(p) is None for p in params):
            continue

        @given(case=op.as_strategy())
        @settings(max_examples=REAL_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.path_parameters = {p: ids[p] for p in params}
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as exc:
            failures.append(f"{op.method.upper()} {op.path}: {exc}")
    assert not failures, "\n".join(failures)
