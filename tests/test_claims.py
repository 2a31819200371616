"""The one backoff both outboxes use (app/services/claims.py): the mail outbox doubles its
wait, the webhooks follow their steps and then give up."""

from __future__ import annotations

from datetime import timedelta

from app.database import utcnow
from app.models import MessageStatus, WebhookDeliveryStatus
from app.services.mail import delivery
from app.services.webhooks import webhooks

MINUTE = timedelta(minutes=1)
NOW = utcnow()


def test_mail_waits_1_2_4_minutes_and_at_most_2_hours_until_its_attempts_run_out():
    waits = [delivery.OUTBOX.after_failure(n, NOW, max_attempts=20) for n in range(1, 12)]
    assert [values["next_attempt_dt"] - NOW for values in waits] == [
        *(MINUTE * 2**n for n in range(7)),  # 1 ... 64 minutes
        *[timedelta(hours=2)] * 4,
    ]
    assert {values["status"] for values in waits} == {MessageStatus.QUEUED}
    assert delivery.OUTBOX.after_failure(20, NOW, max_attempts=20)["status"] == MessageStatus.FAILED
    refused = delivery.OUTBOX.after_failure(1, NOW, max_attempts=20, permanent=True)
    assert refused == {"status": MessageStatus.FAILED, "claimed_until_dt": None}


def test_webhooks_follow_their_steps_then_give_up():
    waits = [webhooks.OUTBOX.after_failure(n, NOW, max_attempts=99) for n in range(1, 6)]
    assert [values["next_attempt_dt"] - NOW for values in waits] == list(webhooks.BACKOFF)
    assert webhooks.OUTBOX.after_failure(6, NOW, max_attempts=99)["status"] == WebhookDeliveryStatus.FAILED
    assert webhooks.OUTBOX.after_failure(3, NOW, max_attempts=3)["status"] == WebhookDeliveryStatus.FAILED
