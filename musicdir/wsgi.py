"""WSGI entry point, used by gunicorn (`musicdir.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "musicdir.settings")

application = get_wsgi_application()
