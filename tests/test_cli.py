"""CLI commands: seed (idempotent), create-operator, sweep, worker's refusal without Redis."""
from lucine_chatbot.content import knowledge
from lucine_chatbot.extensions import db
from lucine_chatbot.models import AutomatedText, KnowledgeItem, Operator, Role, SystemState


def test_seed_loads_content_and_the_admin_idempotently(app, runner):
    app.config.update(ADMIN_USERNAME="boss", ADMIN_PASSWORD="a-long-password")
    try:
        first = runner.invoke(args=["seed"])
        second = runner.invoke(args=["seed"])
    finally:
        app.config.update(ADMIN_USERNAME="admin", ADMIN_PASSWORD="")
    assert first.exit_code == 0 and "admin created" in first.output
    assert "0 knowledge items" in second.output and "admin unchanged" in second.output
    items = len(knowledge.shipped_items())
    assert db.session.query(KnowledgeItem).count() == items * 3
    assert db.session.query(AutomatedText).count() > 0
    assert db.session.get(SystemState, "calendar").value["season"]["start"] == "2025-12-06"
    assert db.session.query(Operator).filter_by(username="boss").one().role == Role.ADMIN


def test_seed_keeps_an_admins_edit(runner):
    runner.invoke(args=["seed"])
    item = db.session.query(KnowledgeItem).first()
    item.answer = "Edited by an admin"
    db.session.commit()
    runner.invoke(args=["seed"])
    assert db.session.get(KnowledgeItem, item.id).answer == "Edited by an admin"


def test_create_operator_command(runner):
    result = runner.invoke(args=["create-operator", "giulia", "--password", "sufficiently-long", "--admin"])
    assert result.exit_code == 0, result.output
    assert db.session.query(Operator).filter_by(username="giulia").one().role == Role.ADMIN


def test_create_operator_refuses_a_short_password_and_a_taken_name(runner):
    assert runner.invoke(args=["create-operator", "x", "--password", "short"]).exit_code != 0
    runner.invoke(args=["create-operator", "marco", "--password", "sufficiently-long"])
    result = runner.invoke(args=["create-operator", "Marco", "--password", "sufficiently-long"])
    assert result.exit_code != 0 and "taken" in result.output


def test_sweep_command_runs_one_pass(runner):
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0 and "mark_idle" in result.output


def test_worker_command_explains_it_needs_redis(app, runner):
    if app.config["REDIS_URL"]:
        return
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output


def test_the_ready_banner_names_where_flask_run_listens():
    import click

    from lucine_chatbot.cli import served_at

    assert served_at() == "http://127.0.0.1:5000"  # no `flask run` options: its defaults
    with click.Context(click.Command("run")) as context:
        context.params = {"host": "0.0.0.0", "port": 8080}
        assert served_at() == "http://127.0.0.1:8080"
        context.params = {"host": "192.168.1.20", "port": 5001}
        assert served_at() == "http://192.168.1.20:5001"
