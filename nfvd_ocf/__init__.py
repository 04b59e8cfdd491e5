"""A small OCF 1.1 runtime for resource agents written in Python.

Kept light on purpose: agents run every few seconds on every node, so nothing here
imports lxml, click or sh. Only the standard library, and only what an action needs.
"""
