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


def test_a_value_the_database_refuses_is_422_not_500(app, client, web, api, world):
    from sqlalchemy.exc import DataError

    def too_long():
        raise DataError("INSERT INTO demand ...", {}, Exception("value too long for type character varying(200)"))

    app.add_url_rule("/api/v1/_long", "long_api", too_long)
    app.add_url_rule("/_long", "long_web", too_long)
    response = api.get("/api/v1/_long", api.token("a-admin@test.cn"))
    assert response.status_code == 422 and "_schema" in response.get_json()["errors"]["json"]
    response = client.get("/_long")
    assert response.status_code == 422 and "varying" not in response.get_data(as_text=True)
