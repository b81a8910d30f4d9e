"""The RQ worker loads what jobs need before it forks, and the OpenAI client is built once per process."""
import sys

import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.jobs import worker
from lucine_chatbot.services import knowledge
from lucine_chatbot.services.assistant import openai_provider


@pytest.fixture
def openai_settings(app):
    saved = {key: app.config[key] for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    app.config.update(OPENAI_API_KEY="test-key", OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    openai_provider._client.cache_clear()
    yield app.config
    app.config.update(saved)
    openai_provider._client.cache_clear()


def test_openai_client_is_built_once_per_process_and_settings(openai_settings):
    first = openai_provider.client()
    assert openai_provider.client() is first
    openai_settings["OPENAI_BASE_URL"] = "http://127.0.0.1:10/v1"
    assert openai_provider.client() is not first


def test_warm_up_builds_no_client_without_an_api_key(app):
    openai_provider._client.cache_clear()
    openai_provider.warm_up()
    assert openai_provider._client.cache_info().currsize == 0


@pytest.mark.real_db
def test_worker_preloads_the_sdk_jobs_and_knowledge_index_and_keeps_no_connection(app, openai_settings, make):
    knowledge._cache.update(stamp=None, indexes={})
    worker.preload(app)
    assert "openai" in sys.modules and "lucine_chatbot.jobs.ai_reply" in sys.modules
    assert openai_provider._client.cache_info().currsize == 1
    assert knowledge._cache["stamp"] is not None
    assert db.engine.pool.checkedout() == 0 and db.engine.pool.checkedin() == 0
