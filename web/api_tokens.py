"""Bearer tokens for the JSON API: shown to their user once, stored only as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlmodel import Session, col, select

from web import models as m
from web.db import request_session

bp = Blueprint("api_tokens", __name__)
TOKEN_PREFIX = "vuoro_"
MAX_NAME_LENGTH = 100


def token_digest(token: str) -> str:
    """The SHA-256 hex digest a token is stored and looked up by."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(session: Session, *, user_id: int, name: str) -> tuple[m.ApiToken, str]:
    """A new token for a user: the row (the caller commits) and the secret, shown only now."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = m.ApiToken(
        user_id=user_id,
        name=name.strip()[:MAX_NAME_LENGTH],
        token_sha256=token_digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
    )
    session.add(row)
    return row, secret


def revoke_token(session: Session, token_id: int, *, user_id: int, coordinator: bool) -> None:
    """Revoke a token of the user's own, or anyone's for a coordinator (the caller commits)."""
    row = session.get(m.ApiToken, token_id)
    if row is None:
        raise LookupError(f"API token {token_id} does not exist")
    if row.user_id != user_id and not coordinator:
        raise PermissionError("only the token's owner or a coordinator may revoke it")
    if row.revoked_at is None:
        row.revoked_at = m.utcnow()
        session.add(row)


def user_for_token(session: Session, token: str) -> m.User | None:
    """The active user an unrevoked token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    query = select(m.ApiToken).where(m.ApiToken.token_sha256 == token_digest(token))
    row = session.exec(query).first()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(m.User, row.user_id)
    return user if user is not None and user.active else None


def active_tokens(session: Session, user_id: int | None = None) -> list[tuple[m.ApiToken, str]]:
    """Unrevoked tokens with their owner's username: one user's, or everyone's."""
    query = (
        select(m.ApiToken, m.User.username)
        .join(m.User, col(m.User.id) == col(m.ApiToken.user_id))
        .where(m.ApiToken.revoked_at == None)  # noqa: E711
        .order_by(col(m.ApiToken.created_at).desc())
    )
    if user_id is not None:
        query = query.where(m.ApiToken.user_id == user_id)
    return [(row, username) for row, username in session.exec(query)]


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def tokens_page():  # noqa: ANN201
    """The user's API tokens (a coordinator sees everyone's); a POST makes a new one."""
    session = request_session()
    secret = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
            flash(f"Give the token a name of 1 to {MAX_NAME_LENGTH} characters.", "error")
        else:
            _, secret = issue_token(session, user_id=current_user.id, name=name)
            session.commit()
    everyone = current_user.role == "coordinator"
    tokens = active_tokens(session, None if everyone else current_user.id)
    return render_template(
        "account/api_tokens.html", tokens=tokens, secret=secret, everyone=everyone
    ), (400 if request.method == "POST" and secret is None else 200)


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):  # noqa: ANN201
    """Revoke a token: programs using it get 401 from now on."""
    session = request_session()
    try:
        revoke_token(
            session,
            token_id,
            user_id=current_user.id,
            coordinator=current_user.role == "coordinator",
        )
    except LookupError:
        abort(404)
    except PermissionError:
        abort(403)
    session.commit()
    flash("Token revoked.", "ok")
    return redirect(url_for("api_tokens.tokens_page"), 303)
