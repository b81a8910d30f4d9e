"""Chat API (`/api/chat`): the visitor's messages, widget actions, polling, rating and erasure."""
from flask import Blueprint, current_app, jsonify, request

from ..extensions import limiter
from ..schemas import validate
from ..schemas.chat import ChatRequest, PollQuery, RatingRequest, chat_out, poll_out
from ..services import conversation

bp = Blueprint("chat", __name__, url_prefix="/api/chat")


def chat_limit():
    return current_app.config["RATE_LIMIT_CHAT"]


def poll_limit():
    return current_app.config["RATE_LIMIT_POLL"]


def poll_key():
    """Polls are limited per session, so a family behind one router never starves each other."""
    return "poll:" + (request.view_args or {}).get("session_id", "")


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


def address_limit():
    return current_app.config["RATE_LIMIT_DEFAULT"]


@bp.get("/poll/<session_id>")
@limiter.limit(poll_limit, key_func=poll_key)
@limiter.limit(address_limit)  # and per address: guessing session ids must not be free
@validate(query=PollQuery)
def poll_chat(session_id, query):
    """Messages strictly after `after` (all when omitted), status, pending reply, operator and queue.

    :status 404: unknown session.
    """
    session, messages, queue = conversation.poll(session_id, query.after_id())
    return jsonify(poll_out(session, messages, queue))


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
