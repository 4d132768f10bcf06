from red_property.extensions import db


def test_healthz_reports_database_and_jobs(client, database):
    response = client.get("/healthz")
    assert response.status_code == 200
    state = response.get_json()
    assert state["status"] == "ok"
    assert state["database"] == {**state["database"], "ok": True, "backend": database.backend}
    assert state["jobs"]["mode"] in ("rq", "inline")


def test_healthz_says_when_redis_is_down(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["jobs"]["ok"] is False


def test_healthz_says_how_pdfs_get_their_chinese_glyphs(client, monkeypatch):
    import weasyprint.text.ffi

    state = client.get("/healthz").get_json()
    assert state["pdf"] == {"ok": True, "fonts": "bundled", "subsetter": state["pdf"]["subsetter"]}
    monkeypatch.setattr(weasyprint.text.ffi, "harfbuzz_subset", None)
    assert client.get("/healthz").get_json()["pdf"]["subsetter"] == "fonttools"


def test_doctor_names_the_faster_font_subsetting_package(app, monkeypatch):
    import weasyprint.text.ffi

    monkeypatch.setattr(weasyprint.text.ffi, "harfbuzz_subset", None)
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert "fonts: bundled Noto Sans SC; subsetting: fonttools" in result.output
    assert "apt-get install libharfbuzz-subset0" in result.output
    assert result.exit_code == 0, result.output


OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}
DETAILS = ("database", "jobs", "pdf", "backend", "workers", "subsetter", "ms")


def _body(response) -> str:
    return response.get_data(as_text=True)


def test_healthz_shows_the_world_only_its_status(app, client, web, world):
    outside = client.get("/healthz", environ_base=OUTSIDE)
    assert outside.status_code == 200 and outside.get_json() == {"status": "ok"}
    # A forged X-Forwarded-For naming localhost does not make a visitor local, nor does a
    # proxy in front of an app that was not told about it (PROXY_COUNT=0: the peer is 127.0.0.1).
    forged = client.get("/healthz", environ_base=OUTSIDE, headers={"X-Forwarded-For": "127.0.0.1"})
    proxied = client.get("/healthz", headers={"X-Forwarded-For": "127.0.0.1, 203.0.113.9"})
    for response in (forged, proxied):
        assert response.get_json() == {"status": "ok"}, _body(response)
    # A logged-in user of another kind of tenant is still the world.
    assert web.login("a-admin@test.cn").status_code == 302
    assert client.get("/healthz", environ_base=OUTSIDE).get_json() == {"status": "ok"}


def test_healthz_status_code_still_says_degraded_to_the_world(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = client.get("/healthz", environ_base=OUTSIDE)
    assert response.status_code == 503 and response.get_json() == {"status": "degraded"}


def test_healthz_details_for_this_machine_and_the_platform_operator(app, client, web, world):
    from red_property.accounts.models import Role
    from tests.factories import make_users
    from tests.factories_fees import platform

    local = client.get("/healthz").get_json()                           # the test client is 127.0.0.1
    assert all(key in local for key in ("database", "jobs", "pdf")) and "subsetter" in local["pdf"]
    behind_nginx = client.get("/healthz", headers={"X-Forwarded-For": "127.0.0.1"}).get_json()
    assert "database" in behind_nginx                                   # curl on the host, through nginx
    assert "database" in client.get("/healthz", environ_base={"REMOTE_ADDR": "::1"}).get_json()
    with app.app_context():
        make_users(db.session, platform(db.session), "platform", (Role.STAFF,))
    web.login("platform-staff@test.cn")
    operator = client.get("/healthz", environ_base=OUTSIDE).get_json()
    assert operator["database"]["ok"] is True and "subsetter" in operator["pdf"]
