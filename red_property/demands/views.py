"""Demand pages: the filtered list and its export, intake, one demand with its
history and the forms that move it on."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from red_property.accounts.models import User
from red_property.communities.models import Building, Community, ManagementContract
from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.tabular import csv_response, xlsx_response
from red_property.core.tenancy import current_tenant_id
from red_property.demands import assignees, labels, services
from red_property.demands.bulk import BulkRejected, assign_demands, close_demands
from red_property.demands.forms import (BulkForm, CloseForm, FilterForm, InformForm, IntakeForm, MediationForm, ProgressForm,
                                        RatingForm, RouteForm)
from red_property.core.fields import mask_phone
from red_property.demands.intake import create_demand
from red_property.demands.limits import effective_limits
from red_property.demands.models import DEFAULTS, Category, Demand, Route, Source, Status
from red_property.demands.presenters import export_table
from red_property.demands.queries import (OPEN_FILTER, DemandFilter, count_demands, demand_detail, export_rows,
                                          list_demands)
from red_property.extensions import db
from red_property.tenants.access import require_kind
from red_property.tenants.models import TenantKind

bp = Blueprint("demands", __name__, template_folder="templates")
PER_PAGE = 30
EXPORT_LIMIT = 20_000


@bp.before_request
def _companies_only():
    require_kind(TenantKind.COMPANY)


bp.add_app_template_global(labels, "demand_labels")


@bp.app_template_filter("masked")
def _masked(phone):
    return mask_phone(phone)


def _communities() -> list[tuple[int, str]]:
    """The communities the company manages or managed (one query)."""
    return list(db.session.execute(select(Community.id, Community.name).order_by(Community.name)).tuples())


def _user_id(value):
    """A user id from a form's select ("" is none); anything else goes to the service as it is, to be refused."""
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) <= 18 else value


def _assignee_choices(colleagues: list[tuple[int, str]], none_label: str) -> list[SelectChoice]:
    return [SelectChoice("", none_label)] + [SelectChoice(str(i), name) for i, name in colleagues]


def _filters(colleagues: list[tuple[int, str]] | None = None) -> tuple[FilterForm, DemandFilter | None]:
    """The list's filters from the query string; None when one is not a valid choice."""
    form = FilterForm(request.args)
    form.community_id.choices = [SelectChoice("", _("全部"))] + [SelectChoice(str(i), name) for i, name in _communities()]
    me = current_user.id
    others = [c for c in (assignees.colleagues(db.session) if colleagues is None else colleagues) if c[0] != me]
    form.assignee_id.choices = [SelectChoice("", _("全部")), SelectChoice(str(me), _("我的"))] + [
        SelectChoice(str(i), name) for i, name in others]
    if not form.validate():
        return form, None
    data = form.data
    return form, DemandFilter(
        community_id=int(data["community_id"]) if data["community_id"] else None,
        status=None if not data["status"] else OPEN_FILTER if data["status"] == OPEN_FILTER else Status(data["status"]),
        category=Category(data["category"]) if data["category"] else None,
        route=Route(data["route"]) if data["route"] else None,
        overdue=data["overdue"] == "1" if data["overdue"] else None,
        source=Source(data["source"]) if data["source"] else None,
        assignee_id=int(data["assignee_id"]) if data["assignee_id"] else None,
        q=(data["q"] or "").strip() or None)


def attach(form, exc: InputError) -> None:
    """Show a service's message beside its field (or above the form when it has none)."""
    field = form._fields.get(exc.field)
    (field.errors if field is not None else form.form_errors).append(str(exc))


def _staff_names() -> list[str]:
    """Suggestions for the handler: the company's staff and earlier handlers (two queries)."""
    staff = db.session.scalars(select(User.name).where(User.active).order_by(User.name).limit(200)).all()
    handlers = db.session.scalars(select(Demand.handler).where(Demand.handler.is_not(None)).distinct()
                                  .order_by(Demand.handler).limit(200)).all()
    return list(dict.fromkeys([*staff, *handlers]))


def _index(form, flt, colleagues, *, bulk=None, selected=(), problems=(), status: int = 200):
    if flt is None:
        return render_template("demands/index.html", form=form, result=None, args={}, bulk=None), 400
    page = max(1, min(request.args.get("page", 1, type=int), 1_000_000))
    result = list_demands(db.session, flt, page=page, per_page=PER_PAGE)
    bulk = bulk or BulkForm()
    bulk.assignee_id.choices = _assignee_choices(colleagues, _("（不指派）"))
    return render_template("demands/index.html", form=form, result=result, args=flt.args(),
                           bulk=bulk, selected=set(selected), problems=problems, staff=_staff_names(),
                           assignees=assignees.names(db.session, (d.assignee_id for d, _c in result.items))), status


@bp.route("/<slug:tenant_slug>/demands")
@login_required
def index():
    """Demands, filtered (and searched) and paged, newest first; "我的": those assigned to the viewer."""
    colleagues = assignees.colleagues(db.session)
    form, flt = _filters(colleagues)
    return _index(form, flt, colleagues)


@bp.route("/<slug:tenant_slug>/demands/bulk", methods=["POST"])
@login_required
def bulk():
    """Assign or close the selected demands, all or none; the list comes back as it was filtered."""
    colleagues = assignees.colleagues(db.session)
    form, flt = _filters(colleagues)
    bulk_form = BulkForm()
    raw = request.form.getlist("demand_ids")
    ids = [int(v) for v in raw if v.isdigit() and len(v) <= 18]
    if not bulk_form.validate_on_submit() or len(ids) != len(raw):
        return _index(form, flt, colleagues, bulk=bulk_form, selected=ids, status=400)
    try:
        if bulk_form.operation.data == "assign":
            done = assign_demands(db.session, ids, handler=bulk_form.handler.data,
                                  assignee_id=_user_id(bulk_form.assignee_id.data))
        else:
            done = close_demands(db.session, ids, resolved=bulk_form.outcome.data == "resolved",
                                 resolution=bulk_form.resolution.data)
    except BulkRejected as exc:
        return _index(form, flt, colleagues, bulk=bulk_form, selected=ids, problems=exc.problems, status=422)
    except InputError as exc:
        db.session.rollback()
        attach(bulk_form, exc)
        return _index(form, flt, colleagues, bulk=bulk_form, selected=ids, status=422)
    flash(_("已派单 %(n)s 条诉求。", n=len(done)) if bulk_form.operation.data == "assign"
          else _("已办结 %(n)s 条诉求。", n=len(done)), "success")
    return redirect(url_for("demands.index", **(flt.args() if flt else {})))


@bp.route("/<slug:tenant_slug>/demands/export")
@login_required
def export():
    """The filtered list as CSV (default) or XLSX (``?format=xlsx``); phones masked."""
    _form, flt = _filters()
    fmt = request.args.get("format", "csv")
    if flt is None or fmt not in ("csv", "xlsx"):
        abort(400)
    if count_demands(db.session, flt) > EXPORT_LIMIT:
        flash(_("符合条件的诉求超过 %(n)s 条，请缩小筛选范围后再导出。", n=EXPORT_LIMIT), "error")
        return redirect(url_for("demands.index", **flt.args()))
    rows = export_rows(db.session, flt, EXPORT_LIMIT)
    header, rows = export_table(rows, assignees.names(db.session, (d.assignee_id for d, _c in rows)))
    name = f"demands-{clock.today():%Y%m%d}.{fmt}"
    return csv_response(name, header, rows) if fmt == "csv" else xlsx_response(name, header, rows, _("居民诉求"))


def _intake_choices(form: IntakeForm) -> None:
    """Communities the company manages now, and their buildings (two queries)."""
    today = clock.today()
    managed = select(ManagementContract.community_id).where(
        ManagementContract.company_tenant_id == current_tenant_id(db.session), ManagementContract.starts_on <= today,
        (ManagementContract.ends_on.is_(None)) | (ManagementContract.ends_on >= today))
    communities = db.session.execute(select(Community.id, Community.name).where(Community.id.in_(managed))
                                     .order_by(Community.name)).tuples().all()
    form.community_id.choices = [SelectChoice(i, name) for i, name in communities]
    names = dict(communities)
    buildings = db.session.execute(select(Building.id, Building.community_id, Building.name)
                                   .where(Building.community_id.in_(list(names)))
                                   .order_by(Building.community_id, Building.id)).all()
    form.building_id.choices = [SelectChoice("", _("（不指定）"))] + [
        SelectChoice(str(i), name, optgroup=names[community_id]) for i, community_id, name in buildings]


@bp.route("/<slug:tenant_slug>/demands/new", methods=["GET", "POST"])
@login_required
def new():
    """Receive a demand from a resident, the hotline or a visit."""
    form = IntakeForm()
    _intake_choices(form)
    status = 200
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        data["building_id"] = int(data["building_id"]) if data["building_id"] else None
        try:
            demand = create_demand(db.session, **data)
            flash(_("已受理，诉求编号 #%(id)s。", id=demand.id), "success")
            return redirect(url_for("demands.show", demand_id=demand.id))
        except InputError as exc:
            attach(form, exc)
            status = 422
    elif form.is_submitted():
        status = 400
    return render_template("demands/new.html", form=form, defaults=DEFAULTS,
                           limits=effective_limits(db.session)), status


def _forms(demand: Demand, assignee: str | None, **given) -> dict:
    forms = {name: given.get(name) or step[0](prefix=name) for name, step in STEPS.items()}
    forms["route"].assignee_id.choices = _assignee_choices(assignees.colleagues(db.session), _("（不指派）"))
    if "route" not in given:
        forms["route"].route.data = demand.route.value
        forms["route"].category.data = demand.category.value
        forms["route"].assignee_id.data = str(demand.assignee_id or "")
        # the handler the service filled in with the assignee's name is not a team to keep
        forms["route"].handler.data = demand.handler if demand.handler != assignee else None
    return forms


@bp.route("/<slug:tenant_slug>/demands/<int:demand_id>")
@login_required
def show(demand_id: int, status: int = 200, **given):
    """One demand: its details, history timeline and the next steps."""
    detail = demand_detail(db.session, demand_id)
    if detail is None:
        abort(404)
    handlers = db.session.scalars(select(Demand.handler).where(Demand.handler.is_not(None)).distinct()
                                  .order_by(Demand.handler).limit(200)).all()
    return render_template("demands/show.html", detail=detail, d=detail.demand,
                           forms=_forms(detail.demand, detail.assignee, **given),
                           handlers=handlers, defaults=DEFAULTS), status


def _act(demand_id: int, name: str) -> object:
    """Validate the named form, apply it through a service, redirect; or show the form's errors."""
    demand = db.get_or_404(Demand, demand_id)
    form_class, _path, apply = STEPS[name]
    form = form_class(prefix=name)
    if not form.validate_on_submit():
        return show(demand_id, status=400, **{name: form})
    try:
        apply(demand, form)
    except InputError as exc:
        attach(form, exc)
        return show(demand_id, status=422, **{name: form})
    flash(_("已保存。"), "success")
    return redirect(url_for("demands.show", demand_id=demand_id))


# The detail page's forms: name -> (form, URL path, how a service applies the validated form)
STEPS = {
    "route": (RouteForm, "route", lambda d, f: services.route_demand(
        db.session, d, route=f.route.data, handler=f.handler.data, reason=f.reason.data, category=f.category.data,
        assignee_id=_user_id(f.assignee_id.data))),
    "progress": (ProgressForm, "progress", lambda d, f: services.add_progress(db.session, d, f.note.data)),
    "mediation": (MediationForm, "mediations", lambda d, f: services.record_mediation(
        db.session, d, held_on=f.held_on.data, mediator=f.mediator.data, parties=f.parties.data,
        agreed=f.agreed.data, summary=f.summary.data)),
    "close": (CloseForm, "close", lambda d, f: services.close_demand(
        db.session, d, resolved=f.outcome.data == "resolved", resolution=f.resolution.data)),
    "inform": (InformForm, "inform", lambda d, f: services.inform_resident(db.session, d, f.informed_at.data)),
    "rating": (RatingForm, "rating", lambda d, f: services.rate_demand(
        db.session, d, f.rating.data, f.comment.data)),
}


def _step_view(name: str):
    def view(demand_id: int):
        return _act(demand_id, name)

    view.__name__, view.__doc__ = name, f"POST the detail page's {name} form."
    return login_required(view)


for _name, (_form, _path, _apply) in STEPS.items():
    bp.add_url_rule(f"/<slug:tenant_slug>/demands/<int:demand_id>/{_path}", endpoint=_name,
                    view_func=_step_view(_name), methods=["POST"])
