"""CI's schemathesis conformance check: the OpenAPI document says what the API returns.

On the demo city (real rows: bills, statements, runs, meetings...), as a company, the
bureau, an owners' committee and the platform operator, every operation of the
document is called by schemathesis with ids of rows the caller's tenant owns in its
path (random ids would only ever reach the 404, whose body says nothing about the
documented one): reads first, then writes.  Any 5xx or any response that does not
match its documented schema fails the test, with every failure listed.  The number of
examples per operation is bounded (``EXAMPLES``) and shrinking is off, so the run
stays within a couple of minutes on SQLite; it prints how many requests it made.
(``test_api_fuzz.py`` fuzzes the same document with random ids on a small world.)
"""
from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from red_property.demo.city import DEMO_PASSWORD
from tests.test_api_fuzz import MODELS, _ids

# CI's bound; RP_CONFORMANCE_EXAMPLES=20 for a deeper run by hand.
EXAMPLES = int(os.environ.get("RP_CONFORMANCE_EXAMPLES", "3"))
# Revoking the token, or suspending a tenant, would end the run; both have their own tests.
SKIP = {("/api/v1/auth/token", "DELETE"), ("/api/v1/platform/tenants/{target_id}/suspend", "POST")}
READS = ("GET",)
EXTRA = {"job_id": "core.jobs:JobRecord", "user_id": "accounts.models:User", "company_id": "onboarding.models:Company"}


# schemathesis's WSGI transport reads a file download (a PDF) without closing it.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("email", ["company1@demo.test", "bureau@demo.test", "committee1@demo.test",
                                   "platform@demo.test"])
def test_every_operation_matches_its_documented_schema(demo_app, email, monkeypatch):
    app = demo_app
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD}).get_json()["token"]
    monkeypatch.setattr("tests.test_api_fuzz.MODELS", {**MODELS, **EXTRA})
    ids = {name: value for name, value in _ids(app, email).items() if value is not None}
    ids.setdefault("target_id", ids.get("company_id"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: op.method.upper() not in READS)   # reads see the rows before writes change them
    calls, failures = [0], []
    for op in operations:
        if (op.path, op.method.upper()) in SKIP:
            continue
        params = re.findall(r"\{([^}]+)\}", op.path)
        known = {p: ids[p] for p in params if p in ids}

        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def check(case):
            if known:
                case.path_parameters = {**(case.path_parameters or {}), **known}
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            calls[0] += 1
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - every failing operation is reported, not just the first
            failures.append(f"{op.method.upper()} {op.path}: {str(exc)[:1500]}")
    print(f"schemathesis conformance as {email}: {calls[0]} requests over {len(operations)} operations")
    assert calls[0] >= len(operations)
    assert not failures, f"{len(failures)} operations fail as {email}:\n" + "\n\n".join(failures)
