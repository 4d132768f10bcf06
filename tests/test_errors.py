"""Errors no view caught: a unique constraint that decided a race is a 409, never a 500."""
from sqlalchemy.exc import IntegrityError

from tests.conftest import csrf_token


def _raise_conflict():
    raise IntegrityError("INSERT INTO owner ...", {}, Exception("UNIQUE constraint failed: owner.room"))


def test_a_lost_race_on_a_unique_constraint_is_409_in_json_and_html(app, client, web, api, world):
    app.add_url_rule("/api/v1/_race", "race_api", _raise_conflict)
    app.add_url_rule("/_race", "race_web", _raise_conflict, methods=["GET"])
    token = api.token("a-admin@test.cn")
    response = api.get("/api/v1/_race", token)
    assert response.status_code == 409, response.get_json()
    assert "冲突" in response.get_json()["message"]
    response = client.get("/_race")
    assert response.status_code == 409 and "冲突" in response.get_data(as_text=True)
    assert "UNIQUE" not in response.get_data(as_text=True)  # no SQL in the page
    csrf_token(client.get("/login").get_data(as_text=True))  # the app still serves after the rollback
