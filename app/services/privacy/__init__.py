"""Privacy: a person's own data downloaded, erased, and retention applied.

Each domain's background work is in its tasks.py, beside its services.
"""
