"""A live server and headless Chromium (Debian's, driven by Playwright).

Without Chromium these tests skip, unless ``RP_REQUIRE_BROWSER=1`` (CI sets
it), in which case a missing browser is a failure.
"""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _closing(app):
    """The app, closing each response itself.  When the browser hangs up mid-body (a
    navigation away from a download), Werkzeug's server clean-up reads the dead socket
    first, raises, and never calls the response's ``close()``: the file it sent stays
    open and its ResourceWarning fails whichever test the collector runs in.  A
    generator's ``finally`` runs on ``close()`` and, failing that, when it is freed."""
    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()
    return wsgi


def _serve(app):
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def live_server(app):
    yield from _serve(app)


@pytest.fixture
def demo_server(demo_app):
    """The demo city (real amounts of data: long names, many rows) served on a free port."""
    yield from _serve(demo_app)


@pytest.fixture
def page():
    if not CHROMIUM:
        if os.environ.get("RP_REQUIRE_BROWSER"):
            pytest.fail("Chromium not found and RP_REQUIRE_BROWSER is set")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


@pytest.fixture
def worker(app):
    """A real ``red-property worker`` process when jobs go through Redis."""
    import subprocess
    import sys

    if not app.config.get("REDIS_URL"):
        yield None
        return
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": app.config["REDIS_URL"], "RQ_QUEUE": app.config["RQ_QUEUE"],
           "EXPORT_DIR": app.config["EXPORT_DIR"],
           "FILE_DIR": app.config["FILE_DIR"]}
    process = subprocess.Popen([sys.executable, "-m", "red_property.cli", "worker"], env=env)
    yield process
    process.terminate()
    process.wait(timeout=30)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test prints where the browser was and the errors the page shows."""
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed and "page" in item.funcargs:
        pg = item.funcargs["page"]
        print("\nbrowser at", pg.url)
        print(pg.inner_text("body")[:1500])
        print("errors shown:", pg.locator(".field-error, .error, [role=alert]").all_inner_texts())
