"""requirements.txt pins everything a deploy installs."""
import re

from .deploy_files import ROOT


def _pins():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()] = (version, name.partition("[")[2].rstrip("]"))
    return pins


def test_requirements_pin_everything_a_deploy_installs():
    """Render runs `pip install -r requirements.txt`: every package that pulls in, not just the direct ones, is
    pinned, so production gets the versions the tests ran with."""
    from importlib.metadata import distribution

    from packaging.requirements import Requirement

    pins, missing = _pins(), []
    for name, (_version, extras) in pins.items():
        for spec in distribution(name).requires or []:
            requirement = Requirement(spec)
            wanted = [{"extra": extra} for extra in extras.split(",") if extra] or [{"extra": ""}]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in wanted):
                continue
            if re.sub(r"[-_.]+", "-", requirement.name).lower() not in pins:
                missing.append(f"{name} needs {requirement.name}")
    assert missing == []
