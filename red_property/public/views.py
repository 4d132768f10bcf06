"""Public pages: find a community, read what is published about it, send the
managing company a demand, check a printed statement.  No login."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask import session as browser
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.forms import show_error
from red_property.core.pdf import pdf_bytes_response
from red_property.core.tenancy import fresh_session, public_read, tenant_scope
from red_property.extensions import limiter
from red_property.finance.public import check_fingerprint, statement_fragment, statement_pdf
from red_property.public.services import community_page, managing_company_id, search_communities

bp = Blueprint("public", __name__, url_prefix="/public", template_folder="templates")
PER_PAGE = 30


class DemandForm(FlaskForm):
    category = SelectField(_l("问题类别"))
    description = TextAreaField(_l("具体情况"), validators=[DataRequired(), Length(min=10, max=1000)])
    location = StringField(_l("位置（楼栋、单元等，可不填）"), validators=[Length(max=100)])
    contact_name = StringField(_l("称呼（可不填）"), validators=[Length(max=50)])
    contact_phone = StringField(_l("联系电话"), validators=[DataRequired(), Length(max=30)])


def _demand_form() -> DemandForm:
    from red_property.demands.labels import CATEGORY

    form = DemandForm()
    form.category.choices = [SelectChoice(c.value, label) for c, label in CATEGORY.items()]
    return form


@bp.route("/")
def index():
    """Search the register by community name, street or district."""
    q = (request.args.get("q") or "").strip()[:50] or None
    page = max(1, min(request.args.get("page", 1, type=int), 100_000))
    with public_read() as session:
        items, total = search_communities(session, q, page, PER_PAGE)
        return render_template("public/index.html", items=items, total=total, q=q or "", page=page,
                               pages=max(1, -(-total // PER_PAGE)))


def _community_page(community_id: int, form: DemandForm | None = None, status: int = 200):
    with public_read() as session:
        found = community_page(session, community_id, clock.today())
        if found is None:
            abort(404)
        return render_template("public/community.html", page=found, form=form or _demand_form()), status


@bp.route("/communities/<int:community_id>")
def community(community_id: int):
    """A community's public page."""
    return _community_page(community_id)


@bp.route("/communities/<int:community_id>/demands", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC_DEMAND"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC_DEMAND_COMMUNITY"],
               key_func=lambda: f"community:{request.view_args.get('community_id')}",
               deduct_when=lambda response: response.status_code == 302)  # only accepted demands count
def send_demand(community_id: int):
    """A resident's demand, delivered to the company that manages the community today."""
    form = _demand_form()
    if not form.validate_on_submit():
        return _community_page(community_id, form, 400)
    with public_read() as session:
        company_id = managing_company_id(session, community_id, clock.today())
    if company_id is None:
        abort(404)
    from red_property.demands.intake import submit_public_demand

    try:
        # The one write a visitor makes: into the managing company's own scope, in a session of its own.
        with tenant_scope(fresh_session(), company_id) as session:
            demand = submit_public_demand(session, community_id, category=form.category.data,
                                          description=form.description.data, contact_phone=form.contact_phone.data,
                                          contact_name=form.contact_name.data, location=form.location.data)
            number, due_at = demand.id, demand.due_at
    except InputError as exc:
        show_error(form, exc)
        return _community_page(community_id, form, 422)
    # Post/Redirect/Get: the receipt is a page of its own (a reload asks nothing again); what it
    # shows travels in this browser's signed session cookie, so no URL reveals another's demand.
    browser["public_demand"] = {"community": community_id, "number": number, "due": due_at.isoformat()}
    return redirect(url_for("public.demand_received", community_id=community_id))


@bp.route("/communities/<int:community_id>/demands/received")
def demand_received(community_id: int):
    """The receipt of the demand this browser just sent: its number and what happens next."""
    import datetime as dt

    receipt = browser.get("public_demand")
    if not receipt or receipt.get("community") != community_id:
        return redirect(url_for("public.community", community_id=community_id))
    with public_read() as session:
        found = community_page(session, community_id, clock.today())
        if found is None:
            abort(404)
        return render_template("public/demand_received.html", page=found, number=receipt["number"],
                               due_at=dt.datetime.fromisoformat(receipt["due"]))


class LookupForm(FlaskForm):
    number = IntegerField(_l("诉求编号"), validators=[DataRequired(_l("请填写诉求编号")),
                                                    NumberRange(min=1, max=2**62, message=_l("请填写诉求编号"))])
    last_four = StringField(_l("联系电话后四位"), validators=[
        DataRequired(_l("请填写联系电话后四位")), Regexp(r"^\d{4}$", message=_l("请填写 4 位数字"))])


@bp.route("/communities/<int:community_id>/demands/lookup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC_LOOKUP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC_LOOKUP_NUMBER"], methods=["POST"],
               key_func=lambda: f"lookup:{request.view_args.get('community_id')}:{request.form.get('number', '')[:20]}",
               deduct_when=lambda response: response.status_code == 404)  # guesses at one number, from anywhere
def demand_lookup(community_id: int):
    """A resident checks a demand: its number and the phone's last four digits give its status and
    history.  A wrong number and wrong digits get the same answer."""
    from red_property.demands import labels
    from red_property.demands.lookup import companies_of, look_up

    form = LookupForm(number=request.args.get("number", type=int))   # the receipt's link fills it in
    with public_read() as session:
        found = community_page(session, community_id, clock.today())
        if found is None:
            abort(404)
        companies = companies_of(session, community_id)
        result, status = None, 200
        if form.validate_on_submit():
            result = look_up(companies, community_id, form.number.data, form.last_four.data)
            status = 200 if result else 404
        elif form.is_submitted():
            status = 400
        return render_template("public/demand_lookup.html", page=found, form=form, result=result,
                               not_found=form.is_submitted() and status == 404, categories=labels.CATEGORY,
                               statuses=labels.STATUS, events=labels.EVENT), status


def _committee_of(session, community_id: int) -> int:
    from red_property.communities.models import Community

    community = session.get(Community, community_id)
    if community is None or community.committee_tenant_id is None:
        abort(404)
    return community.committee_tenant_id


@bp.route("/communities/<int:community_id>/statements/<int:statement_id>")
def statement(community_id: int, statement_id: int):
    """A published finance statement of the community's owners' committee."""
    with public_read() as session:
        fragment = statement_fragment(session, statement_id, _committee_of(session, community_id))
        if fragment is None:
            abort(404)
        return render_template("public/statement.html", community_id=community_id, statement_id=statement_id,
                               fragment=fragment)


@bp.route("/communities/<int:community_id>/statements/<int:statement_id>.pdf")
def statement_pdf_file(community_id: int, statement_id: int):
    """The same statement as a PDF, its fingerprint on every page."""
    with public_read() as session:
        data = statement_pdf(session, statement_id, _committee_of(session, community_id))
    if data is None:
        abort(404)
    return pdf_bytes_response(data, f"收支公示-{statement_id}.pdf")


@bp.route("/verify")
def verify():
    """Check a printed statement: its fingerprint names the published version it is (or none)."""
    text = (request.args.get("fingerprint") or "").strip()[:200]
    matches, error = None, None
    if text:
        with public_read() as session:
            try:
                matches = check_fingerprint(session, text)
                communities = _communities_of_committees(session, {m.committee_id for m in matches})
            except InputError as exc:
                error = str(exc)
    return render_template("public/verify.html", text=text, matches=matches, error=error,
                           communities=communities if matches else {}), 422 if error else 200


def _communities_of_committees(session, committee_ids: set[int]) -> dict[int, tuple[int, str]]:
    from sqlalchemy import select

    from red_property.communities.models import Community

    rows = session.execute(select(Community.committee_tenant_id, Community.id, Community.name)
                           .where(Community.committee_tenant_id.in_(committee_ids))).all()
    return {committee: (cid, name) for committee, cid, name in rows}
