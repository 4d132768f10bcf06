"""Fuzz the committee's own API as the committee (the shared fuzz test runs as a company, which gets 404s)."""
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories_finance import EMAIL, committee_records

EXAMPLES = 12


def test_committee_api_never_errors_and_matches_its_schema(app, world, api):
    with app.app_context():
        committee_records(world)
    token = api.token(EMAIL)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    ours = [op for op in operations if op.path.startswith(("/api/v1/finance", "/api/v1/votes"))]
    assert len(ours) >= 30
    for operation in ours:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as exc:
            raise AssertionError(f"{operation.method.upper()} {operation.path}: {exc}") from exc
