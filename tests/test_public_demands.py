"""Issue 13: a resident's demand from the public page is received once, its receipt stays in view,
and the resident can look it up by number and the phone's last four digits."""
import re

from sqlalchemy import select

from red_property.core.tenancy import tenant_scope
from red_property.demands.models import Demand
from red_property.demands.services import route_demand
from red_property.extensions import db
from tests.conftest import csrf_token

SENT = {"category": "repair", "description": "3 栋 2 单元楼道灯坏了一周了", "contact_phone": "139 1234 5678"}


def _send(client, community_id, **change):
    token = csrf_token(client.get(f"/public/communities/{community_id}").get_data(as_text=True))
    return client.post(f"/public/communities/{community_id}/demands", data={"csrf_token": token, **SENT, **change})


def _demands(app, company):
    with app.app_context(), tenant_scope(db.session, company) as s:
        return s.scalars(select(Demand).order_by(Demand.id)).all()


def _ticket(client, response) -> int:
    assert response.status_code == 302
    receipt = client.get(response.headers["Location"])
    html = receipt.get_data(as_text=True)
    assert receipt.status_code == 200 and "已受理" in html and "接下来" in html
    return int(re.search(r'data-testid="ticket">(\d+)<', html).group(1))


def test_the_receipt_is_a_page_of_its_own_and_a_repeat_gets_the_same_number(app, client, world):
    first = _ticket(client, _send(client, world.community_x))
    again = _ticket(client, _send(client, world.community_x, description="  3 栋 2 单元楼道灯坏了一周了 "))
    other_phone = _ticket(client, _send(client, world.community_x, contact_phone="13800001111"))
    other_text = _ticket(client, _send(client, world.community_x, description="5 栋电梯停在 3 楼不动了"))
    assert again == first and len({first, other_phone, other_text}) == 3
    assert [d.id for d in _demands(app, world.b)] == [first, other_phone, other_text]
    # the receipt belongs to the browser that sent it: another visitor is sent to the community page
    stranger = app.test_client().get(f"/public/communities/{world.community_x}/demands/received")
    assert stranger.status_code == 302 and stranger.headers["Location"].endswith(f"/communities/{world.community_x}")


def test_a_repeat_after_the_window_is_a_new_demand(app, world):
    import datetime as dt

    from red_property.demands.intake import REPEAT_WINDOW, submit_public_demand

    now = dt.datetime(2026, 10, 20, 1, 0, tzinfo=dt.timezone.utc)
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        args = dict(category="repair", description="3 栋 2 单元楼道灯坏了一周了", contact_phone="13912345678")
        first = submit_public_demand(s, world.community_x, **args, now=now).id
        assert submit_public_demand(s, world.community_x, **args, now=now + REPEAT_WINDOW).id == first
        later = submit_public_demand(s, world.community_x, **args, now=now + REPEAT_WINDOW + dt.timedelta(seconds=1))
        assert later.id != first


def _look_up(client, community_id, number, digits):
    page = client.get(f"/public/communities/{community_id}/demands/lookup").get_data(as_text=True)
    return client.post(f"/public/communities/{community_id}/demands/lookup",
                       data={"csrf_token": csrf_token(page), "number": str(number), "last_four": digits})


def _answer(response) -> str:
    """The page less the form (which shows back what was typed)."""
    html = response.get_data(as_text=True)
    return re.sub(r"<form.*?</form>", "", html, flags=re.S)


def test_a_resident_looks_up_status_and_history_and_nothing_else(app, client, world):
    number = _ticket(client, _send(client, world.community_x, contact_name="张女士", location="3 栋 2 单元"))
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        route_demand(s, s.get(Demand, number), route="service", handler="维修班王师傅")
    found = _look_up(app.test_client(), world.community_x, number, "5678")
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and "办理中" in html and "分流派单" in html and "受理" in html
    for private in ("楼道灯", "张女士", "3 栋 2 单元", "王师傅", "5678", "139"):
        assert private not in html.split('id="lookup-result"')[1], private

    wrong_digits = _look_up(app.test_client(), world.community_x, number, "1234")
    wrong_number = _look_up(app.test_client(), world.community_x, number + 1000, "5678")
    other_community = _look_up(app.test_client(), world.community_b, number, "5678")
    assert wrong_digits.status_code == wrong_number.status_code == other_community.status_code == 404
    assert _answer(wrong_digits) == _answer(wrong_number)
    assert "编号或电话后四位不符" in _answer(wrong_digits)
    bad = _look_up(app.test_client(), world.community_x, number, "56a8")
    assert bad.status_code == 400 and 'data-field="last_four"' in bad.get_data(as_text=True)


def test_lookups_are_rate_limited_per_visitor_and_per_number(app, client, world):
    number = _ticket(client, _send(client, world.community_x))
    app.config["RATELIMIT_PUBLIC_LOOKUP_NUMBER"] = "3 per day"
    codes = [_look_up(app.test_client(), world.community_x, number, f"{n:04d}").status_code for n in range(4)]
    assert codes == [404, 404, 404, 429]
    app.config["RATELIMIT_PUBLIC_LOOKUP"] = "2 per minute"
    visitor = app.test_client()
    codes = [_look_up(visitor, world.community_x, number + n, "5678").status_code for n in range(1, 4)]
    assert codes == [404, 404, 429]


def test_search_finds_a_road_in_the_address(app, client, world):
    from red_property.communities.models import Community

    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        s.add(Community(name="望江家园", address="锦城市武侯区玉林北路220号", district="武侯区", street="玉林街道",
                        neighbourhood="玉林北社区"))
        s.add(Community(name="银杏城", address="锦城市锦江区玉林北路229号", district="锦江区", street="书院街街道",
                        neighbourhood="书院东社区"))
        s.commit()
    html = client.get("/public/", query_string={"q": "玉林北路"}).get_data(as_text=True)
    assert "望江家园" in html and "银杏城" in html and "甲一小区" not in html
    narrowed = client.get("/public/", query_string={"q": "锦江区 玉林北路"}).get_data(as_text=True)
    assert "银杏城" in narrowed and "望江家园" not in narrowed


def test_two_copies_sent_at_once_make_one_demand(app, world):
    """A double click: both requests arrive together; the lock in intake makes the second see the first."""
    import threading

    clients = [app.test_client(), app.test_client()]
    tokens = [csrf_token(c.get(f"/public/communities/{world.community_x}").get_data(as_text=True)) for c in clients]
    barrier, codes = threading.Barrier(2), []

    def send(client, token):
        barrier.wait()
        codes.append(client.post(f"/public/communities/{world.community_x}/demands",
                                 data={"csrf_token": token, **SENT}).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [302, 302] and len(_demands(app, world.b)) == 1
