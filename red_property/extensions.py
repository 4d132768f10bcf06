"""Flask extensions, created unbound and attached in ``create_app``."""
import logging

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from red_property.core.model import Base
from red_property.core.tenancy import TenantSession
from red_property.core.transactions import end_transaction
from red_property.core import generations  # noqa: F401  (registers its listeners on TenantSession)



class _SQLAlchemy(SQLAlchemy):
    def _teardown_session(self, exc: BaseException | None) -> None:
        """Remove the session after the request, even when the database went away meanwhile.

        Its rollback then raises on a dead connection, after the response was made and outside
        every error handler: the server answered that with its own HTML 500 (issue 12, item 14).
        The connection is discarded either way; the request's answer stands.  A transaction
        that only read commits instead, so its connection keeps its prepared statements
        (``core.transactions``).
        """
        try:
            if exc is None and self.session.registry.has():  # a request that used no session makes none
                end_transaction(self.session())
            self.session.remove()
        except Exception:  # noqa: BLE001
            logging.getLogger(__name__).warning("session cleanup failed (database away?)", exc_info=True)
            try:
                self.session.registry.clear()
            except Exception:  # noqa: BLE001
                pass


# Every session is a TenantSession: the tenant filter cannot be left out, nor can a commit
# that writes a tenant's records fail to move its generation on (core.generations).
db = _SQLAlchemy(model_class=Base, session_options={"class_": TenantSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = Api()
