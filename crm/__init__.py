"""Pacemaker CIB rendering (pure: model in, lxml out)."""

from .cib import render_cib  # noqa: F401
