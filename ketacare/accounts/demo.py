"""The demo clinic's one password (a synthetic demo, never a real installation's)."""

DEMO_PASSWORD = "ketacare-demo"
