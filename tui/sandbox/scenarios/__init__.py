"""Shipped tenant scenarios (``*.toml``), one per classic setup state or mistake."""
