"""Webhooks: signed notifications to the receivers organisers register.

Each domain's background work is in its tasks.py, beside its services.
"""
