"""What the benchmark runs and measures: the app's virtualenv, the app stack, the bare ceiling view, the LLM stub."""
