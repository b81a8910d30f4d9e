"""Chat API (`/api/chat`): the visitor's messages, widget actions, polling, rating and erasure."""
import functools
import json

from flask import Blueprint, current_app, jsonify, make_response

from lucine_chatbot.api import no_content
from lucine_chatbot.chats import lookup
from lucine_chatbot.chats.visitor import conversation, poll_cache, polling, visitor_limits
from lucine_chatbot.extensions import limit_key
from lucine_chatbot.models import ChatStatus
from lucine_chatbot.platform.errors import NotFound
from lucine_chatbot.schemas import validate
from lucine_chatbot.schemas.chat import ChatRequest, PollQuery, RatingRequest, chat_out, poll_out

bp = Blueprint("chat", __name__, url_prefix="/api/chat")
MAX_SESSION_ID = 64  # chat_session.public_id is VARCHAR(64); the server issues 32 characters
# post_chat and poll_chat count their own limits in one Redis round trip (chats/visitor/visitor_limits.py), so
# Flask-Limiter skips them (extensions.SELF_LIMITED_ENDPOINTS).


def limited_per_address(setting):
    """Count the request against `setting` for the client address before anything else; 429 when over."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            window = visitor_limits.hit(visitor_limits.item(setting), "address", limit_key())
            window.enforce()
            response = make_response(view(*args, **kwargs))
            response.headers.update(window.headers)
            return response

        return wrapper

    return decorator


@bp.post("")
@limited_per_address("RATE_LIMIT_CHAT")
@validate(body=ChatRequest, status=(200, 202))
def post_chat(body):
    """Send a visitor message (or a widget action); 202 + `pending` while a worker writes the reply.

    :status 400: empty message. :status 422: message over MAX_MESSAGE_LENGTH. :status 404: action on an
    unknown session.
    """
    if body.action:
        outcome = conversation.perform_action(body.session_id, body.action)
    else:
        outcome = conversation.post_message(body.session_id, body.message, language=body.language)
    payload = chat_out(outcome)
    return jsonify(payload), 202 if payload["pending"] else 200


@bp.get("/poll/<session_id>")
@validate(query=PollQuery)
def poll_chat(session_id, query):
    """Messages strictly after `after` (all when omitted), status, pending reply, operator and queue.

    Limited per session (RATE_LIMIT_POLL), so a family behind one router never starves each other, and per
    address (RATE_LIMIT_POLL_ADDRESS, a generous flood guard: one address is often many visitors) whenever the
    database is asked, so guessing session ids is not free.

    :status 404: unknown session. :status 429: over a rate limit.
    """
    if len(session_id) > MAX_SESSION_ID:  # no such session; and no Redis key named after an 8 KB path
        raise NotFound("Unknown session.")
    after = query.after_id()
    per_session = visitor_limits.item("RATE_LIMIT_POLL")
    found = poll_cache.lookup(session_id, after, per_session)  # one round trip: count, cache and draft
    window = found.window if found else visitor_limits.hit(per_session, "poll", session_id)
    window.enforce()
    draft = found.draft if found else None
    if found is not None and found.body is not None:  # nothing new since the database last answered
        return cached_poll(found.body, draft, window)

    visitor_limits.hit(visitor_limits.item("RATE_LIMIT_POLL_ADDRESS"), "poll-database", limit_key()).enforce()
    view = polling.poll(session_id, after)
    payload = poll_out(view, draft)
    # Not stored: a queue position moves without this session changing; a full page may have more after it.
    if view.session.status != ChatStatus.WAITING_OPERATOR and len(view.messages) < lookup.PAGE_SIZE:
        newest = view.messages[-1].id if view.messages else (after or 0)
        poll_cache.store(session_id, found, newest, jsonify({**payload, "messages": [], "draft": None}).get_data(),
                         due=view.due)
    response = jsonify(payload)
    response.headers.update(window.headers)
    return response


def cached_poll(body, draft, window):
    """The stored "nothing new" answer, with the answer being written when there is one."""
    if draft is not None:
        payload = json.loads(body)
        if payload.get("pending"):
            return jsonify({**payload, "draft": draft}), 200, window.headers
    return current_app.response_class(body, mimetype="application/json", headers=window.headers)


@bp.post("/<session_id>/rating")
@validate(body=RatingRequest, status=201)
def rate_chat(session_id, body):
    """Rate the operator chat 1–5 with an optional comment.

    :status 409: no operator chat to rate, or already rated.
    """
    stint = conversation.rate(session_id, body.rating, body.comment)
    return jsonify({"sessionId": session_id, "rating": stint.rating, "comment": stint.rating_comment}), 201


@bp.delete("/<session_id>")
@validate(status=204)
def delete_chat(session_id):
    """Erase the conversation (messages, notes, PII on linked tickets); the id is then unknown."""
    conversation.erase(session_id)
    return no_content()
