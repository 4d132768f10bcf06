"""Turn service results into the plain dicts that the API and the exports dump."""
from __future__ import annotations

import datetime as dt

from red_property.communities.services import CommunityDetail


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
