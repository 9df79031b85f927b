"""Benchmarks of the register service and its audit log; `make bench` runs them (bench/run.py)."""
