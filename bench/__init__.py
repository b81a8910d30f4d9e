"""The load benchmark of the web tier and the AI pipeline: `python -m bench run [--quick]` (docs/performance.md)."""
