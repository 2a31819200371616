"""Every Flask extension is created here, once, and bound in the factory."""

from flask import session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from .database.base import db  # noqa: F401 - every extension is reached from here


class SignInManager(LoginManager):
    """Flask-Login, with a signed-in session bound to the browser that signed in.

    Flask-Login's own "strong" protection only marks a permanent session (ours, for
    the idle limit) as not fresh; here a session seen from another address or browser
    is dropped. A visitor who never signed in is left alone: their session holds no
    more than a form's CSRF token."""

    def _session_protection_failed(self) -> bool:
        if "_user_id" not in session or session.get("_id") == self._session_identifier_generator():
            return False
        session.clear()
        session["_remember"] = "clear"
        return True


class FailOpenLimiter(Limiter):
    """Flask-Limiter, counting in the process while its storage (Redis) fails: see
    app/rate_limits.py. Its mark that the storage failed outlives `init_app`; a new app (the
    tests build many) starts on its own storage, so it starts trusting it."""

    def init_app(self, app) -> None:
        super().init_app(app)
        self._storage_dead = False


migrate = Migrate()
csrf = CSRFProtect()
mail = Mail()
babel = Babel()
login_manager = SignInManager()
# In memory by default (per process); Redis when REDIS_URL is set (see config.py). Without
# Redis it counts in the process and the site keeps serving (app/rate_limits.py).
limiter = FailOpenLimiter(key_func=get_remote_address, in_memory_fallback_enabled=True, swallow_errors=True)
