"""Mail: what is written (notifications), kept in the outbox (outbox) and sent
(delivery); reminders, mailouts to an audience (mailouts, mailings, follow_up,
event_notices), calendar invitations and certificates; personal links kept out of
what anyone else sees (personal_links).

Each domain's background work is in its tasks.py, beside its services.
"""
