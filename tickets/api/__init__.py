"""The tickets app's REST API (``/api/v1/``): thin DRF views over ``tickets.services`` (writes) and
``tickets.selectors`` (reads), one module per resource family."""
