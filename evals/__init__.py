"""Evaluation harness and benchmarks (installed as advisor.evals)."""
