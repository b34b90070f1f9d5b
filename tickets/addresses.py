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


# The community (小区) or compound of an address: up to the first community marker, else up to the street number.
_COMMUNITY = re.compile(r"^(.*?(?:小区|花园|家园|新村|社区|公寓|大厦|广场|苑|村))")
_NUMBER_FIRST = re.compile(r"^(.*?\d+号)")
MIN_COMMUNITY = 4


def community_of(address: str) -> str:
    """The community an address belongs to (示范市幸福小区5号楼302 → 示范市幸福小区;
    示范市中山路1号3栋 → 示范市中山路1号): where a surge of repair calls is counted (``selectors.surges``), and the area
    term of the notice it proposes."""
    address = (address or "").strip()
    match = _COMMUNITY.match(address) or _NUMBER_FIRST.match(address)
    community = match.group(1) if match else ""
    return community if len(community) >= MIN_COMMUNITY else ""
