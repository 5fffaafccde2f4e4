"""Vuoro's web app: coordinators plan, agents see their shifts, clients watch their coverage."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, redirect, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from web import (
    agent,
    api,
    api_tokens,
    auth,
    calculator,
    client,
    contracts,
    coordinator,
    dashboard,
    forecasting,
    people,
    queues,
    requirements,
    revisions,
)
from web.clock import helsinki
from web.db import MAX_ID, close_request_session, create_schema, make_engine

csrf = CSRFProtect()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, database engine, login, CSRF and one blueprint per role."""
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"))
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("DATABASE_URL"),
        REDIS_URL=os.environ.get("REDIS_URL"),  # set: planning jobs go to RQ workers
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,  # VUORO_SESSION_COOKIE_SECURE=true behind HTTPS
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=12 * 3600,  # a page left open over a shift can still be submitted
    )
    app.config.from_prefixed_env("VUORO")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))

    engine = make_engine(app.config["DATABASE_URL"])
    create_schema(engine)
    app.extensions["vuoro_engine"] = engine

    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(coordinator.bp)
    app.register_blueprint(forecasting.bp)
    app.register_blueprint(revisions.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(contracts.bp)
    app.register_blueprint(queues.bp)
    app.register_blueprint(agent.bp)
    app.register_blueprint(client.bp)
    app.register_blueprint(requirements.bp)
    app.register_blueprint(calculator.bp)
    app.register_blueprint(api_tokens.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # bearer tokens only, no cookies: nothing to forge
    app.teardown_appcontext(close_request_session)
    app.add_url_rule("/", "index", _index)
    app.after_request(_security_headers)
    app.add_template_filter(helsinki)
    return app


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: ids past a 32-bit integer column cannot exist, so 404."""

    def __init__(self, url_map, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _security_headers(response: Response) -> Response:
    """No framing (clickjacking), no inline or foreign scripts, no MIME sniffing."""
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"
    )
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _index():  # noqa: ANN202
    """Send each user to their role's home page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(current_user.home_url())


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, made on first start."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()
