"""The migrations build the schema, have one head, and the models never drift from them; `flask db` runs them."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from lucine_chatbot.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_have_a_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_models_do_not_drift_from_the_migrated_database(app):
    connection = db.session.connection()
    diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_migrated_database_has_every_table(app):
    names = set(db.inspect(db.session.connection()).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= names
    assert "alembic_version" in names


@pytest.mark.real_db
def test_db_check_command_reports_no_drift(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def _cli_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "FLASK_", "REDIS_"))}
    env.update(APP_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
               LUCINE_INSTANCE_PATH=str(tmp_path / "instance"))
    return env


def _flask(tmp_path, *args):
    """`python -m flask --app wsgi …` as Render's pre-deploy step runs it, on a SQLite file of its own."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=_cli_env(tmp_path),
                          capture_output=True, text=True, timeout=120)


def test_flask_db_runs_flask_migrates_commands_with_their_options(tmp_path):
    upgraded = _flask(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    current = _flask(tmp_path, "db", "-x", "unused=1", "current")  # the group's own options reach Flask-Migrate
    assert current.returncode == 0, current.stderr
    assert "(head)" in current.stdout
    assert "upgrade" in _flask(tmp_path, "db", "--help").stdout


def test_other_commands_never_load_alembic(tmp_path):
    """The RQ worker runs under `flask`: binding Flask-Migrate in create_app cost it Alembic and Mako."""
    script = ("import sys; from flask.cli import main; sys.argv = ['flask', '--app', 'wsgi', 'routes']\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in ('alembic', 'mako', 'flask_migrate') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=_cli_env(tmp_path), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
