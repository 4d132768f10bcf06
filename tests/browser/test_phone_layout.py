"""Every main page fits a 390 px phone, its menu opens, and chart labels stay readable.

For each kind of tenant (and for residents on the public pages) the test logs
in on a phone-sized Chromium and collects the pages to check from the page
itself: every link of the top bar (so a page added to the menu is covered
without touching this file), then one page of each URL shape that those pages
link to (the detail pages one click away).  On each it measures the document's
``scrollWidth`` against the viewport, and the size on screen of every chart
label; all offending pages are reported at once, with the elements that stick
out, so one run shows the whole picture.
"""
import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from red_property.demo.city import DEMO_PASSWORD

pytestmark = pytest.mark.browser

WIDTH = 390
MIN_LABEL_PX = 11
ROLES = ["bureau", "company1", "staff1", "committee1", "platform", None]   # None: a resident, not logged in
CASES = [(role, "zh") for role in ROLES] + [("company1", "en"), ("committee1", "en"), (None, "en")]
# GET pages only: no logout, language switch, downloads, files or PDFs.
SKIP = re.compile(r"/lang/|/logout|/download|/export|/files?/|\.(pdf|csv|json|xlsx|svg)$|/pdf$|^/api/|/static/")

MEASURE = """(width) => {
  const doc = document.documentElement;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right <= width + 0.5 || r.width === 0) continue;
    // skip what a scroll box clips (the box itself is measured instead)
    let clipped = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
    }
    if (clipped) continue;
    const kids = [...el.children].some(c => c.getBoundingClientRect().right > width + 0.5);
    if (!kids) wide.push(`${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/).join('.') : ''} (${Math.round(r.right)} px: `
      + `${(el.innerText || el.textContent || '').trim().slice(0, 30)})`);
  }
  const tiny = [];
  for (const t of document.querySelectorAll('svg text')) {
    const ctm = t.getScreenCTM();
    const px = parseFloat(getComputedStyle(t).fontSize) * (ctm ? Math.hypot(ctm.a, ctm.b) : 1);
    if (px < %d - 0.05) tiny.push(`${t.textContent.trim().slice(0, 12)} ${px.toFixed(1)} px`);
  }
  return {scroll: doc.scrollWidth, client: doc.clientWidth, wide: wide.slice(0, 4), tiny: tiny.slice(0, 3),
          links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))};
}""" % MIN_LABEL_PX


def _shape(path: str) -> str:
    return re.sub(r"\d+", "<n>", path)


def _local(base: str, url: str, href: str) -> str | None:
    target = urlsplit(urljoin(url, href))
    if target.netloc != urlsplit(base).netloc or SKIP.search(target.path):
        return None
    return target.path + (f"?{target.query}" if target.query else "")


def _phone(page):
    """A phone-shaped context (touch, overlay scrollbars, the viewport meta honoured) on the same Chromium."""
    context = page.context.browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 844},
                                               device_scale_factor=3, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.set_default_timeout(15000)
    return context, phone


def _login(phone, base: str, role: str) -> None:
    phone.goto(f"{base}/login")
    phone.get_by_label("邮箱").fill(f"{role}@demo.test")
    phone.get_by_label("密码").fill(DEMO_PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(re.compile(r"/(?!login)"))
    assert "/login" not in phone.url, role


def _check(phone, base: str, path: str, problems: dict, widths: dict) -> list[str]:
    response = phone.goto(base + path)
    assert response is not None and response.status < 400, f"{path}: status {response and response.status}"
    found = phone.evaluate(MEASURE, WIDTH)
    widths[path] = found["scroll"]
    issues = []
    if found["scroll"] > min(WIDTH, found["client"]):
        issues.append(f"{found['scroll']} px wide: " + "; ".join(found["wide"]))
    if found["tiny"]:
        issues.append("chart labels below 11 px: " + "; ".join(found["tiny"]))
    if issues:
        problems[path] = issues
    return [link for href in found["links"] if (link := _local(base, phone.url, href))]


@pytest.mark.parametrize("role, lang", CASES, ids=[f"{r or 'resident'}-{lang}" for r, lang in CASES])
def test_every_main_page_fits_a_phone(demo_server, page, role, lang):
    context, phone = _phone(page)
    problems, widths = {}, {}
    try:
        if role:
            _login(phone, demo_server, role)
        else:
            phone.goto(f"{demo_server}/public/")
        if lang == "en":   # English labels are longer than Chinese ones
            context.add_cookies([{"name": "lang", "value": "en", "url": demo_server}])
            phone.reload()
            expect(phone.locator("html")).to_have_attribute("lang", "en")
        start = urlsplit(phone.url).path
        top = phone.locator("header.topbar a[href]").evaluate_all("els => els.map(a => a.getAttribute('href'))")
        main = [start] + [link for href in top if (link := _local(demo_server, phone.url, href))]
        main = list(dict.fromkeys(main))
        seen = set(main)
        shapes = Counter(_shape(urlsplit(p).path) for p in main)
        # the main pages, then one page of each new URL shape they link to; the public site is small and
        # reached by links rather than a menu: every community's page, and one click further
        per_shape = 1 if role else 50
        level, details = main, []
        for _ in range(1 if role else 2):
            found = []
            for path in level:
                for link in _check(phone, demo_server, path, problems, widths):
                    shape = _shape(urlsplit(link).path)
                    if link not in seen and shapes[shape] < per_shape:
                        seen.add(link)
                        shapes[shape] += 1
                        found.append(link)
            details += found
            level = found
        for path in level:
            _check(phone, demo_server, path, problems, widths)
    finally:
        context.close()
    widest = max(widths, key=widths.get)
    print(f"\n{role or 'resident'} ({lang}): {len(main)} main + {len(details)} detail pages; widest {widths[widest]} px ({widest})")
    assert len(main) >= (4 if role else 1) and details, (main, details)
    report = "\n".join(f"  {path}: {' | '.join(issues)}" for path, issues in sorted(problems.items()))
    assert not problems, f"{len(problems)} of {len(widths)} pages do not fit {WIDTH} px:\n{report}"


@pytest.mark.parametrize("role", ["company1", "committee1"])
def test_the_phone_menu_opens_and_logout_is_reachable(demo_server, page, role):
    context, phone = _phone(page)
    try:
        _login(phone, demo_server, role)
        logout = phone.get_by_role("button", name="退出")
        # closed: the top bar is one row, the menu's links hidden
        expect(logout).to_be_hidden()
        bar = phone.locator("header.topbar").bounding_box()
        assert bar["height"] < 80, bar
        phone.get_by_text("菜单", exact=True).click()
        expect(logout).to_be_visible()
        box = logout.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
        assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH
        phone.get_by_role("navigation").get_by_role("link", name="小区", exact=True).click()
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        phone.get_by_text("菜单", exact=True).click()
        logout.click()
        expect(phone.get_by_role("button", name="登录")).to_be_visible()
    finally:
        context.close()


def test_print_hides_the_menu(demo_server, page):
    page.goto(f"{demo_server}/login")
    page.get_by_label("邮箱").fill("company1@demo.test")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    menu = page.get_by_text("菜单", exact=True)
    expect(menu).to_have_count(1)
    expect(menu).to_be_hidden()
