r"""Where two addresses are "the same building" 同一栋楼, defined once (the console's repeat calls, the API's
``possible_duplicates``).

A Chinese address runs from the city down to the room: 示范市中山路1号 3栋 2单元 501. Its building is the address up to
the last building marker (栋 / 幢 / 号楼 / 座); without one, up to the street number (号) — the whole address is then
the building. The prefix is cut from the address as typed (``\d`` matches full-width digits too), so that the
database compares it with ``startswith``."""

import re

# The building: everything up to and including the last building marker, else the last street number.
_BUILDING = re.compile(r"^(.*?(?:栋|幢|号楼|座))(?!.*(?:栋|幢|号楼|座))")
_NUMBER = re.compile(r"^(.*\d+号)")
MIN_BUILDING = 4  # characters: a shorter prefix ("3栋") names no building in particular


def building_of(address: str) -> str:
    """The building part of an address; "" when the address names none."""
    address = (address or "").strip()
    match = _BUILDING.match(address) or _NUMBER.match(address)
    building = match.group(1) if match else ""
    return building if len(building) >= MIN_BUILDING else ""
