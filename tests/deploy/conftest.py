"""The deploy files as the tests read them: render.yaml's blueprint, and gunicorn.conf.py loaded with a given
environment."""
import runpy
from types import SimpleNamespace

import pytest
import yaml

from .deploy_files import ROOT


@pytest.fixture(scope="module")
def blueprint():
    return yaml.safe_load((ROOT / "render.yaml").read_text())


@pytest.fixture(scope="module")
def gunicorn_conf():
    def load(**env):
        with pytest.MonkeyPatch.context() as patch:
            for key in ("WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "PORT", "GUNICORN_BIND", "GUNICORN_PRELOAD"):
                patch.delenv(key, raising=False)
            for key, value in env.items():
                patch.setenv(key, value)
            return SimpleNamespace(**runpy.run_path(str(ROOT / "gunicorn.conf.py")))

    return load
