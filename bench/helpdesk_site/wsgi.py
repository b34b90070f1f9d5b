"""WSGI entry point for gunicorn: ``gunicorn bench.helpdesk_site.wsgi`` from the repository root."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.helpdesk_site.settings")
application = get_wsgi_application()
