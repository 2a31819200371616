"""Plenary: registration for the webinars and meetings of a dialogue process."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from config import CONFIGS, INSTANCE_DIR, MIN_SECRET_KEY_LENGTH, secret_key_weakness

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides the environment's settings."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
    )
    env = (config or {}).get("PLENARY_ENV") or os.environ.get("PLENARY_ENV", "development")
    app.config.from_object(CONFIGS[env])
    if config:
        app.config.update(config)
    check_config(app, env)
    configure_proxy(app)
    configure_paths(app)
    configure_logger(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_api(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def check_config(app: Flask, env: str) -> None:
    weakness = secret_key_weakness(app.config["SECRET_KEY"])
    if env == "production" and weakness:
        raise RuntimeError(
            f"SECRET_KEY {weakness}. In production it must be a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters, such as the output of: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    check_sender(app.config["MAIL_DEFAULT_SENDER"])


def check_sender(sender) -> None:
    """Every email's From: refused at start-up rather than by each message."""
    from .services.mail.notifications import sender_address

    try:
        sender_address(sender)
    except ValueError as error:
        raise RuntimeError(str(error)) from None


def configure_proxy(app: Flask) -> None:
    """Behind N reverse proxies, take the client's address and scheme from their headers."""
    count = app.config["PROXY_COUNT"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Flask's documented way to wrap its WSGI callable, which mypy reads as a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )


def configure_paths(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'plenary.db'}"
    app.config["MAIL_DIR"] = app.config.get("MAIL_DIR") or str(Path(app.instance_path) / "mail")
    app.config["DOCUMENTS_DIR"] = app.config.get("DOCUMENTS_DIR") or str(
        Path(app.instance_path) / "documents"
    )


def configure_logger(app: Flask) -> None:
    from . import logs

    if not app.testing:  # pytest captures and shows logs its own way
        logs.configure(app)
    logs.register_request_ids(app)


def register_extensions(app: Flask) -> None:
    from . import i18n, rate_limits
    from .auth import configure_login
    from .database import configure_engine
    from .extensions import babel, csrf, db, limiter, mail, migrate
    from .i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    i18n.configure(app)
    rate_limits.configure(app)
    limiter.init_app(app)
    configure_login(app)
    with app.app_context():
        configure_engine(db.engine)

    from .queue import configure_queue

    configure_queue(app)

    from .security import install as install_security_headers

    install_security_headers(app)


def register_blueprints(app: Flask) -> None:
    from .attendance import bp as attendance_bp
    from .auth import bp as auth_bp
    from .console import bp as console_bp
    from .health import bp as health_bp
    from .public import bp as public_bp
    from .registration import bp as registration_bp
    from .reports import bp as reports_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(registration_bp)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register_handlers

    register_handlers(app)


def register_api(app: Flask) -> None:
    """After the error pages: the API answers its own errors as problem details."""
    from . import api

    api.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from . import formatting
    from .services.mail.calendar import add_to_calendar_links
    from .services.registration.given import given_details

    formatting.register(app)
    app.jinja_env.globals["calendar_links"] = add_to_calendar_links
    # The emails are written by the mail domain, below the registration domain: they reach
    # the summary of what a delegate gave through the templates.
    app.jinja_env.globals["given_details"] = given_details


def register_commands(app: Flask) -> None:
    from .cli import commands

    for command in commands:
        app.cli.add_command(command)
