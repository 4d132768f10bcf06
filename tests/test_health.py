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
