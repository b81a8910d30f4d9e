"""The migrations build the schema, have one head, and the models never drift from them."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
import pytest

from lucine_chatbot.extensions import db


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
