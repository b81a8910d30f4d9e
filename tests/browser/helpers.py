"""Data and steps the dashboard's browser tests share; everything is committed so the live server sees it."""
from datetime import timedelta

from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatStatus, QueueEntry, Sender, utcnow
from tests.support import factories

PASSWORD = factories.DEFAULT_PASSWORD
XSS = '<script>alert(1)</script><img src=x onerror=alert(1)>'


def sign_in(page, username, password=PASSWORD):
    page.goto("/dashboard/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url("**/dashboard/**")


def operator(username, **fields):
    op = factories.operator(username=username, **fields)
    db.session.commit()
    return op


def queued_chat(text="Buonasera, posso portare il cane?", language="it", priority=1, waited_seconds=45):
    """A visitor waiting in the queue, as escalation leaves one when every operator is busy."""
    now = utcnow()
    session = factories.chat(status=ChatStatus.WAITING_OPERATOR, language=language,
                             created_at=now - timedelta(seconds=waited_seconds + 30))
    factories.message(session, body=text, sender=Sender.USER.value)
    db.session.add(QueueEntry(session_id=session.id, priority=priority, reason="request",
                              enqueued_at=now - timedelta(seconds=waited_seconds)))
    db.session.commit()
    return session


def no_dialogs(page):
    """Collects any alert/confirm a page opens; a visitor's text must never open one."""
    opened = []
    page.on("dialog", lambda dialog: (opened.append(dialog.message), dialog.dismiss()))
    return opened


def reread():
    """End the test thread's transaction so what the server committed is visible (and nothing is locked)."""
    db.session.rollback()
