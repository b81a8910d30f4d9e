"""render.yaml wires the whole system, and the database connection budget fits Render's limit."""
import pytest

from config import ProductionConfig

from .deploy_files import RENDER_CONNECTION_LIMIT, RESERVED_BY_POSTGRES, env_of, service


def test_blueprint_has_a_web_service_a_worker_a_key_value_and_a_database(blueprint):
    kinds = sorted(s["type"] for s in blueprint["services"])
    assert kinds == ["keyvalue", "web", "worker"]
    assert [db["plan"] for db in blueprint["databases"]] == ["basic-256mb"]


def test_everything_runs_in_frankfurt(blueprint):
    regions = {s["region"] for s in blueprint["services"]} | {d["region"] for d in blueprint["databases"]}
    assert regions == {"frankfurt"}


def test_web_service_runs_gunicorn_checks_health_and_migrates_then_seeds_before_deploy(blueprint):
    web = service(blueprint, "web")
    assert web["runtime"] == "python"
    assert web["startCommand"] == "gunicorn -c gunicorn.conf.py wsgi:app"
    assert web["healthCheckPath"] == "/api/health"
    assert web["preDeployCommand"] == "flask --app wsgi db upgrade && flask --app wsgi seed"


def test_worker_runs_the_rq_worker_and_may_finish_its_job_on_shutdown(blueprint):
    worker = service(blueprint, "worker")
    assert worker["startCommand"] == "flask --app wsgi worker"
    from lucine_chatbot.jobs.ai_reply import generate_reply

    assert generate_reply.job_options.timeout < worker["maxShutdownDelaySeconds"] <= 300


def test_key_value_never_evicts_and_accepts_only_internal_connections(blueprint):
    kv = service(blueprint, "keyvalue")
    assert kv["maxmemoryPolicy"] == "noeviction"
    assert kv["ipAllowList"] == []


@pytest.mark.parametrize("kind", ["web", "worker"])
def test_both_services_pin_python_and_run_in_production(blueprint, kind):
    env = env_of(service(blueprint, kind), blueprint)
    assert env["PYTHON_VERSION"]["value"] == "3.11.7"
    assert env["APP_ENV"]["value"] == "production"
    assert env["TRUSTED_PROXY_HOPS"]["value"] == "1"


@pytest.mark.parametrize("kind", ["web", "worker"])
def test_both_services_reach_the_database_and_key_value_of_the_blueprint(blueprint, kind):
    env = env_of(service(blueprint, kind), blueprint)
    assert env["DATABASE_URL"]["fromDatabase"] == {"name": "lucine-db", "property": "connectionString"}
    assert env["REDIS_URL"]["fromService"] == {"type": "keyvalue", "name": "lucine-kv",
                                               "property": "connectionString"}
    assert blueprint["databases"][0]["name"] == "lucine-db"
    assert service(blueprint, "keyvalue")["name"] == "lucine-kv"


def test_web_and_worker_share_the_same_generated_secrets(blueprint):
    web_env = env_of(service(blueprint, "web"), blueprint)
    worker_env = env_of(service(blueprint, "worker"), blueprint)
    for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
        assert web_env[key] == {"key": key, "generateValue": True}
        assert worker_env[key] is web_env[key]  # one definition, in the shared group


def test_envvar_groups_hold_only_what_render_allows_in_a_group(blueprint):
    for group in blueprint["envVarGroups"]:
        for var in group["envVars"]:
            assert set(var) <= {"key", "value", "generateValue"}, var


def test_deployer_is_asked_for_the_openai_key_and_admin_password_and_never_commits_them(blueprint):
    web_env = env_of(service(blueprint, "web"), blueprint)
    for key in ("OPENAI_API_KEY", "ADMIN_PASSWORD", "PUBLIC_BASE_URL"):
        assert web_env[key] == {"key": key, "sync": False}


def test_worker_reads_the_openai_key_and_public_url_the_deployer_gave_the_web_service(blueprint):
    worker_env = env_of(service(blueprint, "worker"), blueprint)
    for key in ("OPENAI_API_KEY", "PUBLIC_BASE_URL"):
        assert worker_env[key]["fromService"] == {"type": "web", "name": "lucine-chatbot", "envVarKey": key}


def test_cors_lets_the_shop_call_the_visitor_api(blueprint):
    origins = env_of(service(blueprint, "web"), blueprint)["CORS_ORIGINS"]["value"].split(",")
    assert "https://lucinedinatale.it" in origins
    assert all(origin.startswith("https://") and not origin.endswith("/") for origin in origins)


def test_no_secret_value_is_written_in_the_blueprint(blueprint):
    secrets = ("SECRET_KEY", "JWT_SECRET_KEY", "OPENAI_API_KEY", "ADMIN_PASSWORD", "SMTP_PASSWORD",
               "TWILIO_AUTH_TOKEN", "WEBHOOK_SECRET")
    for kind in ("web", "worker"):
        env = env_of(service(blueprint, kind), blueprint)
        assert not [key for key in secrets if "value" in env.get(key, {})]


def test_database_connections_fit_the_plan_limit_even_while_a_deploy_overlaps(blueprint):
    web_env = env_of(service(blueprint, "web"), blueprint)
    options = ProductionConfig.SQLALCHEMY_ENGINE_OPTIONS
    per_process = options["pool_size"] + options["max_overflow"]
    web = int(web_env["WEB_CONCURRENCY"]["value"]) * per_process
    worker_env = env_of(service(blueprint, "worker"), blueprint)
    # one worker process (its jobs run in threads: no work-horse, no scheduler process), with its own pool
    worker = int(worker_env["DB_POOL_SIZE"]["value"]) + int(worker_env["DB_MAX_OVERFLOW"]["value"])
    assert worker <= int(worker_env["AI_CONCURRENCY"]["value"]), "no more connections than job threads"
    pre_deploy = per_process
    during_deploy = 2 * (web + worker) + pre_deploy  # old and new instances run side by side for a moment
    assert during_deploy <= RENDER_CONNECTION_LIMIT - RESERVED_BY_POSTGRES
