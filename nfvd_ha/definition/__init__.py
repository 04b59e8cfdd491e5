"""The cluster definition: one TOML file describing the NFVD platform's clusters and LB."""

import os

from .load import load_definition, load_text  # noqa: F401

#: the built-in reference definition (the guide's topology), shipped in the package
EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples",
                       "reference.toml")
