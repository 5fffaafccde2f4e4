"""Logins, sessions and the access rules every route goes through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from web import models as m
from web.db import request_session

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
ROLES = ("coordinator", "agent", "client")


@dataclass(frozen=True)
class LoginUser:
    """The signed-in user as Flask-Login sees it."""

    id: int
    username: str
    role: str
    display_name: str
    agent_id: int | None
    client_id: int | None
    is_active: bool = True
    is_authenticated: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        """Flask-Login's session key."""
        return str(self.id)

    def home_url(self) -> str:
        """Where this user lands after login."""
        if self.role == "coordinator":
            return url_for("coordinator.roster")
        if self.role == "agent":
            return url_for("agent.my_shifts")
        return url_for("client.my_coverage")


def hash_password(password: str) -> str:
    """A salted hash fit for storage."""
    return generate_password_hash(password)


def authenticate(session: Session, username: str, password: str) -> m.User | None:
    """The active user with these credentials, or None."""
    user = session.exec(select(m.User).where(m.User.username == username)).first()
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def _as_login_user(user: m.User) -> LoginUser:
    """Wrap a user row for Flask-Login."""
    return LoginUser(
        id=user.id,
        username=user.username,
        role=user.role,
        display_name=user.display_name or user.username,
        agent_id=user.agent_id,
        client_id=user.client_id,
        is_active=user.active,
    )


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    """Reload the signed-in user on each request (deactivated users are signed out)."""
    user = request_session().get(m.User, int(user_id))
    return _as_login_user(user) if user is not None and user.active else None


def role_required(*roles: str) -> Callable:
    """Allow a view only to signed-in users with one of `roles`; others get 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


@bp.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    """Sign in with username and password."""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        user = authenticate(request_session(), username, request.form.get("password", ""))
        if user is None:
            flash("Wrong username or password.", "error")
            return render_template("auth/login.html", username=username), 401
        session.clear()  # a fresh session on login: no fixation of a pre-login cookie
        login_user(_as_login_user(user))
        return redirect(_as_login_user(user).home_url())
    return render_template("auth/login.html", username="")


@bp.route("/logout", methods=["POST"])
def logout():  # noqa: ANN201
    """Sign out."""
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
