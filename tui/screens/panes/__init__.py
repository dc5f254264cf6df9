"""The wizard's content panes, one per group of guide steps (A1–A7, A8, A9–A11 …, Summary)."""
