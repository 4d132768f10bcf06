"""Background jobs of the community register."""
from __future__ import annotations


from red_property.communities.services import current_company, list_communities
from red_property.core import clock
from red_property.core.exports import export_path
from red_property.core.jobs import JobContext, job
from red_property.core.tabular import csv_file

HEADER = ["编号", "小区", "地址", "区", "街道", "社区", "户数", "建筑面积(㎡)", "在管物业企业"]
BATCH = 500


@job("communities.export_register")
def export_register(ctx: JobContext) -> dict:
    """Write the visible community register to CSV (UTF-8 with BOM, opens in Excel)."""
    name = f"community-register-{ctx.job_id}.csv"
    path = export_path(ctx.tenant_id, name)
    today = clock.today()
    first = list_communities(ctx.session, page=1, per_page=BATCH)
    pages = max(1, -(-first.total // BATCH))
    rows = 0
    with csv_file(path) as writer:
        writer.writerow(HEADER)
        for number in range(1, pages + 1):
            page = first if number == 1 else list_communities(ctx.session, page=number, per_page=BATCH)
            for c in page.items:
                company = current_company(page.contracts[c.id], today)
                writer.writerow([c.id, c.name, c.address, c.district, c.street, c.neighbourhood,
                                 c.household_count, c.floor_area, company.name if company else ""])
                rows += 1
            ctx.session.expunge_all()
            ctx.progress(number * 100 // pages, f"{rows}/{first.total}")
    return {"file": name, "rows": rows}
