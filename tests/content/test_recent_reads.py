"""What every AI reply reads besides its chat — the knowledge base's change stamp, the season plan, the upcoming
calendar overrides — is read at most every KB_RECHECK_SECONDS per process (content/recent.py): an edit made by
this process is seen at once, another process's within that time."""
import datetime as dt

import pytest

from lucine_chatbot.content import calendar, knowledge, recent
from lucine_chatbot.extensions import db
from lucine_chatbot.models import CalendarOverride, DayStatus, KnowledgeItem
from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)
from tests.support.sql_statements import Statements


@pytest.fixture
def clock(app, monkeypatch):
    """KB_RECHECK_SECONDS at 60 and a monotonic clock the test moves."""
    now = [1000.0]
    monkeypatch.setitem(app.config, "KB_RECHECK_SECONDS", 60.0)
    monkeypatch.setattr(recent.time, "monotonic", lambda: now[0])
    recent.forget()
    yield now
    recent.forget()


def knowledge_reads(sql):
    """The stamp's query: the table's row count, newest edit and id sum."""
    return [s for s in sql.seen if "count(knowledge_item.id)" in s]


def test_the_stamp_is_read_once_within_the_recheck_time(kb, clock):
    knowledge.active_docs("it"), calendar.season_plan(), calendar.upcoming_overrides()
    with Statements() as sql:
        for _ in range(5):
            knowledge.active_docs("it")
            calendar.season_plan()
            calendar.upcoming_overrides()
    assert sql.seen == []
    clock[0] += 61
    with Statements() as sql:
        knowledge.active_docs("it")
    assert len(knowledge_reads(sql)) == 1


def test_without_a_recheck_time_every_read_goes_to_the_database(kb, app, monkeypatch):
    monkeypatch.setitem(app.config, "KB_RECHECK_SECONDS", 0.0)
    knowledge.active_docs("it")
    with Statements() as sql:
        knowledge.active_docs("it")
        knowledge.active_docs("it")
    assert len(knowledge_reads(sql)) == 2


def test_an_edit_made_here_is_seen_at_once(kb, clock):
    item = db.session.query(KnowledgeItem).filter_by(language="it").order_by(KnowledgeItem.slug).first()
    knowledge.active_docs("it")
    knowledge.update_item(item.id, {"answer": "Risposta nuova di zecca."})
    assert next(d for d in knowledge.active_docs("it") if d.id == item.id).answer == "Risposta nuova di zecca."


def test_another_process_edit_is_seen_after_the_recheck_time(kb, clock):
    item = db.session.query(KnowledgeItem).filter_by(language="it").order_by(KnowledgeItem.slug).first()
    before = next(d for d in knowledge.active_docs("it") if d.id == item.id).answer
    db.session.query(KnowledgeItem).filter_by(id=item.id).update(  # as the dashboard's process would write it
        {"answer": "Cambiata altrove.", "updated_at": item.updated_at + dt.timedelta(seconds=1)})
    assert next(d for d in knowledge.active_docs("it") if d.id == item.id).answer == before
    clock[0] += 61
    assert next(d for d in knowledge.active_docs("it") if d.id == item.id).answer == "Cambiata altrove."


def test_calendar_overrides_set_here_are_seen_at_once_and_others_after_the_recheck_time(kb, clock):
    today = calendar.local_today()
    assert calendar.upcoming_overrides() == []
    calendar.set_override(today, DayStatus.SOLD_OUT, note="Tutto esaurito")
    assert calendar.upcoming_overrides() == [(today, DayStatus.SOLD_OUT, "Tutto esaurito")]
    db.session.add(CalendarOverride(date=today + dt.timedelta(days=1), status=DayStatus.CANCELLED))
    db.session.flush()
    assert len(calendar.upcoming_overrides()) == 1
    clock[0] += 61
    assert [status for _, status, _ in calendar.upcoming_overrides()] == [DayStatus.SOLD_OUT, DayStatus.CANCELLED]


def test_each_app_has_its_own_memo(kb, clock, app):
    calendar.season_plan()
    assert "season-plan" in app.extensions[recent._KEY]
    from flask import Flask

    other = Flask("other")
    other.config["KB_RECHECK_SECONDS"] = 60.0
    with other.app_context():
        assert recent.value("season-plan", lambda: "the other app's") == "the other app's"
