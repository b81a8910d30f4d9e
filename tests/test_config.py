"""Configuration: environments, production's fail-fast, DATABASE_URL normalisation."""
import pytest

from config import ConfigError, load_config, normalise_database_url
from lucine_chatbot.app import create_app


def test_production_refuses_to_start_without_secrets_and_names_them(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY and JWT_SECRET_KEY"):
        load_config("production", env={}, instance_path=tmp_path)


def test_production_names_the_one_missing_secret(tmp_path):
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY") as excinfo:
        load_config("production", env={"SECRET_KEY": "s" * 40}, instance_path=tmp_path)
    assert "SECRET_KEY and" not in str(excinfo.value)


def test_production_starts_with_secrets_and_never_debugs(tmp_path):
    settings = load_config("production", env={"SECRET_KEY": "a" * 40, "JWT_SECRET_KEY": "b" * 40},
                           instance_path=tmp_path)
    assert settings["DEBUG"] is False and settings["JWT_COOKIE_SECURE"] is True


def test_development_generates_secrets_once_in_the_instance_folder(tmp_path):
    first = load_config("development", env={}, instance_path=tmp_path)
    second = load_config("development", env={}, instance_path=tmp_path)
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) >= 40


def test_unknown_app_env_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="APP_ENV"):
        load_config("staging", env={}, instance_path=tmp_path)


@pytest.mark.parametrize("url, expected", [
    ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
    ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_url_from_render_is_normalised(url, expected):
    assert normalise_database_url(url) == expected


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    settings = load_config("development", env={}, instance_path=tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lucine.sqlite3'}"


def test_every_spec_number_is_overridable_from_the_environment(tmp_path):
    env = {"SWEEP_INTERVAL_SECONDS": "5", "MAX_CHATS_PER_OPERATOR": "2", "CORS_ORIGINS": "https://a.it, https://b.it",
           "RATE_LIMIT_CHAT": "3/minute", "SMTP_STARTTLS": "false", "AI_TEMPERATURE": "0.1"}
    settings = load_config("development", env=env, instance_path=tmp_path)
    assert settings["SWEEP_INTERVAL_SECONDS"] == 5 and settings["MAX_CHATS_PER_OPERATOR"] == 2
    assert settings["CORS_ORIGINS"] == ["https://a.it", "https://b.it"]
    assert settings["RATE_LIMIT_CHAT"] == "3/minute" and settings["SMTP_STARTTLS"] is False
    assert settings["AI_TEMPERATURE"] == 0.1


def test_a_non_integer_setting_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="IDLE_AFTER_SECONDS"):
        load_config("development", env={"IDLE_AFTER_SECONDS": "ten"}, instance_path=tmp_path)


def test_redis_url_moves_rate_limits_to_redis(tmp_path):
    settings = load_config("development", env={"REDIS_URL": "redis://127.0.0.1:6379/3"}, instance_path=tmp_path)
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_creating_the_app_does_not_connect_to_anything(tmp_path):
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/x",
                      "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert app.config["APP_ENV"] == "testing"


def test_gunicorn_without_app_env_refuses_to_start_with_development_settings(tmp_path):
    with pytest.raises(ConfigError, match="APP_ENV is not set and gunicorn is serving"):
        load_config(env={"SERVER_SOFTWARE": "gunicorn/23.0.0"}, instance_path=tmp_path)


def test_gunicorn_serves_development_settings_when_asked_to_by_name(tmp_path):
    env = {"SERVER_SOFTWARE": "gunicorn/23.0.0", "APP_ENV": "development"}
    assert load_config(env=env, instance_path=tmp_path)["APP_ENV"] == "development"


def test_without_gunicorn_a_missing_app_env_is_development_for_newcomers(tmp_path):
    assert load_config(env={}, instance_path=tmp_path)["APP_ENV"] == "development"
    assert load_config(env={"SERVER_SOFTWARE": "Werkzeug/3.1"}, instance_path=tmp_path)["APP_ENV"] == "development"
