"""Pacemaker CIB rendering (pure): a cluster of the model in, the CIB out - as an lxml
element (``cib_document``, what ``nfvd-ha plan`` merges into the live CIB) or as the text of
a cib.xml file (``render_cib``, what ``nfvd-ha render`` writes)."""

from .cib import cib_document, render_cib  # noqa: F401
