import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
application = get_wsgi_application()

# What is loaded by now (Django, the apps, their modules and models) lives as long as the process: moved out of the
# cyclic garbage collector's reach (Python's documented gc.freeze()), its full collections no longer walk those
# objects again and again while requests are served. Nothing is disabled: the objects requests create are
# collected as before.
gc.freeze()
