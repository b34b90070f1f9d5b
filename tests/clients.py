"""A Django test client logged in as a user, answering errors as pages (no exception raised into the test)."""

from django.test import Client


def page(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client
