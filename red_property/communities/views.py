"""Community register pages."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from red_property.communities.household_upload import upload_households
from red_property.communities.imports import ImportRejected
from red_property.core import clock
from red_property.core.job_links import import_done, links_for
from red_property.core.urls import query_int
from red_property.communities.services import (NotManaged, current_company, get_community, list_communities,
                                               managed_now)
from red_property.core.jobs import JobRecord
from red_property.extensions import db
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("communities", __name__, template_folder="templates")
PER_PAGE = 30


@bp.route("/<slug:tenant_slug>/communities")
@login_required
def index():
    page = query_int("page", 1, maximum=1_000_000)
    q = (request.args.get("q") or "").strip()[:100] or None
    district = (request.args.get("district") or "").strip()[:50] or None
    street = (request.args.get("street") or "").strip()[:50] or None
    company_id = query_int("company")
    today = clock.today()
    result = list_communities(db.session, page=page, per_page=PER_PAGE, q=q, district=district, street=street,
                              company_id=company_id, on=today)
    companies = {c.id: current_company(result.contracts[c.id], today) for c in result.items}
    choices = register_choices(db.session) if require_kind_is(TenantKind.BUREAU) else None
    return render_template("communities/index.html", result=result, companies=companies, q=q or "",
                           district=district or "", street=street or "", company_id=company_id, choices=choices,
                           pages=max(1, -(-result.total // PER_PAGE)))


def require_kind_is(kind: TenantKind) -> bool:
    from red_property.tenants.access import current_kind

    return current_kind() == kind


def register_choices(session) -> dict:
    """The bureau's filter choices: its districts, streets and the company tenants."""
    from sqlalchemy import select

    from red_property.communities.models import Community
    from red_property.tenants.models import Tenant

    return {"districts": list(session.scalars(select(Community.district).distinct().order_by(Community.district))),
            "streets": list(session.scalars(select(Community.street).distinct().order_by(Community.street))),
            "companies": session.execute(select(Tenant.id, Tenant.name).where(Tenant.kind == TenantKind.COMPANY)
                                         .order_by(Tenant.name)).all()}


class HouseholdFileForm(FlaskForm):
    file = FileField(_l("住户名单（CSV 或 XLSX）"), validators=[FileRequired(_l("请选择文件"))])


@bp.route("/<slug:tenant_slug>/communities/<int:community_id>")
@login_required
def show(community_id: int, form: HouseholdFileForm | None = None, errors=None, status: int = 200):
    detail = get_community(db.session, community_id)
    if detail is None:
        abort(404)
    today = clock.today()
    can_import = managed_now(db.session, community_id, today)
    return render_template("communities/show.html", detail=detail, today=today, can_import=can_import,
                           form=form or HouseholdFileForm(), errors=errors or []), status


@bp.route("/<slug:tenant_slug>/communities/<int:community_id>/households/import", methods=["POST"])
@login_required
def import_households(community_id: int):
    """Upload a household list; bad rows are listed and nothing is written."""
    require_kind(TenantKind.COMPANY)  # the managing company's job: other kinds get 404 before the upload is read
    if get_community(db.session, community_id) is None:
        abort(404)
    form = HouseholdFileForm()
    if not form.validate_on_submit():
        return show(community_id, form=form, status=400)
    upload = form.file.data
    try:
        result = upload_households(db.session, community_id, upload.filename or "", upload.read())
    except ImportRejected as exc:
        return show(community_id, form=form, errors=exc.errors, status=422)
    except NotManaged as exc:
        flash(str(exc), "error")
        return redirect(url_for("communities.show", community_id=community_id))
    if isinstance(result, JobRecord):
        return redirect(url_for("core.job_page", job_id=result.id))
    flash(_("导入完成：新增 %(c)s 户，更新 %(u)s 户，未变 %(n)s 户。", c=result["created"], u=result["updated"],
            n=result["unchanged"]), "success")
    return redirect(url_for("communities.show", community_id=community_id))


@links_for("communities.import_households")
def _job_made_households(record) -> list[tuple[str, str]]:
    """A household import links to its community, where the households are listed."""
    community_id = (record.params or {}).get("community_id")
    if not import_done(record) or community_id is None:
        return []
    return [(_("小区住户"), url_for("communities.show", community_id=community_id))]
