"""Attendance: participant reports read (participant_reports), matched and imported
(attendance), check-in at the door.

Each domain's background work is in its tasks.py, beside its services.
"""
