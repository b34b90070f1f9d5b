"""The rule tests use both the KPI helpers (``hotline``, one level up) and the duty room of the shift tests."""

from tests.shifts.conftest import agent3, duty, lead2  # noqa: F401  (fixtures)
