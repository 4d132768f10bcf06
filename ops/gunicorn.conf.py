"""gunicorn settings for red-property (``gunicorn -c ops/gunicorn.conf.py wsgi:app``).

Threads per worker because requests wait on PostgreSQL far more than they
compute; nginx in front handles slow clients and TLS.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 60          # PDF batches run as jobs, never in a request
graceful_timeout = 30
keepalive = 5
max_requests = 5000   # recycle workers to bound memory growth
max_requests_jitter = 500
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Import the app once in the master: workers fork with its code, templates and translations
# already loaded (shared copy-on-write), so each starts at once and a recycled one
# (max_requests) costs nothing to bring back.
preload_app = True


def post_fork(server, worker):
    """A forked worker opens its own database connections: a socket the master opened
    (none should be, but a pool is per process) is dropped without being closed."""
    from red_property.extensions import db
    from wsgi import app

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
