"""Rating inputs for the two-company world."""
import datetime as dt
from decimal import Decimal
from pathlib import Path

from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.rating.models import BranchOpinion, Inspection, RatingEvent
from red_property.rating.versions import save_version

SHIPPED = Path(__file__).resolve().parent.parent / "tenants" / "city-bureau" / "rating-model.toml"
AS_OF = dt.date(2026, 10, 31)


def bureau_admin(world) -> int:
    return next(iter(world.users["bureau"].values()))


def rating_inputs(world) -> None:
    """A model, inspections and opinions for both companies, an award for A, a penalty for B."""
    with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        save_version(s, SHIPPED.read_text("utf-8"))
        for company, community, score in ((world.a, world.community_a, "92"), (world.a, world.community_a2, "80"),
                                          (world.b, world.community_b, "70"), (world.b, world.community_x, "60")):
            s.add(Inspection(company_tenant_id=company, community_id=community, inspected_on=dt.date(2026, 6, 1),
                             score=Decimal(score)))
            s.add(BranchOpinion(company_tenant_id=company, community_id=community, year=2026, score=Decimal(score)))
        s.add(RatingEvent(company_tenant_id=world.a, kind="model_site_city", occurred_on=dt.date(2026, 3, 1),
                          reference="锦建〔2026〕12号"))
        s.add(RatingEvent(company_tenant_id=world.b, kind="penalty", occurred_on=dt.date(2025, 1, 1),
                          reference="锦建罚〔2025〕3号"))
        s.commit()
