"""Invitations through the API: re-issue or revoke a user's link (admins only)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from red_property.accounts.models import User
from red_property.accounts.permissions import require_admin
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.onboarding.invitations import reissue_invitation, revoke_invitations
from red_property.onboarding.schemas import InvitationOut

blp = Blueprint("Invitations", __name__, url_prefix="/api/v1/users",
                description="Invitation links of the tenant's users (admins only)")


@blp.route("/<int:user_id>/invitation")
class UserInvitation(MethodView):
    decorators = [require_admin, visible_or_404(User, "user_id")]

    @blp.response(201, InvitationOut)
    def post(self, user_id):
        """Issue a new invitation link to a user who has not set a password; earlier links stop working."""
        return reissue_invitation(db.session, user_id)

    @blp.response(204)
    def delete(self, user_id):
        """Revoke the user's open invitation links."""
        revoke_invitations(db.session, user_id)
