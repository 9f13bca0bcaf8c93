"""Changsha's places as the pre-fill reads them: districts/county/county-level cities, their streets and towns
(街道/镇/乡), landmarks, and places outside the city (第13条(一)).

The data lives in `resources/gazetteer/changsha.json` (see its README). `Gazetteer.scan` finds place mentions
in compact text by longest match at each position, so a longer name hides the shorter alias inside it: 浏阳河街道
(开福区) is not 浏阳 (浏阳市), 望城坡 (岳麓区) is not 望城 (望城区), 芙蓉中路 is a road, not 芙蓉区. A landmark with no
district is exactly such a blocker (a river or a road through several districts).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from agent_desktop.core.errors import ConfigError
from agent_desktop.resources import read_json_file, resources_dir

GAZETTEER_SCHEMA_VERSION = 1
GAZETTEER_FILE = Path("gazetteer") / "changsha.json"


class PlaceKind(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    LANDMARK = "landmark"
    CITY = "city"  # 长沙 itself: says the matter is in the city, not where in it
    OUTSIDE = "outside"  # another city or province


@dataclass(frozen=True, slots=True)
class Place:
    kind: PlaceKind
    name: str  # the canonical name (岳麓区, 梅溪湖街道, 五一广场, 株洲)
    district: str | None
    street: str | None
    explicit: bool  # the full name was said (梅溪湖街道), not a bare alias (梅溪湖)


@dataclass(frozen=True, slots=True)
class Mention:
    place: Place
    start: int
    end: int


class Gazetteer:
    """Surface form → place, validated from the parsed resource file."""

    __slots__ = ("_forms", "_max_len", "_starts", "city", "districts", "streets_of")

    def __init__(self, data: Any, *, source: str = "gazetteer") -> None:
        if not isinstance(data, Mapping) or data.get("schema_version") != GAZETTEER_SCHEMA_VERSION:
            raise ConfigError(f"{source}: expected a gazetteer object with schema_version 1", code="bad_gazetteer")
        self.city: str = _text(data.get("city"), source, "city")
        self._forms: dict[str, Place] = {}
        self.districts: tuple[str, ...] = ()
        self.streets_of: dict[str, tuple[str, ...]] = {}
        districts = _list(data.get("districts"), source, "districts")
        for raw in districts:
            name = _text(_get(raw, "name", source), source, "districts[].name")
            self.districts += (name,)
            self._add(name, Place(PlaceKind.DISTRICT, name, name, None, True), source)
            for alias in _list(raw.get("aliases", []), source, f"{name}.aliases"):
                self._add(_text(alias, source, f"{name}.aliases"), Place(PlaceKind.DISTRICT, name, name, None, False),
                          source)
            streets = []
            for street in _list(raw.get("streets", []), source, f"{name}.streets"):
                street_name = _text(_get(street, "name", source), source, f"{name}.streets[].name")
                streets.append(street_name)
                self._add(street_name, Place(PlaceKind.STREET, street_name, name, street_name, True), source)
                for alias in _list(street.get("aliases", []), source, f"{street_name}.aliases"):
                    self._add(_text(alias, source, f"{street_name}.aliases"),
                              Place(PlaceKind.STREET, street_name, name, street_name, False), source)
            self.streets_of[name] = tuple(streets)
        for raw in _list(data.get("landmarks", []), source, "landmarks"):
            name = _text(_get(raw, "name", source), source, "landmarks[].name")
            district = raw.get("district")
            street = raw.get("street")
            if district is not None and district not in self.streets_of:
                raise ConfigError(f"{source}: landmark {name!r} names unknown district {district!r}",
                                  code="bad_gazetteer")
            if street is not None and street not in self.streets_of.get(district or "", ()):
                raise ConfigError(f"{source}: landmark {name!r}: {street!r} is not a street of {district!r}",
                                  code="bad_gazetteer")
            place = Place(PlaceKind.LANDMARK, name, district, street, False)
            for form in (name, *_list(raw.get("aliases", []), source, f"{name}.aliases")):
                self._add(_text(form, source, f"{name}.aliases"), place, source, replace=False)
        for alias in _list(data.get("city_aliases", []), source, "city_aliases"):
            self._add(_text(alias, source, "city_aliases"), Place(PlaceKind.CITY, self.city, None, None, True), source,
                      replace=False)
        for outside in _list(data.get("outside_places", []), source, "outside_places"):
            name = _text(outside, source, "outside_places")
            self._add(name, Place(PlaceKind.OUTSIDE, name, None, None, True), source, replace=False)
        self._max_len = max(len(form) for form in self._forms)
        self._starts = frozenset(form[:2] for form in self._forms)  # most positions start no name at all

    def _add(self, form: str, place: Place, source: str, *, replace: bool = True) -> None:
        key = form.casefold()
        existing = self._forms.get(key)
        if existing is not None and existing != place:
            if not replace or existing.kind in (PlaceKind.DISTRICT, PlaceKind.STREET):
                return  # the administrative name wins over a landmark or alias spelled the same
            if existing.district != place.district:
                raise ConfigError(f"{source}: {form!r} names both {existing.name} and {place.name}",
                                  code="bad_gazetteer")
        self._forms[key] = place

    @classmethod
    def load(cls, path: str | Path | None = None) -> Gazetteer:
        file = Path(path) if path is not None else resources_dir() / GAZETTEER_FILE
        return cls(read_json_file(file, "gazetteer"), source=str(file))

    def scan(self, compact: str) -> list[Mention]:
        """Place mentions in compact text, left to right, longest form first at each position."""
        mentions: list[Mention] = []
        position = 0
        length = len(compact)
        forms = self._forms
        starts = self._starts
        while position < length:
            found = None
            if compact[position : position + 2] not in starts:
                position += 1
                continue
            for size in range(min(self._max_len, length - position), 1, -1):
                place = forms.get(compact[position : position + size])
                if place is not None:
                    found = Mention(place, position, position + size)
                    break
            if found is None:
                position += 1
            else:
                mentions.append(found)
                position = found.end
        return mentions


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The shipped gazetteer, read once per process (resources folder: $AGENT_DESKTOP_RESOURCES or the repo's)."""
    return Gazetteer.load()


def _get(raw: Any, key: str, source: str) -> Any:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source}: expected an object, got {type(raw).__name__}", code="bad_gazetteer")
    return raw.get(key)


def _text(raw: Any, source: str, field: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(f"{source}: {field} must be non-empty text", code="bad_gazetteer")
    return raw.strip()


def _list(raw: Any, source: str, field: str) -> list[Any]:
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: {field} must be a list", code="bad_gazetteer")
    return raw
