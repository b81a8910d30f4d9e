"""axe-core, the accessibility engine (npm, pinned in tests/package.json), run inside the page under test:
every widget state and dashboard page the browser tests reach must have zero WCAG 2.2 A/AA violations."""
import shutil
import subprocess
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
AXE = TESTS / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Finite animations (a bubble fading in) are run to their end first: axe measures contrast as it is now.
RUN = """(tags) => Promise.all(document.getAnimations()
    .filter((a) => a.effect && a.effect.getComputedTiming().iterations !== Infinity).map((a) => a.finish()))
  .then(() => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': ' + n.failureSummary.replace(/\\s+/g, ' '))}))))"""


def axe_source():
    """The engine's source; installed from the lock file (`npm ci --prefix tests`) when it is not there yet."""
    if not AXE.exists():
        if shutil.which("npm") is None:
            pytest.fail("axe-core is missing and npm is not installed: install Node.js, then npm ci --prefix tests")
        subprocess.run(["npm", "ci", "--prefix", str(TESTS), "--no-audit", "--no-fund"], check=True,
                       capture_output=True, timeout=300)
    return AXE.read_text(encoding="utf-8")


def violations(page, source):
    """axe's WCAG A/AA violations on the page as it is now. The source is evaluated through the DevTools
    protocol, which the dashboard's CSP (script-src 'self') does not apply to."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    return page.evaluate(RUN, WCAG_A_AA)


def describe(state, found):
    lines = [f"axe-core: {len(found)} WCAG A/AA violation(s) on {state}:"]
    for violation in found:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node}" for node in violation["nodes"])
    return "\n".join(lines)
