"""Stored XSS has no sink: no template marks data safe, no script writes HTML, no inline script for the CSP."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
SCRIPTS = sorted(p for p in (ROOT / "static").rglob("*.js") if ".min." not in p.name)
JS_SINKS = re.compile(r"\.innerHTML\s*[+]?=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|"
                      r"new Function\(|setTimeout\(\s*['\"]")
TEMPLATE_SINKS = re.compile(r"\|\s*safe\b|Markup\(|autoescape\s+false")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_scripts_never_write_html_from_strings(path):
    found = JS_SINKS.findall(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name} uses {found}: use textContent / createElement"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_escape_everything_and_carry_no_inline_script(path):
    text = path.read_text(encoding="utf-8")
    assert not TEMPLATE_SINKS.findall(text)
    assert not INLINE_SCRIPT.findall(text), "the CSP (script-src 'self') would block it"
    assert not INLINE_HANDLER.findall(text), "the CSP (script-src 'self') would block it"
