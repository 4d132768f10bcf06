"""The platform operator's tenants through the API: list, suspend, reactivate (platform admins only)."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from marshmallow import Schema, fields

from red_property.accounts.permissions import require_admin
from red_property.extensions import db
from red_property.tenants.access import for_kinds
from red_property.tenants.models import Tenant, TenantKind
from red_property.tenants.suspension import list_tenants, reactivate_tenant, suspend_tenant

blp = Blueprint("PlatformTenants", __name__, url_prefix="/api/v1/platform/tenants",
                description="The platform operator's tenants: suspend and reactivate")


class PlatformTenantOut(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    kind = fields.Function(lambda t: t.kind.value)
    suspended_at = fields.DateTime(allow_none=True)


def _exists(target_id: int) -> None:
    if db.session.get(Tenant, target_id) is None:
        abort(404)


@blp.route("")
class PlatformTenants(MethodView):
    decorators = [require_admin, for_kinds(TenantKind.PLATFORM)]

    @blp.response(200, PlatformTenantOut(many=True))
    def get(self):
        """Every tenant with its state."""
        return list_tenants(db.session)


@blp.route("/<int:target_id>/suspend")
class SuspendTenant(MethodView):
    decorators = [require_admin, for_kinds(TenantKind.PLATFORM)]

    @blp.response(200, PlatformTenantOut)
    def post(self, target_id):
        """Suspend a tenant: its users cannot log in, sessions and tokens stop working; its data is kept."""
        _exists(target_id)
        return suspend_tenant(db.session, target_id)


@blp.route("/<int:target_id>/reactivate")
class ReactivateTenant(MethodView):
    decorators = [require_admin, for_kinds(TenantKind.PLATFORM)]

    @blp.response(200, PlatformTenantOut)
    def post(self, target_id):
        """Reactivate a suspended tenant."""
        _exists(target_id)
        return reactivate_tenant(db.session, target_id)
