"""Chat API (`/api/chat`): the visitor's messages, widget actions, polling, rating and erasure."""
import time

from flask import Blueprint, current_app, jsonify, request

from ..errors import RateLimited
from ..extensions import client_address, limiter
from ..models import ChatStatus
from ..schemas import validate
from ..schemas.chat import ChatRequest, PollQuery, RatingRequest, chat_out, poll_out
from ..services import conversation, poll_cache

bp = Blueprint("chat", __name__, url_prefix="/api/chat")


def chat_limit():
    return current_app.config["RATE_LIMIT_CHAT"]


@bp.post("")
@limiter.limit(chat_limit)
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


@limiter.request_filter
def poll_is_limited_by_its_view():
    """The poll counts its own limits, in the same Redis round trip as its cache read (poll_cache)."""
    return request.endpoint == "chat.poll_chat"


@bp.get("/poll/<session_id>")
@validate(query=PollQuery)
def poll_chat(session_id, query):
    """Messages strictly after `after` (all when omitted), status, pending reply, operator and queue.

    Limited per session (RATE_LIMIT_POLL), so a family behind one router never starves each other, and per
    address (RATE_LIMIT_DEFAULT) whenever the database is asked, so guessing session ids is not free.

    :status 404: unknown session. :status 429: over a rate limit.
    """
    after, config = query.after_id(), current_app.config
    per_session = poll_cache.limit_item(config["RATE_LIMIT_POLL"])
    found = poll_cache.lookup(session_id, after, per_session)
    if found is None:
        allowed, remaining, reset = poll_cache.count_hit(per_session, "poll", session_id)
    else:
        allowed, remaining, reset = (found.count <= per_session.amount,
                                     max(0, per_session.amount - found.count), found.reset)
    headers = {"X-RateLimit-Limit": str(per_session.amount), "X-RateLimit-Remaining": str(remaining),
               "X-RateLimit-Reset": str(reset)}
    _enforce(allowed, per_session, reset, headers)
    if found is not None and found.body is not None:  # nothing new since the database last answered
        return current_app.response_class(found.body, mimetype="application/json", headers=headers)

    per_address = poll_cache.limit_item(config["RATE_LIMIT_DEFAULT"])
    allowed, _remaining, address_reset = poll_cache.count_hit(per_address, "poll-database", client_address())
    _enforce(allowed, per_address, address_reset, headers)
    session, messages, queue = conversation.poll(session_id, after)
    payload = poll_out(session, messages, queue)
    if session.status != ChatStatus.WAITING_OPERATOR:  # a queue position moves without this session changing
        newest = messages[-1].id if messages else (after or 0)
        poll_cache.store(session_id, found, newest, jsonify({**payload, "messages": []}).get_data())
    response = jsonify(payload)
    response.headers.update(headers)
    return response


def _enforce(allowed, item, reset, headers):
    if not allowed and limiter.enabled:
        retry_after = max(1, reset - int(time.time()))
        raise RateLimited(f"Too many requests: {item}. Retry later.",
                          headers={**headers, "Retry-After": str(retry_after)})


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
    return "", 204
