"""Entry point for a WSGI server: `gunicorn wsgi:app`."""

from app import create_app

app = create_app()
