"""Security headers (Flask-Talisman) and cookie flags.

Content-Security-Policy allows only our own origin: no CDN, no inline script.
HTTPS is forced and HSTS sent when ``FORCE_HTTPS`` is on (production default).
"""
from flask_talisman import Talisman

talisman = Talisman()

CSP = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:"],
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def init_app(app) -> None:
    https = app.config["FORCE_HTTPS"]
    talisman.init_app(
        app,
        force_https=https,
        strict_transport_security=https,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="same-origin",
    )
