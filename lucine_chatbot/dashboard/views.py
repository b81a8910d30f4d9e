"""Operator dashboard pages: server-rendered shells that small scripts keep live from the JSON API.

The session is the JWT in an HttpOnly, SameSite=Strict cookie; scripts send the CSRF cookie's value back in
`X-CSRF-TOKEN` on writes, so no token ever reaches `localStorage`.
"""
import functools

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_jwt_extended import get_jwt, set_access_cookies, unset_jwt_cookies

from lucine_chatbot.chats.state_machine import TRANSITIONS
from lucine_chatbot.dashboard.auth import form_session, sign_in, sign_out, signed_in_operator
from lucine_chatbot.security import login_limited
from lucine_chatbot.tickets import state_machine as ticket_state_machine

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

# Statuses an operator may set by hand; the state machine decides which of them apply now.
OPERATOR_STATUSES = ("WAITING_CLIENT", "RESOLVED", "NOT_RESOLVED", "CANCELLED")


def operator_page(admin=False):
    """Only for a signed-in operator (else to the login page); `admin` pages answer 403 to others."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            operator = signed_in_operator()
            if operator is None:
                return redirect(url_for("dashboard.show_login", next=request.path))
            if admin and not operator.is_admin:
                abort(403)
            g.operator = operator
            return view(*args, **kwargs)

        return wrapper

    return decorator


@bp.context_processor
def page_context():
    operator = g.get("operator")
    return {"operator": operator, "csrf_token": get_jwt().get("csrf", "") if operator else ""}


def safe_next(target):
    """Only our own dashboard paths: never an open redirect."""
    if target and target.startswith("/dashboard/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("dashboard.show_home")


@bp.get("/login")
def show_login():
    if signed_in_operator() is not None:
        return redirect(safe_next(request.args.get("next")))
    return render_template("dashboard/login.html", error=None, expired=request.args.get("expired"))


@bp.post("/login")
@login_limited
def submit_login():
    token, _operator = sign_in(request.form.get("username"), request.form.get("password"))
    if token is None:
        return render_template("dashboard/login.html", error="Nome utente o password non validi.",
                               username=request.form.get("username", "")), 401
    response = redirect(safe_next(request.args.get("next")))
    set_access_cookies(response, token)
    return response


@bp.post("/logout")
def submit_logout():
    operator, token = form_session(request.form.get("csrf_token"))
    if operator is not None:
        sign_out(operator, token)
    response = redirect(url_for("dashboard.show_login"))
    unset_jwt_cookies(response)
    return response


@bp.get("/")
@operator_page()
def show_home():
    return render_template("dashboard/home.html", page="home")


@bp.get("/overview")
@operator_page()
def show_overview():
    return render_template("dashboard/overview.html", page="overview")


@bp.get("/chats/<session_id>")
@operator_page()
def show_chat(session_id):
    transitions = {str(k): [s for s in OPERATOR_STATUSES if s in {str(t) for t in v}] for k, v in TRANSITIONS.items()}
    return render_template("dashboard/chat.html", page="home", session_id=session_id, transitions=transitions,
                           max_length=current_app.config["MAX_MESSAGE_LENGTH"])


@bp.get("/archive")
@operator_page()
def show_archive():
    return render_template("dashboard/archive.html", page="archive")


@bp.get("/tickets")
@operator_page()
def show_tickets():
    transitions = {str(k): sorted(str(s) for s in v) for k, v in ticket_state_machine.TRANSITIONS.items()}
    return render_template("dashboard/tickets.html", page="tickets", transitions=transitions)


@bp.get("/analytics")
@operator_page()
def show_analytics():
    return render_template("dashboard/analytics.html", page="analytics")


@bp.get("/notifications")
@operator_page()
def show_notifications():
    return render_template("dashboard/notifications.html", page="notifications")


@bp.get("/calendar")
@operator_page()
def show_calendar():
    return render_template("dashboard/calendar.html", page="calendar")


@bp.get("/knowledge")
@operator_page(admin=True)
def show_knowledge():
    return render_template("dashboard/knowledge.html", page="knowledge")


@bp.get("/texts")
@operator_page(admin=True)
def show_texts():
    return render_template("dashboard/texts.html", page="texts")


@bp.get("/operators")
@operator_page(admin=True)
def show_operators():
    return render_template("dashboard/operators.html", page="operators")
