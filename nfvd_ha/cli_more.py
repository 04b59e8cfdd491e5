"""Commands registered on the main group (kept apart so cli.py stays small)."""
