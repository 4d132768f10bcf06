"""Every demo role walks what its navigation links to, in Chinese and in English.

Starting from each role's home page (``/public/`` for residents), the walk
follows same-origin links two clicks deep (GET only; logout, language switch,
downloads and files are left out, and at most two pages of each URL shape such
as ``/company-1/meetings/<n>`` are read).  Every page must answer below 400,
show no template or Python error, and show no raw code where a label belongs:
a job's status or name, a rating run's status, an audit-log action, or the
bureau model's event kinds (``model_site_city``); in English, no computed
label (the rank band 前 10%) left in Chinese.
"""
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from red_property.demo.city import DEMO_PASSWORD
from tests.conftest import csrf_token

MODEL = tomllib.loads((Path(__file__).resolve().parent.parent / "tenants" / "city-bureau" / "rating-model.toml")
                      .read_text(encoding="utf-8"))
EVENT_KINDS = {i["kind"] for section in ("bonus", "deductions") for i in MODEL[section]["items"]}
# Shown alone in a cell or badge, these are codes, not words (in either language).
RAW_LABELS = ({"queued", "running", "done", "failed", "ready", "published"} | EVENT_KINDS
              | {"create", "update", "delete", "login", "publish", "import", "issue"})   # audit-log actions
RAW_PATTERN = re.compile(r"\b(communities|fees|rating|demands)\.[a-z_]+\b")   # job names
# Labels the code computes (not data): in English they must not stay Chinese.
UNTRANSLATED = {"前 10%", "前 25%", "前 50%", "后 50%"}
ERRORS = re.compile(r"Traceback \(most recent call last\)|jinja2\.exceptions|UndefinedError|"
                    r"Internal Server Error|\{\{|\{%")
SKIP = re.compile(r"/lang/|/logout|/download|/export|/files/|\.(pdf|csv|json)$|/invoices?/.*pdf")
DEPTH, PER_SHAPE = 2, 2
ROLES = ["bureau", "company1", "staff1", "viewer1", "committee1", "platform", None]  # None: a resident


class _Page(HTMLParser):
    """Visible text nodes (not code, source or option lists) and the links of a page."""

    HIDDEN = {"script", "style", "textarea", "pre", "code", "option", "title"}

    def __init__(self):
        super().__init__()
        self.texts, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def _shape(path: str) -> str:
    return re.sub(r"\d+", "<n>", path)


def links_to_follow(url: str, page: _Page, seen: set, shapes: dict) -> list[str]:
    """The links on ``page`` worth a visit: local, not a download, not seen, at most ``PER_SHAPE``
    URLs of one shape (``/demands/1`` and ``/demands/2`` are one shape); ``shapes`` remembers them."""
    follow = []
    for href in page.links:
        target = urlsplit(urljoin(url, href))
        if target.netloc or not target.path.startswith("/") or SKIP.search(target.path):
            continue
        link = target.path + (f"?{target.query}" if target.query else "")
        same_shape = shapes.setdefault(_shape(target.path), set())
        if link in seen or (link not in same_shape and len(same_shape) >= PER_SHAPE):
            continue
        same_shape.add(link)
        follow.append(link)
    return follow


def _walk(client, start: str, lang: str) -> dict[str, list[str]]:
    """GET ``start`` and what it links to, ``DEPTH`` deep; the problems found, by URL."""
    problems, seen, shapes = {}, set(), {}
    queue = [(start, 0)]
    while queue:
        url, depth = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        found = []
        if response.status_code >= 400:
            found.append(f"status {response.status_code}")
        if response.status_code in (301, 302, 303):
            queue.append((urlsplit(response.headers["Location"]).path, depth))
        if not response.mimetype == "text/html" or response.status_code >= 300:
            problems.update({url: found} if found else {})
            continue
        html = response.get_data(as_text=True)
        page = _Page()
        page.feed(html)
        found += [f"error text {m.group(0)!r}" for m in ERRORS.finditer(" ".join(page.texts))]
        found += [f"raw value {t!r}" for t in page.texts if t in RAW_LABELS or RAW_PATTERN.search(t)
                  or (lang == "zh" and t == "None")]   # a Python None; in English "None" is the word for 无
        if lang == "en":
            found += [f"untranslated {t!r}" for t in page.texts if t in UNTRANSLATED]
        if found:
            problems[url] = found
        if depth >= DEPTH:
            continue
        queue += [(link, depth + 1) for link in links_to_follow(url, page, seen, shapes)]
    assert len(seen) > 3, f"the walk from {start} found almost nothing: {sorted(seen)}"
    return problems


def _login(client, role: str) -> str:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": f"{role}@demo.test", "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, role
    return urlsplit(response.headers["Location"]).path


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", ROLES, ids=[r or "resident" for r in ROLES])
def test_every_page_a_demo_role_can_reach_renders_with_labels(demo_app, role, lang):
    client = demo_app.test_client()
    if lang == "en":
        client.set_cookie("lang", "en")
    if role is None:
        start = "/public/"
    else:
        start = _login(client, role)
        if role == "company1":   # a finished job on the home page: its status and name must read as words
            token = csrf_token(client.get(start).get_data(as_text=True))
            client.post(f"{start}jobs/export-register", data={"csrf_token": token})
    home = client.get(start).get_data(as_text=True)
    assert f'<html lang="{"en" if lang == "en" else "zh-CN"}">' in home
    assert _walk(client, start, lang) == {}
