"""The cluster definition: one TOML file describing the NFVD platform's clusters and LB."""

from .load import load_definition, load_text  # noqa: F401
