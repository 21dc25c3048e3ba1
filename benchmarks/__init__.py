"""Benchmarks: `python -m benchmarks` runs every module here; `python -m benchmarks.NAME` runs one."""
