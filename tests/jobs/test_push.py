"""Web Push end to end: use case → job → a local push service that verifies the VAPID JWT and decrypts the
payload; dead subscriptions are pruned, transient failures retried, and each alert reaches only who wants it."""
from datetime import timedelta

import pytest

from lucine_chatbot.chats import escalation, operator_desk, sweep
from lucine_chatbot.extensions import db
from lucine_chatbot.jobs import push as push_jobs
from lucine_chatbot.models import OperatorChat, PushSubscription, QueueEntry, Ticket, utcnow
from lucine_chatbot.notifications import DeliveryError
from lucine_chatbot.operators import presence
from lucine_chatbot.push import subscriptions
from lucine_chatbot.tickets import desk, intake
from tests.support.push_receiver import PushService


@pytest.fixture
def service():
    with PushService() as push_service:
        yield push_service


def subscribe(operator, service, events=None, status=201):
    info = service.subscribe(status=status)
    row = subscriptions.subscribe(operator, info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], events)
    return row


def request_operator(make, run_jobs):
    chat = make.chat(language="it")
    make.message(chat, body="Buonasera, il parcheggio è gratuito?")
    escalation.request_operator(chat, "typed_request")
    db.session.commit()
    run_jobs()
    return chat


def test_an_assignment_reaches_her_device_encrypted_and_vapid_signed(make, service, run_jobs):
    giulia = make.operator(is_online=True)
    subscribe(giulia, service)
    chat = request_operator(make, run_jobs)
    [push_message] = service.wait_for(1)
    assert service.refused == []  # every push carried a valid ES256 JWT for this origin, and decrypted
    assert push_message["payload"] == {"title": "Chat assegnata a te", "body": "Buonasera, il parcheggio è gratuito?",
                                       "url": f"/dashboard/chats/{chat.public_id}", "tag": f"chat-{chat.public_id}"}
    assert push_message["urgency"] == "high" and push_message["ttl"] == push_jobs.LIVE["ttl"]
    assert push_message["key"] == subscriptions.vapid.public_key()  # signed with the key the browser subscribed with
    assert push_message["claims"]["sub"] == "mailto:info@lucinedinatale.it"
    assert db.session.query(PushSubscription).one().last_success_at is not None


def test_a_chat_she_takes_herself_is_not_pushed_to_her(make, service, run_jobs):
    giulia = make.operator(is_online=False)
    subscribe(giulia, service)
    chat = make.chat(status="WAITING_OPERATOR")
    operator_desk.take_chat(giulia.id, chat.public_id)
    run_jobs()
    assert service.received == []


def test_an_alert_she_did_not_pick_is_not_sent(make, service, run_jobs):
    giulia = make.operator(is_online=True)
    subscribe(giulia, service, events=["visitor_message"])
    request_operator(make, run_jobs)
    assert service.received == []


def test_a_subscription_the_push_service_calls_gone_is_deleted(make, service, run_jobs):
    giulia = make.operator(is_online=True)
    kept = subscribe(giulia, service)
    subscribe(giulia, service, status=410)
    subscribe(giulia, service, status=404)
    request_operator(make, run_jobs)
    service.wait_for(3)
    db.session.expire_all()
    assert [row.id for row in db.session.query(PushSubscription)] == [kept.id]


def test_a_transient_failure_raises_so_the_job_is_retried(make, service):
    giulia = make.operator(is_online=True)
    flaky = subscribe(giulia, service, status=503)
    payload = {"title": "t", "body": "b", "url": "/dashboard/", "tag": "x"}
    with pytest.raises(DeliveryError):
        push_jobs.deliver_push(flaky.id, payload, 120, "high", push_jobs.time.time())
    assert db.session.get(PushSubscription, flaky.id) is not None
    assert push_jobs.deliver_push.job_options.retries == len(push_jobs.DELIVERY_BACKOFF)


def test_a_delivery_past_its_ttl_is_dropped(make, service):
    giulia = make.operator(is_online=True)
    row = subscribe(giulia, service)
    old = push_jobs.time.time() - 121
    assert push_jobs.deliver_push(row.id, {"title": "t"}, 120, "high", old) == "expired"
    assert service.received == []


def test_a_visitor_message_is_pushed_only_while_no_dashboard_tab_of_hers_is_visible(client, make, service,
                                                                                    run_jobs):
    giulia = make.operator(is_online=True)
    subscribe(giulia, service, events=["visitor_message"])
    chat = make.chat(status="WITH_OPERATOR", operator_id=giulia.id)
    db.session.add(OperatorChat(session_id=chat.id, operator_id=giulia.id))
    presence.set_visible(giulia.id, True)
    client.post("/api/chat", json={"message": "Ci siete?", "sessionId": chat.public_id})
    run_jobs()
    assert service.received == []
    presence.set_visible(giulia.id, False)
    client.post("/api/chat", json={"message": "Siamo al cancello nord", "sessionId": chat.public_id})
    run_jobs()
    [received] = service.wait_for(1)
    assert received["payload"]["title"] == "Nuovo messaggio del visitatore"
    assert received["payload"]["body"] == "Siamo al cancello nord"


def test_a_requeued_chat_is_pushed_to_operators_online_with_free_capacity(make, service, run_jobs, app,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 1)
    silent = make.operator(is_online=True)
    full = make.operator(is_online=True)
    away = make.operator(is_online=False)
    for operator in (silent, full, away):
        subscribe(operator, service, events=["chat_waiting"])
    busy = make.chat(status="WITH_OPERATOR", operator_id=full.id)
    db.session.add(OperatorChat(session_id=busy.id, operator_id=full.id))
    now = utcnow()
    chat = make.chat(last_activity_at=now)
    escalation.request_operator(chat, "typed_request", now=now - timedelta(seconds=200))
    assert chat.operator_id == silent.id
    db.session.commit()
    sweep.sweep(now)  # silent for 200 s: back to the queue, nobody else has room
    run_jobs()
    assert db.session.query(QueueEntry).filter_by(session_id=chat.id, status="WAITING").count() == 1
    [received] = service.wait_for(1)
    assert received["payload"]["title"] == "Chat in coda: puoi prenderla"
    owner = db.session.query(PushSubscription).filter_by(endpoint=f"{service.origin}/push/{received['token']}")
    assert owner.one().operator_id == silent.id


def test_a_ticket_past_its_sla_is_pushed_to_admins_only(make, service, run_jobs):
    boss = make.operator(role="ADMIN", username="boss")
    giulia = make.operator()
    subscribe(boss, service)
    subscribe(giulia, service)
    ticket, _ = intake.create_ticket_from_visitor("Biglietto perso", "EMAIL", email="a@example.com",
                                                   now=utcnow() - timedelta(days=2))
    ticket.due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert desk.escalate_overdue(utcnow()) == 1
    run_jobs()
    [received] = service.wait_for(1)
    ticket = db.session.get(Ticket, ticket.id)
    assert received["payload"]["title"] == f"Ticket {ticket.number} oltre lo SLA"
    assert received["payload"]["url"] == f"/dashboard/tickets?breached=true&id={ticket.id}"
    assert received["urgency"] == "normal"


def test_no_job_is_enqueued_while_nobody_has_a_device_subscribed(make, run_jobs):
    make.operator(is_online=True)
    make_chat = make.chat()
    escalation.request_operator(make_chat, "typed_request")
    db.session.commit()
    assert run_jobs() == 0
