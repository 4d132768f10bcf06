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
