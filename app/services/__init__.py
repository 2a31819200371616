"""Business rules, as plain functions on model objects.

The web pages, the CLI and the job queue all call these; a rule lives in
exactly one of them.
"""
