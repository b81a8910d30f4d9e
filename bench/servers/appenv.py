"""The Python the app's processes run with: a virtualenv holding exactly requirements.txt, as Render builds it.

A development environment carries more than production installs (pytest, Playwright, and whatever the machine
had before), and some of it changes what the app loads: PyJWT imports `cryptography` whenever it is installed
(+8 MB in a web worker, +18 MB in the RQ worker here) though requirements.txt never installs it. Measuring
memory there would measure the workstation, not the deploy. The harness itself (wrk driver, psutil,
database checks) keeps running in the current environment.
"""
import hashlib
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements.txt"
VENVS = ROOT / ".bench-venv"
COMPLETE = ".complete"  # written last: a venv without it is a half-finished install and is made again


def venv_dir(requirements=REQUIREMENTS, root=VENVS, python_version=None):
    """One virtualenv per (requirements.txt content, Python version): a change to either makes a new one."""
    key = hashlib.sha256(Path(requirements).read_bytes())
    key.update((python_version or platform.python_version()).encode())
    return Path(root) / key.hexdigest()[:16]


def production_python(requirements=REQUIREMENTS, root=VENVS, log=print):
    """The interpreter of the virtualenv for requirements.txt, made on first use (pip, ~30 s from its cache)."""
    venv = venv_dir(requirements, root)
    python = venv / "bin" / "python"
    if (venv / COMPLETE).exists() and python.exists():
        return str(python)
    log(f"making the production virtualenv {venv.relative_to(ROOT) if venv.is_relative_to(ROOT) else venv} "
        "from requirements.txt")
    _run([sys.executable, "-m", "venv", "--clear", str(venv)])
    _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)])
    (venv / COMPLETE).write_text(Path(requirements).read_text())
    for stale in Path(root).iterdir():  # made for requirements or a Python that are no longer these
        if stale.is_dir() and stale != venv:
            shutil.rmtree(stale, ignore_errors=True)
    return str(python)


def _run(argv):
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
