"""Property-based fuzzing of the whole API from its OpenAPI document.

Every operation gets generated valid and invalid input, once with an admin
token of each tenant kind (company, bureau, committee: an endpoint meant for
one kind must refuse the others cleanly, and its own kind reaches the body
parsing): the answer is never a 5xx, and responses match the documented
schema.  New endpoints are covered without new test code.  (schemathesis's
own pytest plugin does not support pytest 9, so Hypothesis drives it here.)
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

# Revoking the token would end the run; revocation has its own tests.
SKIP = {("/api/v1/auth/token", "DELETE")}
EXAMPLES = 25


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
