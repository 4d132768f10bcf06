"""The onboarding, tenant-suspension and session pages fit a 390 px wide phone: nothing wider than the
screen, so nothing has to be scrolled sideways."""
import pytest

from red_property.accounts.models import Role
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.onboarding.invitations import invite_user
from red_property.onboarding.models import Company
from red_property.tenants.suspension import suspend_tenant
from tests.factories import make_users
from tests.factories_fees import platform

pytestmark = pytest.mark.browser
WIDTH = 390
# what is wider than the viewport, with its tag and class: named in the failure message
OVERFLOW = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll'))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture
def narrow_world(app, world):
    with app.app_context():
        world.platform = platform(db.session)
        make_users(db.session, world.platform, "platform", (Role.ADMIN,))
        with tenant_scope(db.session, world.bureau) as s:
            company = Company(credit_code="91510100MA6CJ2XY8T", name="甲物业有限公司（一个很长很长的企业名称用来测试换行）",
                              legal_representative="张三", contact_name="李四", contact_phone="028-12345678",
                              contact_email="contact-with-a-very-long-address@example-company.cn",
                              company_tenant_id=world.a)
            s.add(company)
            s.commit()
            world.company_entry = company.id
        with tenant_scope(db.session, world.platform) as s:
            suspend_tenant(s, world.b)
        with tenant_scope(db.session, world.bureau) as s:
            world.invitation_url = invite_user(s, email="new-inspector@jc.gov.cn", name="新来的检查员",
                                               role=Role.STAFF, send=False).url
    return world


def login(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def assert_fits(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    wide = page.evaluate(OVERFLOW)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH and not wide, f"{url}: {width}px wide; {wide}"


def test_bureau_onboarding_pages_fit_390px(live_server, page, narrow_world):
    w = narrow_world
    page.set_viewport_size({"width": WIDTH, "height": 844})
    assert_fits(page, live_server + w.invitation_url[w.invitation_url.index("/invitation/"):])
    login(page, live_server, "bureau-admin@test.cn")
    base = f"{live_server}/bureau"
    for path in ("/companies", f"/companies/{w.company_entry}", "/register/new",
                 f"/register/{w.community_moved}", f"/register/{w.community_x}", "/users", "/account/sessions"):
        assert_fits(page, base + path)


def test_platform_tenant_pages_fit_390px(live_server, page, narrow_world):
    w = narrow_world
    page.set_viewport_size({"width": WIDTH, "height": 844})
    login(page, live_server, "platform-admin@test.cn")
    for path in ("/platform/tenants", f"/platform/tenants/{w.a}/suspend", "/platform/account/sessions"):
        assert_fits(page, live_server + path)
