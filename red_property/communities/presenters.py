"""Turn service results into the plain dicts that the API and the exports dump."""
from __future__ import annotations

import datetime as dt

from red_property.communities.models import contract_is_current
from red_property.communities.services import LISTED, CommunityDetail, RegisterRows
from red_property.core.schemas import json_date, json_decimal


def contract_dicts(contracts, today: dt.date) -> list[dict]:
    return [
        {"contract_no": c.known_contract_no, "starts_on": c.starts_on, "ends_on": c.ends_on,
         "company": {"id": company.id, "name": company.name}, "current": c.is_current(today)}
        for c, company in contracts
    ]


def community_dict(community, contracts, today: dt.date) -> dict:
    return {
        "id": community.id, "name": community.name, "address": community.address,
        "district": community.district, "street": community.street,
        "neighbourhood": community.neighbourhood, "household_count": community.household_count,
        "floor_area": community.floor_area, "year_built": community.year_built, "retired_on": community.retired_on,
        "contracts": contract_dicts(contracts, today),
    }


def detail_dict(detail: CommunityDetail, today: dt.date) -> dict:
    out = community_dict(detail.community, detail.contracts, today)
    out["buildings"] = [
        {"id": b.id, "name": b.name, "kind": b.kind, "floors": b.floors, "households": n, "floor_area": area}
        for b, n, area in detail.buildings
    ]
    return out


def register_json(page: RegisterRows, today: dt.date) -> list[dict]:
    """The API list's items, JSON-ready, straight from ``register_rows``: what ``CommunityOut``
    dumps from ``community_dict`` (tests/test_api_list_json.py holds the two equal), without
    building an object and dumping it field by field for every row."""
    items: list[dict] = []
    last = None
    width = len(LISTED)
    for row in page.rows:
        if row[0] != last:
            last = row[0]
            (community_id, name, address, district, street, neighbourhood, households, area, year_built,
             retired_on) = row[:width]
            contracts: list[dict] = []
            items.append({
                "id": community_id, "name": name, "address": address, "district": district, "street": street,
                "neighbourhood": neighbourhood, "household_count": households, "floor_area": json_decimal(area),
                "year_built": year_built, "retired_on": json_date(retired_on), "contracts": contracts,
            })
        contract_no, starts_on, ends_on, company_id, company_name = row[width + 1:]
        if starts_on is not None:
            contracts.append({
                "contract_no": contract_no, "starts_on": starts_on.isoformat(), "ends_on": json_date(ends_on),
                "company": {"id": company_id, "name": company_name},
                "current": contract_is_current(starts_on, ends_on, today),
            })
    return items
