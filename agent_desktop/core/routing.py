"""Routing a matter to its responsible units (责任单位, 第11条; 转办, 第16条(二); 疑难事项协调, 第23条).

Owns the unit directory as values (`Unit`, `UnitDirectory`, validated from the parsed resource file), the
routing rules the city government's coordination decisions become (`RoutingRule`), and the suggestion of units
for one matter from its category, district and words (`suggest_units`). Pure: no file I/O
(`agent_desktop.resources` reads the files), no clock.

Theory of operation — how a suggestion is ranked:

1. Coordination rules first, always. 第23条 says a responsibility the city government decided "applies to
   every later matter of the same kind", so a matching rule outranks any keyword guess. Among several
   matching rules the more specific one (bound to a district and/or category, longer matched words) comes
   first, then the later one.
2. Units whose keywords occur in the matter's text. Matching is on substrings of normalised text (NFKC,
   case folded, whitespace removed, since Vosk's Chinese models print words separated by spaces); per unit
   the longest non-overlapping matches are kept, and a keyword weighs len² / 2, so one precise word
   (公积金提取) outweighs a couple of short generic ones. Territorial units (district governments, the new
   area, parks) count their words at half weight: a department's words say whose duty a matter is, a
   district's words mostly say where it happened.
3. The district government of the matter's district (属地) is always a candidate, with a small base score
   below any department keyword match: it comes first when no department or utility matches, and otherwise
   keeps (at least) the last place of the list as the territorial co-unit, so the seat always sees it.

Eligibility: a territorial unit is suggested only for matters in a district it covers — a district government
outside the matter's district is never suggested on keyword grounds. A department or utility with a limited
service area (e.g. the water company serves the urban districts) is suggested only inside it when the district is
known; when it is not (a caller who says "十六路公交车" but no place), the unit is suggested on its keywords,
ranked by the same score, with a reason saying the district is unknown and listing its service area, so the seat
checks the place before dispatching — leaving the matter with no unit at all helps nobody. A unit whose usual
categories do not include the matter's category has its keyword score halved, and says so in its reasons.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from agent_desktop.core.errors import ConfigError, InvalidCommand
from agent_desktop.core.work_order import Category, CoordinationDecision, WorkOrder

DIRECTORY_SCHEMA_VERSION = 1

# A rule term joins words with "+" when all of them must occur (电动车+充电); separate terms are alternatives.
TERM_JOINER = "+"

# Scoring constants (see the module docstring). The fallback score sits below the weight of any single keyword
# of a department (a keyword has at least two characters: 2² / 2 = 2.0), so a department that matches at all
# ranks above the bare territorial fallback.
TERRITORIAL_KEYWORD_FACTOR = 0.5
DISTRICT_FALLBACK_SCORE = 1.0
UNUSUAL_CATEGORY_FACTOR = 0.5
MIN_KEYWORD_LENGTH = 2

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$")
_ALL = "all"


class UnitKind(StrEnum):
    """第11条: districts, counties and county-level cities; the new area and parks; municipal departments;
    public utilities (事业、企业单位)."""

    DISTRICT = "district"
    COUNTY = "county"
    COUNTY_CITY = "county_city"
    NEW_AREA = "new_area"
    PARK = "park"
    DEPARTMENT = "department"
    UTILITY = "utility"

    @property
    def zh(self) -> str:
        return _KIND_ZH[self]

    @property
    def is_district_government(self) -> bool:
        return self in _DISTRICT_GOVERNMENTS

    @property
    def is_territorial(self) -> bool:
        """Bound to a place: suggested only for matters in the districts it covers."""
        return self in _TERRITORIAL


_KIND_ZH = {
    UnitKind.DISTRICT: "区",
    UnitKind.COUNTY: "县",
    UnitKind.COUNTY_CITY: "县级市",
    UnitKind.NEW_AREA: "国家级新区",
    UnitKind.PARK: "园区",
    UnitKind.DEPARTMENT: "市直部门",
    UnitKind.UTILITY: "公共服务企事业单位",
}
_DISTRICT_GOVERNMENTS = frozenset({UnitKind.DISTRICT, UnitKind.COUNTY, UnitKind.COUNTY_CITY})
_TERRITORIAL = _DISTRICT_GOVERNMENTS | {UnitKind.NEW_AREA, UnitKind.PARK}
# ties in score: the unit whose duty it is before the unit of the place; a park before its district government
_KIND_RANK = {
    UnitKind.DEPARTMENT: 0,
    UnitKind.UTILITY: 0,
    UnitKind.PARK: 1,
    UnitKind.NEW_AREA: 2,
    UnitKind.DISTRICT: 3,
    UnitKind.COUNTY: 3,
    UnitKind.COUNTY_CITY: 3,
}


def normalise_text(text: str) -> str:
    """The form both a matter's text and keywords are compared in: NFKC (full-width → half-width), case
    folded, without whitespace (Vosk's Chinese transcripts put spaces between words)."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@functools.lru_cache(maxsize=8192)
def _normalised_keyword(keyword: str) -> str:
    """A keyword's compared form, worked out once: every matter is compared with all the directory's keywords."""
    return normalise_text(keyword)


@dataclass(frozen=True, slots=True)
class Unit:
    """One responsible unit. `districts` is None for a unit that serves the whole city; `categories` holds the
    categories it usually handles (all of them for most units)."""

    id: str
    name: str
    kind: UnitKind
    districts: tuple[str, ...] | None
    categories: frozenset[Category]
    keywords: tuple[str, ...]
    description: str
    aliases: tuple[str, ...] = ()

    @property
    def is_citywide(self) -> bool:
        return self.districts is None

    def covers(self, district: str) -> bool:
        return self.districts is None or district in self.districts

    def handles(self, category: Category) -> bool:
        return category in self.categories

    @property
    def names(self) -> tuple[str, ...]:
        """The full name first, then the short names a seat or an order may use."""
        return (self.name, *self.aliases)


class UnitDirectory:
    """The responsible units of one city, validated as a whole: unique ids and names, one government per
    district, every district a unit names is a district of the directory."""

    __slots__ = ("_by_id", "_by_name", "_governments", "city", "source", "units")

    def __init__(self, units: Iterable[Unit], *, city: str = "", source: str = "unit directory") -> None:
        self.units: tuple[Unit, ...] = tuple(units)
        self.city = city
        self.source = source
        if not self.units:
            raise ConfigError(f"{source}: the unit directory lists no units", code="bad_unit_directory")
        self._by_id: dict[str, Unit] = {}
        self._by_name: dict[str, Unit] = {}
        self._governments: dict[str, Unit] = {}
        for unit in self.units:
            if unit.id in self._by_id:
                raise _unit_error(source, unit.id, "id", "is used by two units")
            self._by_id[unit.id] = unit
            for name in unit.names:
                other = self._by_name.get(name)
                if other is not None:
                    raise _unit_error(
                        source, unit.id, "name", f"{name!r} is already a name of unit {other.id!r}"
                    )
                self._by_name[name] = unit
            if unit.kind.is_district_government:
                self._add_government(unit)
        for unit in self.units:
            unknown = [d for d in unit.districts or () if d not in self._governments]
            if unknown:
                raise _unit_error(
                    source,
                    unit.id,
                    "districts",
                    f"names {'、'.join(unknown)}, which no district government of the directory covers "
                    f"(known: {'、'.join(self._governments)})",
                )

    def _add_government(self, unit: Unit) -> None:
        if unit.districts is None or len(unit.districts) != 1:
            raise _unit_error(
                self.source, unit.id, "districts", "a district government covers exactly itself"
            )
        district = unit.districts[0]
        other = self._governments.get(district)
        if other is not None:
            raise _unit_error(
                self.source, unit.id, "districts", f"{district} already has a government: {other.id!r}"
            )
        self._governments[district] = unit

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "unit directory") -> UnitDirectory:
        """Build the directory from the parsed resource file (see resources/units/README.md). Every mistake is
        a `ConfigError` naming the source, the unit and the field."""
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"{source}: the unit directory must be a JSON object", code="bad_unit_directory"
            )
        unknown = sorted(set(data) - {"schema_version", "city", "units"})
        if unknown:
            raise ConfigError(
                f"{source}: unknown top-level key(s): {', '.join(unknown)}", code="bad_unit_directory"
            )
        version = data.get("schema_version")
        if version != DIRECTORY_SCHEMA_VERSION:
            raise ConfigError(
                f"{source}: schema_version must be {DIRECTORY_SCHEMA_VERSION}, got {version!r}",
                code="bad_unit_directory",
            )
        city = data.get("city", "")
        if not isinstance(city, str):
            raise ConfigError(f"{source}: city must be text", code="bad_unit_directory")
        raw_units = data.get("units")
        if not isinstance(raw_units, list):
            raise ConfigError(f"{source}: units must be a list of unit objects", code="bad_unit_directory")
        return cls(
            (_parse_unit(raw, index, source) for index, raw in enumerate(raw_units)), city=city, source=source
        )

    def __len__(self) -> int:
        return len(self.units)

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._by_id

    @property
    def districts(self) -> tuple[str, ...]:
        """The districts, county and county-level cities, in the directory's order."""
        return tuple(self._governments)

    def by_id(self, unit_id: str) -> Unit:
        unit = self._by_id.get(unit_id)
        if unit is None:
            raise InvalidCommand(f"no unit with id {unit_id!r} in {self.source}", code="unknown_unit")
        return unit

    def by_name(self, name: str) -> Unit:
        """By full name or one of the unit's short names (市住建局)."""
        unit = self._by_name.get(name.strip())
        if unit is None:
            raise InvalidCommand(f"no unit named {name!r} in {self.source}", code="unknown_unit")
        return unit

    def find(self, reference: str) -> Unit | None:
        """The unit an order or a decision names, by id, full name or short name; None when there is none."""
        key = reference.strip()
        return self._by_id.get(key) or self._by_name.get(key)

    def of_kind(self, *kinds: UnitKind) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.kind in kinds)

    def district_government(self, district: str) -> Unit:
        """The government of a district, county or county-level city (the territorial fallback, 属地)."""
        self.check_district(district)
        return self._governments[district]

    def check_district(self, district: str) -> None:
        if district not in self._governments:
            known = "、".join(self._governments)
            raise InvalidCommand(
                f"unknown district {district!r}; known districts: {known}",
                code="unknown_district",
                details={"district": district, "known": list(self._governments)},
            )


def _unit_error(source: str, unit_id: str, field: str, problem: str) -> ConfigError:
    return ConfigError(
        f"{source}: unit {unit_id!r}, field {field!r}: {problem}",
        code="bad_unit_directory",
        details={"unit": unit_id, "field": field},
    )


_UNIT_KEYS = frozenset(
    {"id", "name", "kind", "districts", "categories", "keywords", "description", "aliases"}
)
_REQUIRED_UNIT_KEYS = _UNIT_KEYS - {"aliases"}


def _parse_unit(raw: Any, index: int, source: str) -> Unit:
    label = f"#{index + 1}"
    if not isinstance(raw, Mapping):
        raise _unit_error(source, label, "(unit)", "must be an object")
    raw_id = raw.get("id")
    if isinstance(raw_id, str) and raw_id:
        label = raw_id
    unknown = sorted(set(raw) - _UNIT_KEYS)
    if unknown:
        raise _unit_error(source, label, unknown[0], "is not a field of a unit")
    missing = sorted(_REQUIRED_UNIT_KEYS - set(raw))
    if missing:
        raise _unit_error(source, label, missing[0], "is missing")
    if not isinstance(raw_id, str) or not _ID_PATTERN.match(raw_id):
        raise _unit_error(source, label, "id", f"must be an ASCII slug like city_housing, got {raw_id!r}")
    name = _text(raw["name"], source, label, "name")
    description = _text(raw["description"], source, label, "description")
    try:
        kind = UnitKind(raw["kind"])
    except ValueError:
        kinds = ", ".join(k.value for k in UnitKind)
        raise _unit_error(source, label, "kind", f"must be one of {kinds}, got {raw['kind']!r}") from None
    districts = _districts(raw["districts"], kind, source, label)
    categories = _categories(raw["categories"], source, label)
    keywords = _words(raw["keywords"], source, label, "keywords")
    if not keywords and not kind.is_district_government:
        # only a district government is ever suggested without a keyword (as the territorial fallback)
        raise _unit_error(source, label, "keywords", "must list the words of the matters this unit handles")
    aliases = _words(raw.get("aliases", []), source, label, "aliases", min_length=1)
    if name in aliases:
        raise _unit_error(source, label, "aliases", f"repeats the unit's name {name!r}")
    return Unit(
        id=raw_id,
        name=name,
        kind=kind,
        districts=districts,
        categories=categories,
        keywords=keywords,
        description=description,
        aliases=aliases,
    )


def _text(raw: Any, source: str, label: str, field: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _unit_error(source, label, field, "must be non-empty text")
    return raw.strip()


def _districts(raw: Any, kind: UnitKind, source: str, label: str) -> tuple[str, ...] | None:
    if raw == _ALL:
        if kind.is_territorial:
            raise _unit_error(
                source, label, "districts", f"a {kind.value} unit must list the districts it covers"
            )
        return None
    if not isinstance(raw, list) or not raw:
        raise _unit_error(source, label, "districts", 'must be "all" or a non-empty list of district names')
    return _words(raw, source, label, "districts", min_length=1)


def _categories(raw: Any, source: str, label: str) -> frozenset[Category]:
    if raw == _ALL:
        return frozenset(Category)
    if not isinstance(raw, list) or not raw:
        raise _unit_error(source, label, "categories", 'must be "all" or a non-empty list of category codes')
    found: set[Category] = set()
    for item in raw:
        if not isinstance(item, str):
            raise _unit_error(source, label, "categories", f"must hold category codes, got {item!r}")
        try:
            found.add(Category.parse(item))
        except InvalidCommand as exc:
            raise _unit_error(source, label, "categories", exc.message) from None
    return frozenset(found)


def _words(
    raw: Any, source: str, label: str, field: str, *, min_length: int = MIN_KEYWORD_LENGTH
) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise _unit_error(source, label, field, "must be a list of text")
    words: list[str] = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, str):
            raise _unit_error(source, label, field, f"must hold text, got {item!r}")
        word = item.strip()
        key = normalise_text(word) if field == "keywords" else word
        if len(key) < min_length:
            raise _unit_error(source, label, field, f"{item!r} is shorter than {min_length} characters")
        if key in seen:
            raise _unit_error(source, label, field, f"{item!r} is listed twice")
        seen.add(key)
        words.append(word)
    return tuple(words)


# --- coordination rules (第23条) ----------------------------------------------------------------------------


RuleKind = tuple[frozenset[str], Category | None, str | None]


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """A responsibility decided by the city government in coordination (第23条), applied to later matters of
    the same kind. It matches a matter when its category and district (if the rule names them) are the
    matter's and one of its terms occurs in the matter's text; a term "a+b" needs all of its words."""

    keywords: tuple[str, ...]
    lead_unit: str
    decided_at: datetime
    category: Category | None = None
    district: str | None = None
    basis: str = ""
    order_id: str | None = None

    def __post_init__(self) -> None:
        if not self.lead_unit or not self.lead_unit.strip():
            raise InvalidCommand("a routing rule names its lead unit", code="bad_rule")
        if self.decided_at.tzinfo is None or self.decided_at.utcoffset() is None:
            raise InvalidCommand(
                "a routing rule's decision time must carry a UTC offset", code="naive_datetime"
            )
        terms = tuple(dict.fromkeys(_normalise_term(k) for k in self.keywords))
        if not terms or any(not t for t in terms):
            raise InvalidCommand(
                f"a routing rule needs non-empty keywords (the kind of matter it binds), "
                f"got {self.keywords!r}",
                code="bad_rule",
            )
        object.__setattr__(self, "keywords", terms)
        object.__setattr__(self, "lead_unit", self.lead_unit.strip())
        if self.district is not None:
            object.__setattr__(self, "district", self.district.strip() or None)

    @classmethod
    def from_decision(cls, decision: CoordinationDecision, *, order_id: str | None = None) -> RoutingRule:
        return cls(
            keywords=decision.keywords,
            lead_unit=decision.lead_unit,
            decided_at=decision.decided_at,
            category=decision.category,
            district=decision.district,
            basis=decision.basis,
            order_id=order_id,
        )

    @property
    def kind(self) -> RuleKind:
        """What "the same kind of matter" means: the same terms, category and district. A later decision of
        the same kind replaces the earlier one."""
        return frozenset(self.keywords), self.category, self.district

    def matched_terms(self, *, category: Category | None, district: str | None, text: str) -> tuple[str, ...]:
        """The rule's terms found in the matter, empty when the rule does not apply to it."""
        if self.category is not None and self.category is not category:
            return ()
        if self.district is not None and self.district != district:
            return ()
        normalised = normalise_text(text)
        return tuple(t for t in self.keywords if all(part in normalised for part in t.split(TERM_JOINER)))

    def describe(self) -> str:
        """One line in Chinese for the seat: what was decided, when, and on what basis."""
        scope = []
        if self.district is not None:
            scope.append(self.district)
        if self.category is not None:
            scope.append(self.category.zh)
        scope_text = f"({'、'.join(scope)})" if scope else ""
        text = (
            f"第23条协调确定: {self.decided_at.date().isoformat()} 决定「{'、'.join(self.keywords)}」"
            f"类事项{scope_text}由{self.lead_unit}牵头"
        )
        if self.basis:
            text += f"; 依据: {self.basis}"
        if self.order_id:
            text += f"; 来源工单 {self.order_id}"
        return text


def _normalise_term(term: str) -> str:
    parts = sorted({normalise_text(p) for p in term.split(TERM_JOINER)} - {""})
    return TERM_JOINER.join(parts)


def latest_rules(rules: Iterable[RoutingRule]) -> tuple[RoutingRule, ...]:
    """One rule per kind of matter: of several decisions of the same kind the latest stands (the later one in
    `rules` when two were decided at the same moment). Returned oldest decision first."""
    chronological = sorted(enumerate(rules), key=lambda item: (item[1].decided_at, item[0]))
    by_kind: dict[RuleKind, RoutingRule] = {}
    for _, rule in chronological:
        by_kind.pop(rule.kind, None)
        by_kind[rule.kind] = rule
    return tuple(by_kind.values())


def routing_rules_from_orders(orders: Iterable[WorkOrder]) -> tuple[RoutingRule, ...]:
    """Every decided coordination among `orders` becomes a rule; a later decision of the same kind overrides
    an earlier one (see `latest_rules`)."""
    return latest_rules(
        RoutingRule.from_decision(order.coordination.decision, order_id=order.order_id)
        for order in orders
        if order.coordination is not None and order.coordination.decision is not None
    )


_DECISION_KEYS = frozenset(
    {"lead_unit", "decided_at", "keywords", "category", "district", "basis", "order_id"}
)


def routing_rules_from_mapping(data: Any, *, source: str) -> tuple[RoutingRule, ...]:
    """Rules from a decisions file an operator keeps by hand:

        {"decisions": [{"lead_unit": "city_transport", "decided_at": "2024-03-01T10:00:00+08:00",
                        "keywords": ["共享单车"], "category": "投诉", "district": "岳麓区", "basis": "..."}]}

    `category` (code or Chinese), `district`, `basis` and `order_id` are optional. Mistakes are a
    `ConfigError` naming the source and the entry."""
    if not isinstance(data, Mapping) or set(data) != {"decisions"} or not isinstance(data["decisions"], list):
        raise ConfigError(
            f'{source}: expected an object with one key, "decisions", a list', code="bad_rules_file"
        )
    rules: list[RoutingRule] = []
    for index, raw in enumerate(data["decisions"]):
        where = f"{source}: decisions[{index}]"
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where} must be an object", code="bad_rules_file")
        unknown = sorted(set(raw) - _DECISION_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key(s): {', '.join(unknown)}", code="bad_rules_file")
        try:
            rules.append(_rule_from_entry(raw))
        except InvalidCommand as exc:
            raise ConfigError(f"{where}: {exc.message}", code="bad_rules_file") from None
    return latest_rules(rules)


def _rule_from_entry(raw: Mapping[str, Any]) -> RoutingRule:
    def text(key: str, *, required: bool = False) -> str | None:
        value = raw.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            raise InvalidCommand(f"{key} must be text, got {value!r}")
        return value

    keywords = raw.get("keywords")
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise InvalidCommand(f"keywords must be a list of text, got {keywords!r}")
    stamp = text("decided_at", required=True) or ""
    try:
        decided_at = datetime.fromisoformat(stamp)
    except ValueError:
        raise InvalidCommand(f"decided_at {stamp!r} is not an ISO 8601 date and time") from None
    category_text = text("category")
    return RoutingRule(
        keywords=tuple(keywords),
        lead_unit=text("lead_unit", required=True) or "",
        decided_at=decided_at,
        category=Category.parse(category_text) if category_text is not None else None,
        district=text("district"),
        basis=text("basis") or "",
        order_id=text("order_id"),
    )


# --- suggestions --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitSuggestion:
    """One suggested unit, with why: the rule applied, the keywords matched, the district. `score` orders the
    suggestions that no rule decided; suggestions from a rule come before all of them whatever their score."""

    unit: Unit
    score: float
    reasons: tuple[str, ...]
    matched_keywords: tuple[str, ...] = ()
    rule: RoutingRule | None = None


def suggest_units(
    directory: UnitDirectory,
    *,
    category: Category | None,
    district: str | None,
    text: str,
    rules: Sequence[RoutingRule] = (),
    limit: int = 3,
) -> list[UnitSuggestion]:
    """The units to dispatch a matter to, best first (see the module docstring for the ranking). `district`
    None means the caller did not say where: no territorial unit is suggested then, and a unit of a limited
    service area is suggested on its keywords with a reason asking the seat to check the place. An unknown
    district is an `InvalidCommand` listing the known ones; a rule naming a unit or district the directory
    lacks is a `ConfigError`."""
    if limit < 1:
        raise InvalidCommand(f"limit must be at least 1, got {limit}", code="bad_limit")
    if district is not None:
        district = district.strip()
        directory.check_district(district)
    rule_units = _rule_units(directory, rules)
    normalised = normalise_text(text)

    ruled: dict[str, tuple[RoutingRule, tuple[str, ...]]] = {}
    for rule in _matching_rules(rules, category=category, district=district, text=text):
        unit = rule_units[rule]
        if unit.id not in ruled:
            ruled[unit.id] = (rule, rule.matched_terms(category=category, district=district, text=text))

    suggestions: list[UnitSuggestion] = []
    for unit in directory.units:
        suggestion = _score_unit(
            unit,
            directory=directory,
            category=category,
            district=district,
            normalised_text=normalised,
            ruled=ruled.get(unit.id),
        )
        if suggestion is not None:
            suggestions.append(suggestion)
    if not any(s.rule is not None or not s.unit.kind.is_territorial for s in suggestions):
        suggestions = [_as_sole_fallback(s, district) for s in suggestions]
    rule_order = {unit_id: position for position, unit_id in enumerate(ruled)}
    suggestions.sort(
        key=lambda s: (
            rule_order.get(s.unit.id, len(rule_order)),
            -s.score,
            _KIND_RANK[s.unit.kind],
            -max((len(k) for k in s.matched_keywords), default=0),
            s.unit.id,
        )
    )
    chosen = suggestions[:limit]
    fallback = directory.district_government(district) if district is not None else None
    if limit > 1 and fallback is not None and fallback not in [s.unit for s in chosen]:
        # 属地: the seat always sees the district's government, in the last place, unless rules fill the list
        displaceable = [s for s in chosen if s.rule is None]
        if displaceable:
            chosen.remove(displaceable[-1])
            chosen.append(next(s for s in suggestions if s.unit is fallback))
    return chosen


def _rule_units(directory: UnitDirectory, rules: Sequence[RoutingRule]) -> dict[RoutingRule, Unit]:
    # checked for every rule, not only the matching ones, so a stale rule file shows up on the first
    # suggestion
    units: dict[RoutingRule, Unit] = {}
    for rule in rules:
        unit = directory.find(rule.lead_unit)
        if unit is None:
            raise ConfigError(
                f"coordination rule of {rule.decided_at.date().isoformat()} ({'、'.join(rule.keywords)}) "
                f"names unit {rule.lead_unit!r}, which is not in {directory.source}",
                code="unknown_rule_unit",
                details={"unit": rule.lead_unit, "order_id": rule.order_id},
            )
        if rule.district is not None and rule.district not in directory.districts:
            raise ConfigError(
                f"coordination rule of {rule.decided_at.date().isoformat()} ({'、'.join(rule.keywords)}) "
                f"is bound to district {rule.district!r}, which is not in {directory.source}",
                code="unknown_rule_district",
                details={"district": rule.district, "order_id": rule.order_id},
            )
        units[rule] = unit
    return units


def _matching_rules(
    rules: Sequence[RoutingRule], *, category: Category | None, district: str | None, text: str
) -> list[RoutingRule]:
    matching = []
    for rule in rules:
        terms = rule.matched_terms(category=category, district=district, text=text)
        if terms:
            specificity = (rule.district is not None) + (rule.category is not None)
            matching.append((specificity, max(len(t) for t in terms), rule.decided_at, rule))
    matching.sort(key=lambda m: (m[0], m[1], m[2]), reverse=True)
    return [m[3] for m in matching]


def _score_unit(
    unit: Unit,
    *,
    directory: UnitDirectory,
    category: Category | None,
    district: str | None,
    normalised_text: str,
    ruled: tuple[RoutingRule, tuple[str, ...]] | None,
) -> UnitSuggestion | None:
    in_district = district is not None and unit.covers(district)
    # a department or utility of a limited area, for a matter whose district nobody said: still a candidate
    area_unknown = district is None and not unit.kind.is_territorial and not unit.is_citywide
    if ruled is None and (unit.kind.is_territorial or not unit.is_citywide) and not in_district and not area_unknown:
        return None
    matched = matched_keywords(unit.keywords, normalised_text)
    score = sum(keyword_weight(k) for k in matched)
    if unit.kind.is_territorial:
        score *= TERRITORIAL_KEYWORD_FACTOR
    is_fallback = (
        district is not None
        and unit.kind.is_district_government
        and directory.district_government(district) is unit
    )
    if is_fallback:
        score += DISTRICT_FALLBACK_SCORE
    if ruled is None and score == 0:
        return None

    reasons: list[str] = []
    if ruled is not None:
        reasons.append(ruled[0].describe())
    if matched:
        reasons.append(f"关键词: {'、'.join(matched)}")
    if is_fallback:
        reasons.append(_FALLBACK_REASON.format(district=district))
    elif unit.kind.is_territorial and in_district:
        reasons.append(f"属地: 管辖范围含{district}")
    elif not unit.is_citywide and in_district:
        reasons.append(f"服务范围含{district}")
    elif area_unknown:
        reasons.append(_AREA_UNKNOWN_REASON.format(area="、".join(unit.districts or ())))
    if category is not None and not unit.handles(category) and score:
        score *= UNUSUAL_CATEGORY_FACTOR
        reasons.append(f"「{category.zh}」不是该单位常办的诉求类型, 分值减半")
    return UnitSuggestion(
        unit=unit,
        score=round(score, 2),
        reasons=tuple(reasons),
        matched_keywords=matched,
        rule=ruled[0] if ruled is not None else None,
    )


_AREA_UNKNOWN_REASON = "区域未知: 该单位仅服务{area}, 请核实诉求发生地"
_FALLBACK_REASON = "属地: 诉求发生在{district}, 由属地政府办理或会同办理"
_SOLE_FALLBACK_REASON = "属地兜底: 未匹配到对口部门或公共服务单位, 按属地原则由{district}办理"


def _as_sole_fallback(suggestion: UnitSuggestion, district: str | None) -> UnitSuggestion:
    """No department or utility matched: the district government's reason says it is the territorial
    fallback."""
    usual = _FALLBACK_REASON.format(district=district)
    if usual not in suggestion.reasons:
        return suggestion
    reasons = tuple(
        _SOLE_FALLBACK_REASON.format(district=district) if r == usual else r for r in suggestion.reasons
    )
    return replace(suggestion, reasons=reasons)


def keyword_weight(keyword: str) -> float:
    """len² / 2: a long, precise keyword outweighs several short generic ones."""
    length = len(_normalised_keyword(keyword))
    return length * length / 2


def matched_keywords(keywords: Iterable[str], normalised_text: str) -> tuple[str, ...]:
    """The keywords found in the text, longest first where occurrences overlap (公积金贷款 hides 贷款 at the
    same place), each once, in the order they occur in the text."""
    spans: list[tuple[int, int, str]] = []
    for keyword in keywords:
        key = _normalised_keyword(keyword)
        start = normalised_text.find(key)
        while start != -1:
            spans.append((start, start + len(key), keyword))
            start = normalised_text.find(key, start + 1)
    spans.sort(key=lambda s: (s[0] - s[1], s[0]))
    taken: list[tuple[int, int]] = []
    first_seen: dict[str, int] = {}
    for start, end, keyword in spans:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        first_seen.setdefault(keyword, start)
    return tuple(sorted(first_seen, key=first_seen.__getitem__))
