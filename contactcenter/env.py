"""Strict parsing of environment variables.

A typo in production configuration must stop the process at start-up with a clear message,
not silently fall back to a default (``DEBUG=flase`` is an error, not ``False``).
"""

import json
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_UNSET = object()


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None | object = _UNSET) -> str | None:
    value = _raw(name)
    if value is not None:
        return value
    if default is _UNSET:
        raise ImproperlyConfigured(f"Environment variable {name} is required")
    return default  # type: ignore[return-value]


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use one of {sorted(_TRUE | _FALSE)})")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"{name}={number} is outside [{minimum}, {maximum}]")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_json_object(name: str) -> dict:
    """A JSON object (``{}`` when unset); invalid JSON or another JSON type is a configuration error."""
    value = _raw(name)
    if value is None:
        return {}
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured(f'{name} must be a JSON object, e.g. {{"visibility_timeout": 600}}')
    return parsed


# channels-redis waits for a message with a blocking Redis read of up to 5 s; redis-py's default socket timeout is
# 5 s too, so an idle layer's read times out first (the live process stops hearing the bell, consumers drop their
# sockets). The sockets wait longer than any blocking read; ?socket_timeout= in the URL wins.
CHANNEL_LAYER_SOCKET_TIMEOUT = 30


def channel_layers(url: str) -> dict:
    """``CHANNEL_LAYERS`` for ``CHANNEL_LAYER_URL``: Redis (channels-redis) when set, else each process's memory."""
    if not url:
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {
        "hosts": [{"address": url, "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT}]}}}
