"""Registration: the rules of taking a seat, the waiting list, approval,
cancellation and the public forms' stamps.

Each domain's background work is in its tasks.py, beside its services.
"""
