"""Use cases racing each other: each call on its own thread, app context and database connection, released
together by a barrier (PostgreSQL tests: tests/chats/test_chat_races.py, test_take_race.py)."""
import threading

from lucine_chatbot.extensions import db
from lucine_chatbot.platform.errors import Conflict, Forbidden


def race(app, *calls):
    """Run the calls at once (a barrier releases them together), each in its own app context and connection;
    returns each one's outcome: "ok", or the name of the domain error it raised. Anything else fails the test."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        with app.app_context():
            try:
                db.session.connection()  # a connection in hand before the start line
                barrier.wait(timeout=10)
                call()
                outcomes[index] = "ok"
            except (Conflict, Forbidden) as error:
                db.session.rollback()
                outcomes[index] = type(error).__name__
            except Exception as error:  # noqa: BLE001 (reported by the assertion below)
                db.session.rollback()
                outcomes[index] = f"unexpected {type(error).__name__}: {error}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not [o for o in outcomes if o is None or o.startswith("unexpected")], outcomes
    return outcomes
