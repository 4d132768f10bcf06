"""WSGI entry point: ``gunicorn -c ops/gunicorn.conf.py wsgi:app``."""
from red_property import create_app

app = create_app()
