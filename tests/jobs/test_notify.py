"""Notification jobs carry an outbox row id only: the visitor's resume token never reaches Redis or the logs."""
import logging
import zlib

import pytest

from lucine_chatbot.jobs import notify
from lucine_chatbot.platform import dispatch
from tests.support.receivers import SmtpServer


def every_value_in_redis(connection):
    """Every key and value of the database, plus what decompresses (RQ keeps a job's call zlib-compressed)."""
    found = []
    for key in connection.scan_iter(count=1000):
        kind = connection.type(key).decode()
        if kind == "string":
            values = [connection.get(key)]
        elif kind == "hash":
            values = [item for pair in connection.hgetall(key).items() for item in pair]
        elif kind == "list":
            values = connection.lrange(key, 0, -1)
        elif kind == "set":
            values = list(connection.smembers(key))
        elif kind == "zset":
            values = connection.zrange(key, 0, -1)
        else:
            values = [connection.dump(key)]
        found.append(key)
        for value in values:
            found.append(value)
            try:
                found.append(zlib.decompress(value))
            except (zlib.error, TypeError):
                pass
    return found


def post_ticket(client, **contact):
    response = client.post("/api/tickets", json={"description": "Ho perso il biglietto", **contact})
    assert response.status_code == 201
    return response.get_json()["resumeToken"]


@pytest.mark.redis_only
@pytest.mark.parametrize("smtp_works", [True, False], ids=["delivered", "failing"])
def test_a_ticket_confirmation_leaves_no_resume_token_in_redis_or_the_logs(app, client, monkeypatch, run_jobs,
                                                                          caplog, smtp_works):
    caplog.set_level(logging.DEBUG)
    connection = dispatch.redis_connection(app)
    with SmtpServer() as smtp:
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port if smtp_works else 1,
                           "SMTP_STARTTLS": False, "MAIL_FROM": "info@lucinedinatale.test",
                           "PUBLIC_BASE_URL": "https://chat.example.com"}.items():
            monkeypatch.setitem(app.config, key, value)
        token = post_ticket(client, contactMethod="EMAIL", email="ana@example.com")
        queued = dispatch.get_queue("default").jobs
        stored = every_value_in_redis(connection)
        run_jobs()
        stored += every_value_in_redis(connection)
    assert [(job.func_name, job.args, job.description) for job in queued] == [
        ("lucine_chatbot.jobs.notify.deliver_notification", (queued[0].args[0],), "deliver_notification")]
    assert any(b"deliver_notification" in value for value in stored), "the scan reads the jobs"
    assert not [value for value in stored if token.encode() in value]
    assert caplog.records and token not in caplog.text
    assert (token in smtp.messages[0]["text"]) if smtp_works else smtp.messages == []


def test_notification_jobs_take_one_id():
    assert notify.deliver_notification.__code__.co_varnames[:1] == ("outbox_id",)
    assert notify.deliver_notification.__code__.co_argcount == 1
