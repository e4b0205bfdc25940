"""Project tooling: benchmarks, evaluations and model training (python -m tools.…)."""
