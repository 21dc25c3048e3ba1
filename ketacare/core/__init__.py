"""Project-wide commands and tests: what belongs to no single app (docs/decisions.md #24)."""
