"""The queue worker's entry point: `huey_consumer app.worker.huey`.

It loads every domain's tasks, so that the consumer knows them and runs the
periodic ones, and tells the queue how to build the app they run in.
"""

from . import create_app
from .queue import huey, run_tasks_in
from .services.attendance import tasks as attendance_tasks
from .services.integrations import tasks as integration_tasks
from .services.mail import tasks as mail_tasks
from .services.privacy import tasks as privacy_tasks
from .services.registration import tasks as registration_tasks
from .services.reporting import tasks as reporting_tasks
from .services.webhooks import tasks as webhook_tasks

run_tasks_in(create_app)

TASKS = (
    attendance_tasks,
    integration_tasks,
    mail_tasks,
    privacy_tasks,
    registration_tasks,
    reporting_tasks,
    webhook_tasks,
)
__all__ = ["TASKS", "huey"]
