"""Benchmarks: `python -m bench` measures the bot side by side with its references in one run."""
