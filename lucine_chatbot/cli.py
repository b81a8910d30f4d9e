"""Flask CLI commands: thin wrappers over services and jobs."""
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from lucine_chatbot.extensions import db
from lucine_chatbot.models import Role

DEMO_CREDENTIALS_FILE = "demo-credentials.txt"
MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent.parent / "migrations"


def attach_migrations(app):
    """Bind Flask-Migrate to the app (once), which imports Alembic and Mako: only where migrations run."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS_DIRECTORY))
    return app.extensions["migrate"]


class MigrationsGroup(click.Group):
    """`flask db …`: Flask-Migrate's command group, imported when it runs. Binding Flask-Migrate in create_app
    would load Alembic and Mako (~4–8 MB) into every process the `flask` command starts, the RQ worker
    included, which never migrates (Render runs `flask --app wsgi db upgrade` before each deploy)."""

    @staticmethod
    def _migrate_group(ctx):
        attach_migrations(ctx.ensure_object(ScriptInfo).load_app())
        from flask_migrate.cli import db as group

        return group

    def make_context(self, info_name, args, parent=None, **extra):
        # Flask-Migrate's own group parses the arguments and runs: its options (-d, -x) and callback included.
        group = self._migrate_group(parent or click.get_current_context())
        return group.make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._migrate_group(ctx).list_commands(ctx)

    def get_command(self, ctx, name):
        return self._migrate_group(ctx).get_command(ctx, name)


migrations_group = MigrationsGroup("db", help="Perform database migrations (Flask-Migrate / Alembic).")


@click.command("seed")
@with_appcontext
def seed_command():
    """Load the knowledge base, automated texts, calendar, and the admin from ADMIN_USERNAME/ADMIN_PASSWORD."""
    from lucine_chatbot.seed import seed_all

    username, password = current_app.config["ADMIN_USERNAME"], current_app.config["ADMIN_PASSWORD"]
    if not password:
        click.echo("ADMIN_PASSWORD is not set: no admin account created.", err=True)
    result = seed_all(username, password or None)
    click.echo(f"Seeded: {result['knowledgeItems']} knowledge items, {result['automatedTexts']} automated texts, "
               f"calendar {'added' if result['calendar'] else 'kept'}, "
               f"admin {'created' if result['adminCreated'] else 'unchanged'}.")


@click.command("create-operator")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default=None)
@click.option("--email", default=None)
@click.option("--admin", is_flag=True, help="Give the operator the ADMIN role.")
@with_appcontext
def create_operator_command(username, password, name, email, admin):
    """Create an operator account."""
    from lucine_chatbot.operators.accounts import create_operator
    from lucine_chatbot.platform.errors import ApiError

    try:
        create_operator(username, password, name=name, email=email, role=Role.ADMIN if admin else Role.OPERATOR)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"Operator {username} created{' (admin)' if admin else ''}.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker_command(burst):
    """Run an RQ worker (queues ai, default) with RQ's scheduler, jobs in this process and the app context."""
    from lucine_chatbot.jobs.worker import run_worker

    if not current_app.config["REDIS_URL"]:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inside the web process.")
    run_worker(current_app._get_current_object(), burst=burst)


@click.command("sweep")
@with_appcontext
def sweep_command():
    """Run one timeout/SLA pass now (for cron and tests)."""
    from lucine_chatbot.chats.sweep import sweep

    click.echo(f"Sweep: {sweep()}")


@click.command("eval-assistant")
@click.option("--provider", type=click.Choice(["offline", "openai"]), default="offline", show_default=True)
@click.option("--cases", "cases_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The evaluation set (default: tests/data/assistant_eval.json).")
@click.option("--split", type=click.Choice(["tune", "held"]), default=None, help="Only the cases of one split.")
@with_appcontext
def eval_assistant_command(provider, cases_path, split):
    """Ask the assistant the evaluation set; print accuracy per kind and language, the misses, the language share."""
    from lucine_chatbot.assistant import evaluation

    if provider == "openai" and not current_app.config.get("OPENAI_API_KEY"):
        raise click.ClickException("OPENAI_API_KEY is not set: the openai provider cannot be evaluated.")
    cases, now = evaluation.load(cases_path)
    cases = [case for case in cases if split is None or case.get("split") == split]
    click.echo(evaluation.report(evaluation.run(cases, now, provider), provider))


def prepare_embedded(app):
    """The newcomer's first `flask run`: database migrated, content seeded, demo logins printed, sweep thread."""
    from lucine_chatbot.jobs.schedule import periodic_jobs
    from lucine_chatbot.platform import dispatch
    from lucine_chatbot.seed import seed_all

    attach_migrations(app)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        username, password, operator_password = demo_credentials(app)
        seed_all(username, password)
        ensure_demo_operator(operator_password)
    base = served_at()
    click.echo(
        "\n  Lucine Chatbot is ready.\n"
        f"  Demo shop with the widget: {base}/demo\n"
        f"  Operator dashboard:       {base}/dashboard/login\n"
        f"  Admin login:    {username} / {password}\n"
        f"  Operator login: operatore / {operator_password}\n"
        f"  (kept in {Path(app.instance_path) / DEMO_CREDENTIALS_FILE})\n")
    if dispatch.mode(app) == "inline":
        dispatch.start_inline_scheduler(app, periodic_jobs(app.config))


def served_at():
    """Where `flask run` listens, from its own options (`--host`, `--port`, FLASK_RUN_PORT)."""
    context = click.get_current_context(silent=True)
    params = context.params if context is not None else {}
    host = params.get("host") or "127.0.0.1"
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "localhost") else host
    return f"http://{host}:{params.get('port') or 5000}"


def demo_credentials(app):
    """ADMIN_PASSWORD if given, else passwords generated once for this checkout and kept in instance/."""
    path = Path(app.instance_path) / DEMO_CREDENTIALS_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{secrets.token_urlsafe(9)}\n{secrets.token_urlsafe(9)}\n")
        path.chmod(0o600)
    admin_password, operator_password = path.read_text().split()[:2]
    return app.config["ADMIN_USERNAME"], app.config["ADMIN_PASSWORD"] or admin_password, operator_password


def ensure_demo_operator(password):
    from lucine_chatbot.models import Operator
    from lucine_chatbot.operators.accounts import create_operator

    if not db.session.query(Operator.id).filter_by(username="operatore").first():
        create_operator("operatore", password, name="Operatore Demo", display_name="Giulia")
        db.session.commit()


def init_app(app):
    for command in (seed_command, create_operator_command, worker_command, sweep_command, eval_assistant_command,
                    migrations_group):
        app.cli.add_command(command)
