"""`/api/operators`: sign-in, availability, the queue, taking and answering chats, admin management."""
from flask import Blueprint, current_app, request
from flask_jwt_extended import current_user, get_jwt

from lucine_chatbot.api import no_content
from lucine_chatbot.chats import operator_desk
from lucine_chatbot.extensions import client_address
from lucine_chatbot.operators import access, accounts, audit, presence
from lucine_chatbot.push import subscriptions, vapid
from lucine_chatbot.schemas import validate
from lucine_chatbot.schemas.common import operator_out
from lucine_chatbot.schemas.operators import (
    AuditQuery,
    CreateOperatorBody,
    LoginBody,
    PresenceBody,
    PushEndpointBody,
    PushSubscriptionBody,
    SendMessageBody,
    StatusBody,
    TakeChatBody,
    TransferBody,
    UpdateOperatorBody,
    audit_out,
    operator_admin_out,
    pending_out,
    push_subscription_out,
    sent_message_out,
)
from lucine_chatbot.security import admin_required, login_limited, operator_required

bp = Blueprint("operators", __name__, url_prefix="/api/operators")


@bp.post("/login")
@login_limited
@validate(body=LoginBody)
def login(body):
    """Exchange username and password for an 8-hour token; 401 for any bad credential."""
    token, operator = access.login(body.username, body.password, ip_address=client_address())
    expires = int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())
    return {"token": token, "expiresIn": expires, "operator": operator_out(operator)}


@bp.post("/logout")
@operator_required
@validate(status=204)
def logout():
    """Revoke the token in use and go offline."""
    access.logout(current_user, get_jwt())
    return no_content()


@bp.get("/me")
@operator_required
def get_me():
    """The signed-in operator."""
    return operator_out(current_user)


@bp.post("/status")
@operator_required
@validate(body=StatusBody)
def set_status(body):
    """Go online (taking waiting chats up to capacity) or offline."""
    return operator_out(presence.set_online(current_user, body.is_online))


@bp.get("/online")
@operator_required
def list_online_operators():
    """Colleagues online now, with their load: the transfer targets."""
    limit = current_app.config["MAX_CHATS_PER_OPERATOR"]
    return {"operators": [{**operator_out(op), "openChats": n, "hasCapacity": n < limit}
                          for op, n in accounts.list_operators(online_only=True)]}


@bp.get("/pending-chats")
@operator_required
def list_pending_chats():
    """The queue, in the order it is served."""
    return {"chats": [pending_out(chat) for chat in operator_desk.pending_chats()]}


@bp.post("/take-chat")
@operator_required
@validate(body=TakeChatBody)
def take_chat(body):
    """Take a waiting chat; 409 when someone else has it, it is closed, or you are at capacity."""
    session = operator_desk.take_chat(current_user.id, body.session_id)
    return {"sessionId": session.public_id, "status": str(session.status), "operator": operator_out(current_user)}


@bp.post("/send-message")
@operator_required
@validate(body=SendMessageBody, status=201)
def send_message(body):
    """Reply to the visitor of a chat you handle (admins: any chat)."""
    return sent_message_out(operator_desk.send_message(current_user.id, body.session_id, body.message)), 201


@bp.post("/transfer")
@operator_required
@validate(body=TransferBody)
def transfer_chat(body):
    """Hand your chat to another online operator with room."""
    session = operator_desk.transfer_chat(current_user.id, body.session_id, body.to_operator_id, body.reason)
    return {"sessionId": session.public_id, "status": str(session.status), "operator": operator_out(session.operator)}


@bp.get("/push/config")
@operator_required
def get_push_config():
    """The VAPID public key the browser subscribes with (`applicationServerKey`)."""
    return {"publicKey": vapid.public_key()}


@bp.get("/push/subscriptions")
@operator_required
def list_push_subscriptions():
    """Her devices subscribed to Web Push, with the alerts each wants."""
    return {"subscriptions": [push_subscription_out(s) for s in subscriptions.list_subscriptions(current_user.id)]}


@bp.post("/push/subscriptions")
@operator_required
@validate(body=PushSubscriptionBody, status=201)
def create_push_subscription(body):
    """Subscribe this device (or change its alerts); 422 when the endpoint is not on a known push service."""
    subscription = subscriptions.subscribe(current_user, body.endpoint, body.keys.p256dh, body.keys.auth, body.events,
                                  user_agent=request.user_agent.string)
    return {"subscription": push_subscription_out(subscription)}, 201


@bp.delete("/push/subscriptions")
@operator_required
@validate(body=PushEndpointBody, status=204)
def delete_push_subscription(body):
    """Stop pushing to this device."""
    subscriptions.unsubscribe(current_user.id, body.endpoint)
    return no_content()


@bp.post("/push/presence")
@operator_required
@validate(body=PresenceBody, status=204)
def set_dashboard_presence(body):
    """A dashboard tab of hers is visible (a heartbeat) or was hidden: visitors' messages are pushed only then."""
    presence.set_visible(current_user.id, body.visible)
    return no_content()


@bp.get("")
@admin_required
def list_operators():
    """Every operator account with its open chats (admins)."""
    return {"operators": [operator_admin_out(op, n) for op, n in accounts.list_operators()]}


@bp.post("")
@admin_required
@validate(body=CreateOperatorBody, status=201)
def create_operator(body):
    """Create an operator or admin account (admins)."""
    operator = accounts.add_operator(body.username, body.password, body.name, email=body.email, role=body.role,
                                      display_name=body.display_name)
    return {"operator": operator_admin_out(operator, 0)}, 201


@bp.patch("/<int:operator_id>")
@admin_required
@validate(body=UpdateOperatorBody)
def update_operator(operator_id, body):
    """Edit, deactivate or reset the password of an account (admins); deactivation applies at once."""
    operator = accounts.update_operator(operator_id, body.model_dump(exclude_unset=True, exclude_none=True))
    return {"operator": operator_admin_out(operator)}


@bp.get("/audit")
@admin_required
@validate(query=AuditQuery)
def list_audit(query):
    """Who read which conversation, newest first (admins)."""
    entries, total = audit.audit_entries(query.page, query.per_page, query.operator_id, query.session_id)
    return {"entries": [audit_out(e) for e in entries], "total": total, "page": query.page,
            "perPage": query.per_page}
