"""Lists the API answers without a marshmallow dump (``core.schemas.prepared``) answer exactly what their
documented schema dumps from the objects the web pages read: same items, order, values and types."""
import datetime as dt
import json

import pytest
from sqlalchemy import select

from red_property.accounts.services import authenticate
from red_property.communities.api import CommunityPageOut
from red_property.communities.presenters import community_dict
from red_property.communities.services import list_communities
from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.demands import assignees
from red_property.demands.api import DemandPage
from red_property.demands.models import Demand, Source, Status
from red_property.demands.presenters import summary
from red_property.demands.queries import DemandFilter, list_demands
from red_property.demo.city import DEMO_PASSWORD
from red_property.extensions import db
from tests.factories import make_contract

ARGS = [{}, {"per_page": 2}, {"per_page": 2, "page": 2}, {"per_page": 2, "page": 9}, {"q": "小区"},
        {"q": "乙"}, {"district": "nowhere"}]


def _schema_dump(app, tenant_id: int, args: dict) -> dict:
    """What the endpoint answered before: objects from ``list_communities``, dumped by the schema."""
    page, per_page = args.get("page", 1), args.get("per_page", 50)
    filters = {k: v for k, v in args.items() if k not in ("page", "per_page")}
    with app.app_context(), tenant_scope(db.session, tenant_id) as session:
        today = clock.today()
        result = list_communities(session, page=page, per_page=per_page, on=today, **filters)
        raw = {"items": [community_dict(c, result.contracts[c.id], today) for c in result.items],
               "page": page, "per_page": per_page, "total": result.total}
        return json.loads(app.json.dumps(CommunityPageOut().dump(raw)))


@pytest.mark.parametrize("who", ["bureau", "a", "b", "committee"])
def test_the_community_list_answers_what_its_schema_dumps(app, api, world, who):
    with app.app_context(), tenant_scope(db.session, world.bureau) as session:
        # a contract that starts next year: the bureau sees it (not current), company A not yet
        make_contract(session, world.community_none, world.a, clock.today() + dt.timedelta(days=400))
        session.commit()
    tenant_id = {"bureau": world.bureau, "a": world.a, "b": world.b, "committee": world.committee}[who]
    token = api.token(next(iter(world.email[who].values())))
    for args in ARGS + [{"company_id": world.a}, {"company_id": world.b, "per_page": 1}]:
        response = api.get("/api/v1/communities", token, query_string=args)
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == _schema_dump(app, tenant_id, args), args
    assert api.get("/api/v1/communities", token).get_json()["items"], "every kind sees a community here"


def test_the_demand_list_answers_what_its_schema_dumps(demo_app):
    """On the demo city (hotline tickets, overdue, closed and rated demands), with assignees."""
    client = demo_app.test_client()
    response = client.post("/api/v1/auth/token", json={"email": "company1@demo.test", "password": DEMO_PASSWORD})
    token = response.get_json()["token"]
    with demo_app.app_context():
        user = authenticate(db.session, "company1@demo.test", DEMO_PASSWORD)
        with tenant_scope(db.session, user.tenant_id) as session:
            demands = session.scalars(select(Demand).order_by(Demand.received_at.desc()).limit(7)).all()
            for demand in demands[::3]:
                demand.assignee_id = user.id
            session.commit()
            tenant_id = user.tenant_id
    argsets = [{}, {"per_page": 5, "page": 3}, {"status": "open"}, {"overdue": "true"}, {"source": "hotline"},
               {"status": "resolved"}, {"mine": "true"}, {"q": "漏水"}, {"page": 999}]
    seen = set()
    for args in argsets:
        response = client.get("/api/v1/demands", query_string=args, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.get_json()
        answer = response.get_json()
        assert answer == _demands_dump(demo_app, tenant_id, user.id, args), args
        for item in answer["items"]:
            seen |= {key for key, value in item.items() if value not in (None, False, "")}
    assert {"hotline_ticket", "closed_at", "overdue_at", "rating", "assignee", "contact_phone"} <= seen


def _demands_dump(app, tenant_id: int, user_id: int, args: dict) -> dict:
    args = dict(args)
    page, per_page = int(args.pop("page", 1)), int(args.pop("per_page", 50))
    if args.pop("mine", None):
        args["assignee_id"] = user_id
    if "overdue" in args:
        args["overdue"] = args["overdue"] == "true"
    if "source" in args:
        args["source"] = Source(args["source"])
    if args.get("status") not in (None, "open"):
        args["status"] = Status(args["status"])
    with app.app_context(), tenant_scope(db.session, tenant_id) as session:
        result = list_demands(session, DemandFilter(**args), page=page, per_page=per_page)
        names = assignees.names(session, (d.assignee_id for d, _name in result.items))
        raw = {"items": [summary(d, name, names.get(d.assignee_id)) for d, name in result.items], "page": page,
               "per_page": per_page, "total": result.total}
        return json.loads(app.json.dumps(DemandPage().dump(raw)))
