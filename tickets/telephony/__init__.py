"""Adapters from a switch's own event interface to ``POST /api/v1/calls/events/`` (``tickets.services.call_event``)."""
