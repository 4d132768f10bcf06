"""Hostile input is a 4xx at the edge, never a 500 (issue 12, items 4 and 5).

JSON nested a thousand deep used to give a 500 on every path before login, and a lone
UTF-16 surrogate (``"\\ud800"``) a 500 wherever the string reached Redis or the database.
"""
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from red_property.core.input_edge import NUL, SURROGATE, _json_problem
from red_property.core.nesting import depth_of

DEEP = "[" * 1000 + "]" * 1000


def _walkable_paths(app):
    """One concrete path per rule of the URL map, parameters filled with something plausible."""
    paths = set()
    for rule in app.url_map.iter_rules():
        paths.add(re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>",
                         lambda m: "1" if m.group(1) in ("int", "id") else "x", rule.rule))
    return sorted(paths)


def test_deep_json_is_400_on_every_path_before_login(app, client):
    paths = _walkable_paths(app)
    assert len(paths) > 150
    for path in paths + ["/no/such/page"]:
        response = client.post(path, data=DEEP, content_type="application/json")
        assert response.status_code == 400, (path, response.status_code)
    api = client.post("/api/v1/auth/token", data=DEEP, content_type="application/json").get_json()
    assert "deeper than 32" in api["message"]


def test_depth_is_bounded_exactly_at_the_limit(app, client, world, api):
    token = api.token("a-admin@test.cn")
    at_limit = {"community_id": world.community_a, "description": "x", "extra": "[" * 31 + "]" * 31}
    at_limit["extra"] = json.loads("[" * 31 + "]" * 31)  # 32 levels with the outer object
    over = {**at_limit, "extra": json.loads("[" * 32 + "]" * 32)}
    assert api.post("/api/v1/demands", token, json=at_limit).status_code == 422  # the schema's "unknown field"
    response = api.post("/api/v1/demands", token, json=over)
    assert response.status_code == 400 and "deeper than 32" in response.get_json()["message"]


def test_a_json_body_over_the_limit_is_413_even_without_a_length(app, client):
    big = json.dumps({"email": "a@test.cn", "password": "x" * (1024 * 1024)})
    assert client.post("/api/v1/auth/token", data=big, content_type="application/json").status_code == 413
    # Chunked, with no Content-Length: the limit holds while reading.
    env = EnvironBuilder(path="/api/v1/auth/token", method="POST", data=big.encode(),
                         content_type="application/json").get_environ()
    del env["CONTENT_LENGTH"]
    env["wsgi.input_terminated"] = True
    statuses = []
    b"".join(app.wsgi_app(env, lambda status, headers: statuses.append(status)))
    assert statuses[0].startswith("413")
    # Multipart uploads keep the larger upload limit.
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["JSON_MAX_BYTES"]


def test_broken_json_says_why_instead_of_a_bare_400(client):
    response = client.post("/api/v1/auth/token", data="{'email':", content_type="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.get_json()["message"]
    # An empty body with a JSON type is no body, as before (DELETE /auth/token sends none).
    assert client.post("/api/v1/auth/token", data="", content_type="application/json").status_code == 422


def test_a_query_string_that_is_not_utf8_is_400(app):
    env = EnvironBuilder(path="/api/v1/communities").get_environ()
    env["QUERY_STRING"] = "q=\xed\xa0\x80"  # raw bytes (WSGI strings are latin-1)
    statuses = []
    b"".join(app.wsgi_app(env, lambda status, headers: statuses.append(status)))
    assert statuses[0].startswith("400")


def _raw(value) -> str:
    """JSON text as a client writes it: ``ensure_ascii`` turns a lone surrogate into ``\\ud800``."""
    return json.dumps(value, ensure_ascii=True)


@pytest.mark.parametrize("who, path, body", [
    (None, "/api/v1/auth/token", {"email": "a\ud800@demo.test", "password": "x"}),
    ("a-admin", "/api/v1/demands", {"community_id": "A", "source": "phone", "category": "repair",
                                    "description": "楼道灯不亮了\udfff"}),
    ("a-admin", "/api/v1/users", {"email": "new@test.cn", "name": "张\ud800", "role": "staff",
                                  "password": "long enough password"}),
    ("a-admin", "/api/v1/party/members", {"name": "张\ud800三", "community_id": "A"}),
    ("committee-admin", "/api/v1/finance/owners", {"building": "1栋", "unit": "1", "room": "101",
                                                   "name": "\ud800", "floor_area": "80.00"}),
])
def test_a_lone_surrogate_is_422_naming_the_field(client, api, world, who, path, body):
    headers = {"Authorization": f"Bearer {api.token(who + '@test.cn')}"} if who else {}
    body = {key: world.community_a if value == "A" else value for key, value in body.items()}
    response = client.post(path, data=_raw(body), content_type="application/json", headers=headers)
    field = next(key for key, value in body.items() if isinstance(value, str) and re.search("[\ud800-\udfff]", value))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["errors"] == {"json": {field: [SURROGATE]}}


def test_the_edge_runs_before_anything_reads_the_request(app):
    """The rate limiter's key (the login's email) went to Redis, where a surrogate was a 500:
    the check must run before every other hook."""
    assert app.before_request_funcs[None][0].__name__ == "_refuse_hostile_input"


def test_a_surrogate_in_a_key_or_deep_inside_is_named_by_its_path(client, api, world):
    token = api.token("a-admin@test.cn")
    nested = api.post("/api/v1/party/organisations", token, data=_raw({"name": "x", "extra": [{"k": ["ok", "\udc00"]}]}),
                      content_type="application/json")
    assert nested.get_json()["errors"] == {"json": {"extra.0.k.1": [SURROGATE]}}
    key = api.post("/api/v1/party/organisations", token, data=_raw({"na\ud800me": "x"}), content_type="application/json")
    assert key.status_code == 422 and key.get_json()["errors"] == {"json": {"name": [SURROGATE]}}


# -- properties ------------------------------------------------------------------------------

# Text as hostile as JSON can carry: any code point, lone surrogates and NUL included.
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=8)
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                           max_leaves=20)


def _reference_depth(value) -> int:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return 1 + max((_reference_depth(v) for v in value), default=0)
    return 0


def _unstorable(value) -> bool:
    bad = re.compile("[\x00\ud800-\udfff]")
    if isinstance(value, str):
        return bool(bad.search(value))
    if isinstance(value, dict):
        return any(bad.search(k) or _unstorable(v) for k, v in value.items())
    return isinstance(value, list) and any(_unstorable(v) for v in value)


@settings(database=None, deadline=None)
@given(JSON_VALUES)
def test_depth_and_unstorable_text_agree_with_a_plain_recursive_reading(value):
    assert depth_of(value, 10_000) == _reference_depth(value)
    found = _json_problem(value)
    assert (found is not None) == _unstorable(value)
    if found:
        assert found[1] in (NUL, SURROGATE)


def _nest(value, levels: int):
    for _ in range(levels):
        value = [value]
    return value


def test_any_json_body_gets_a_4xx_or_through_never_a_500(client, api, world):
    """Whatever the body, an authenticated write is never a 5xx: too deep is 400,
    unstorable text 422 (naming a path), anything else reaches the schema and the service."""
    token = api.token("a-admin@test.cn")

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(body=JSON_VALUES, extra_levels=st.integers(0, 60))
    def check(body, extra_levels):
        document = {"community_id": world.community_a, "source": "phone", "category": "repair",
                    "description": body if isinstance(body, str) else "楼道灯不亮了"}
        if extra_levels or not isinstance(body, str):
            document["location"] = _nest(body, extra_levels)
        response = api.post("/api/v1/demands", token, data=_raw(document), content_type="application/json")
        assert response.status_code < 500, response.get_data(as_text=True)
        if _reference_depth(document) > 32:
            assert response.status_code == 400
        elif _unstorable(document):
            assert response.status_code == 422 and "json" in response.get_json()["errors"]

    check()
