"""The live service (``contactcenter.asgi``: HTTP and WebSockets) under a real uvicorn, in a thread of the test
process — the test database is shared, as with pytest-django's ``live_server`` (which speaks WSGI only)."""

import socket
import threading
import time

import pytest
import uvicorn
from django.db import connections
from django.test import Client
from websockets.sync.client import connect


class LiveServer:
    """``contactcenter.asgi`` served by uvicorn in a thread of this process (the test database is shared)."""

    def __init__(self):
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
        from django.core.asgi import get_asgi_application

        from contactcenter.asgi import serving

        self.application = serving(ASGIStaticFilesHandler(get_asgi_application()))  # static files as runserver
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def socket(self, user=None, query: str = "", *, path: str = "/ws/console/"):
        headers = {"Origin": self.origin}
        if user is not None:
            client = Client()
            client.force_login(user)
            headers["Cookie"] = f"sessionid={client.cookies['sessionid'].value}"
        return connect(f"ws://127.0.0.1:{self.port}{path}{query}", additional_headers=headers,
                       open_timeout=5, close_timeout=1)

    def start(self):
        self.server = uvicorn.Server(uvicorn.Config(self.application, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="off", ws="websockets-sansio"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live_service(settings):
    """The live service on a free loopback port for the test (import the fixture into the test module)."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    # The server's threads close their database connections after each use (as with CONN_MAX_AGE=0): none is left
    # open when the test database is dropped at the end of the run.
    shared = connections["default"].settings_dict  # one dict for every thread's connection
    kept = shared.get("CONN_MAX_AGE", 0)
    shared["CONN_MAX_AGE"] = 0
    running = LiveServer()
    try:
        yield running
    finally:
        running.stop()
        shared["CONN_MAX_AGE"] = kept
