"""API schemas of onboarding."""
from marshmallow import Schema, fields


class InvitationOut(Schema):
    """An invitation as its issuer sees it, once: the link is not stored and cannot be read again."""

    url = fields.String(required=True, metadata={"description": "the one-time link (shown once)"})
    expires_at = fields.DateTime(required=True)
    emailed = fields.Boolean(allow_none=True, metadata={"description": "null when mail is not configured"})
    mail_error = fields.String(allow_none=True)
