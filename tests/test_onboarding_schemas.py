"""The onboarding APIs answer with the shared schemas: a register entry is a community as every API
shows it (without its contracts), and the directory's list is the shared page envelope."""
from red_property.communities.schemas import CommunityEntryOut, CommunityOut
from red_property.onboarding import register_api


def test_a_register_entry_is_the_community_schema_without_contracts(api, world):
    assert issubclass(CommunityOut, CommunityEntryOut)
    assert not any(isinstance(v, type) and v.__module__ == register_api.__name__ and v.__name__.endswith("Out")
                   for v in vars(register_api).values())  # no copy of the community schema of its own
    bureau = api.token("bureau-admin@test.cn")
    made = api.post("/api/v1/register/communities", bureau, json={
        "name": "新登记小区", "address": "锦城市新路 8 号", "district": "锦江区", "street": "春熙路街道",
        "neighbourhood": "春熙东社区", "household_count": 10, "floor_area": "900.50"})
    assert made.status_code == 201
    assert set(made.get_json()) == set(CommunityOut().fields) - {"contracts"}
    read = api.get(f"/api/v1/communities/{made.get_json()['id']}", bureau).get_json()
    assert {k: read[k] for k in made.get_json()} == made.get_json()


def test_the_directory_list_is_the_shared_page_envelope(app, api, world):
    from red_property.core.tenancy import tenant_scope
    from red_property.extensions import db
    from red_property.onboarding.directory import credit_code_check, register_company

    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        for n in range(3):
            code = f"915101000000000{n}{n}"
            register_company(s, {"credit_code": code + credit_code_check(code), "name": f"企业{n}",
                                 "legal_representative": "甲", "contact_name": "乙", "contact_phone": "028-1"})
    bureau = api.token("bureau-admin@test.cn")
    page = api.get("/api/v1/companies?per_page=2&page=2", bureau).get_json()
    assert (page["page"], page["per_page"], page["total"]) == (2, 2, 3)
    assert [c["name"] for c in page["items"]] == ["企业2"]
    from red_property.onboarding import directory_api

    assert directory_api.page_of is not None  # the list goes through core.schemas.page_of, as other APIs do
