"""The ASGI entry point of the live service (``uvicorn contactcenter.asgi:application``): WebSockets under /ws/
(the pages' live updates, ``contactcenter.live``), signed in by the session cookie, from this site's pages only.
HTTP is answered too (the same Django), but production serves HTTP with gunicorn (WSGI): see the README."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
django_http = get_asgi_application()  # sets Django up before the consumers are imported

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from contactcenter.live_notifications import websocket_urlpatterns as notification_sockets  # noqa: E402
from kpi.live import websocket_urlpatterns as kpi_sockets  # noqa: E402
from tickets.live import websocket_urlpatterns as tickets_sockets  # noqa: E402


def serving(http) -> ProtocolTypeRouter:
    """HTTP answered by ``http``; WebSockets by the apps' live consumers, signed in by the session cookie, from this
    site's origins only (``ALLOWED_HOSTS``)."""
    return ProtocolTypeRouter({
        "http": http,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter([
            *tickets_sockets, *kpi_sockets, *notification_sockets]))),
    })


application = serving(django_http)

gc.freeze()  # what is loaded by now lives as long as the process: see contactcenter/wsgi.py
