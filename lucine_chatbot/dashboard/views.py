"""Operator dashboard pages. The session is an HttpOnly cookie holding the JWT (CSRF-protected writes)."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_jwt_extended import (create_access_token, current_user, set_access_cookies, unset_jwt_cookies,
                                verify_jwt_in_request)

from ..extensions import db, limiter
from ..models import Operator
from ..services.operators import check_password

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def signed_in_operator():
    try:
        verify_jwt_in_request(optional=True, locations=["cookies"])
    except Exception:
        return None
    return current_user if current_user and current_user.is_active else None


@bp.get("/login")
def show_login():
    return render_template("dashboard/login.html", error=None)


@bp.post("/login")
@limiter.limit(lambda: __import__("flask").current_app.config["RATE_LIMIT_LOGIN_IP"])
def submit_login():
    username = request.form.get("username", "").strip()
    operator = db.session.query(Operator).filter_by(username=username).first()
    if not operator or not operator.is_active or not check_password(request.form.get("password", ""),
                                                                     operator.password_hash):
        return render_template("dashboard/login.html", error="Nome utente o password non validi."), 401
    response = redirect(url_for("dashboard.show_home"))
    set_access_cookies(response, create_access_token(identity=operator))
    return response


@bp.get("/")
def show_home():
    operator = signed_in_operator()
    if operator is None:
        return redirect(url_for("dashboard.show_login"))
    return render_template("dashboard/home.html", operator=operator)


@bp.post("/logout")
def submit_logout():
    response = redirect(url_for("dashboard.show_login"))
    unset_jwt_cookies(response)
    return response
