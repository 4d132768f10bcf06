"""Demo public cards: most branches and every committee publish how to reach them,
a few branches have not yet (so the public page shows both)."""
from __future__ import annotations

import random

from red_property.core.tenancy import tenant_scope
from red_property.demo import names
from red_property.public.profiles import branch_cards, save_branch_profile, save_committee_profile
from red_property.tenants.models import Tenant, TenantKind

HOURS = ("周二、周四 9:00-11:30", "每周六 9:00-12:00", "工作日 14:30-17:30", "每月 15 日全天（党员接待日）")


def _phone(rng: random.Random) -> str:
    return f"028-8{rng.randrange(1000000, 9999999)}"


def add_demo_records(session, rng: random.Random, tenants: dict[str, Tenant], today) -> None:
    for tenant in sorted(tenants.values(), key=lambda t: t.slug):
        with tenant_scope(session, tenant.id) as s:
            if tenant.kind == TenantKind.COMPANY:
                for card in branch_cards(s):
                    publish = rng.random() < 0.8
                    save_branch_profile(s, card.organisation.id, {
                        "public_name": card.organisation.name, "contact_name": f"书记 {names.person(rng)}",
                        "phone": _phone(rng), "place": f"{rng.randint(1, 12)} 栋架空层党群服务站",
                        "hours": rng.choice(HOURS),
                        "note": "接待居民反映问题，组织党员志愿服务；矛盾纠纷可先到支部调解。"}, publish=publish)
            elif tenant.kind == TenantKind.COMMITTEE:
                members = [f"主任 {names.person(rng)}", f"副主任 {names.person(rng)}"] + [
                    f"委员 {names.person(rng)}" for _ in range(rng.randint(3, 5))]
                save_committee_profile(s, {"members": "\n".join(members), "phone": f"1{rng.randrange(3, 9)}"
                                           f"{rng.randrange(100000000, 999999999)}",
                                           "place": "物业服务中心二楼业委会办公室", "hours": rng.choice(HOURS),
                                           "note": "公共收益收支每季度公示，欢迎业主监督。"}, publish=True)
