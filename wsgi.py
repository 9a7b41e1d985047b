"""WSGI entry point: `gunicorn wsgi:app`."""
from fraudwatch import create_app

app = create_app()
