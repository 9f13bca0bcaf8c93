"""`agent-desktop units`: the responsible-unit directory and routing suggestions (第11条, 第16条(二), 第23条).

    agent-desktop units suggest --category 投诉 --district 岳麓区 --text "小区停水两天了" [--limit N] [--json]
                                [--rules-from FILE] [--directory FILE]
    agent-desktop units list [--kind park] [--json] [--directory FILE]

`suggest` prints the units to dispatch the matter to, best first, each with its score and the reasons
(coordination rule applied, keywords matched, district). `--rules-from` reads the city government's
coordination decisions (a `{"decisions": [...]}` file, or work orders as the core serialises them); matching
rules come first. The directory is `units/changsha_units.json` under the resources folder
(AGENT_DESKTOP_RESOURCES) unless `--directory` names one.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from agent_desktop.core.routing import RoutingRule, Unit, UnitKind, UnitSuggestion, suggest_units
from agent_desktop.core.work_order import Category
from agent_desktop.resources import load_routing_rules, load_unit_directory

CITYWIDE_ZH = "全市"


def register(subparsers: argparse._SubParsersAction) -> None:
    units = subparsers.add_parser(
        "units",
        help="responsible units: the directory and routing suggestions for a matter",
        description="The directory of responsible units (责任单位) and the routing suggestion for a matter.",
    )
    commands = units.add_subparsers(dest="units_command", metavar="SUBCOMMAND")
    commands.required = True

    suggest = commands.add_parser(
        "suggest",
        help="suggest the units to dispatch a matter to, with the reasons",
        description="Suggest responsible units for a matter from its category, district and words. "
        "Coordination rules (第23条) come first; a district's government is the territorial fallback (属地).",
    )
    suggest.add_argument(
        "--category", metavar="CATEGORY", help="诉求类型, in Chinese (投诉) or as a code (complaint)"
    )
    suggest.add_argument(
        "--district", metavar="DISTRICT", help="the matter's district, county or county-level city"
    )
    suggest.add_argument("--text", required=True, metavar="TEXT", help="the matter in the caller's words")
    suggest.add_argument("--limit", type=int, default=3, metavar="N", help="at most N units (default 3)")
    suggest.add_argument(
        "--rules-from", metavar="FILE", help="JSON file of coordination decisions or work orders"
    )
    suggest.add_argument(
        "--directory", metavar="FILE", help="unit directory to use instead of the shipped one"
    )
    suggest.add_argument("--json", action="store_true", help="print JSON instead of text")
    suggest.set_defaults(handler=run_suggest)

    listing = commands.add_parser(
        "list",
        help="list the units of the directory",
        description="List the responsible units: id, name, kind and the districts each covers.",
    )
    listing.add_argument("--kind", choices=[k.value for k in UnitKind], help="only units of this kind")
    listing.add_argument(
        "--directory", metavar="FILE", help="unit directory to use instead of the shipped one"
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of text")
    listing.set_defaults(handler=run_list)


def run_suggest(args: argparse.Namespace) -> int:
    category = Category.parse(args.category) if args.category is not None else None
    directory = load_unit_directory(args.directory)
    rules = load_routing_rules(args.rules_from) if args.rules_from is not None else ()
    suggestions = suggest_units(
        directory, category=category, district=args.district, text=args.text, rules=rules, limit=args.limit
    )
    if args.json:
        print(json.dumps([_suggestion_json(s) for s in suggestions], ensure_ascii=False, indent=2))
    else:
        print(_suggestions_text(suggestions, category=category, district=args.district))
    return 0


def run_list(args: argparse.Namespace) -> int:
    directory = load_unit_directory(args.directory)
    units = [u for u in directory if args.kind is None or u.kind is UnitKind(args.kind)]
    if args.json:
        print(json.dumps([_unit_json(u) for u in units], ensure_ascii=False, indent=2))
    else:
        for unit in units:
            print(f"{unit.id}\t{unit.name}\t{unit.kind.zh}\t{_coverage(unit)}")
    return 0


def _coverage(unit: Unit) -> str:
    return CITYWIDE_ZH if unit.districts is None else "、".join(unit.districts)


def _suggestions_text(
    suggestions: list[UnitSuggestion], *, category: Category | None, district: str | None
) -> str:
    scope = " · ".join(part for part in (district, category.zh if category else None) if part)
    header = f"建议责任单位({scope}):" if scope else "建议责任单位:"
    if not suggestions:
        return f"{header}\n  无: 没有匹配的关键词或协调规则, 也未指明区县(市), 请人工确定责任单位。"
    lines = [header]
    for position, suggestion in enumerate(suggestions, start=1):
        unit = suggestion.unit
        tag = "  [协调规则]" if suggestion.rule is not None else ""
        lines.append(f"{position}. {unit.name}({unit.kind.zh}, {unit.id})  分值 {suggestion.score:g}{tag}")
        lines += [f"   - {reason}" for reason in suggestion.reasons]
    return "\n".join(lines)


def _unit_json(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "name": unit.name,
        "aliases": list(unit.aliases),
        "kind": unit.kind.value,
        "districts": "all" if unit.districts is None else list(unit.districts),
        "categories": sorted(c.value for c in unit.categories),
        "keywords": list(unit.keywords),
        "description": unit.description,
    }


def _rule_json(rule: RoutingRule) -> dict[str, Any]:
    return {
        "keywords": list(rule.keywords),
        "lead_unit": rule.lead_unit,
        "decided_at": rule.decided_at.isoformat(),
        "category": rule.category.value if rule.category is not None else None,
        "district": rule.district,
        "basis": rule.basis,
        "order_id": rule.order_id,
    }


def _suggestion_json(suggestion: UnitSuggestion) -> dict[str, Any]:
    unit = suggestion.unit
    return {
        "unit_id": unit.id,
        "name": unit.name,
        "kind": unit.kind.value,
        "score": suggestion.score,
        "reasons": list(suggestion.reasons),
        "matched_keywords": list(suggestion.matched_keywords),
        "rule": _rule_json(suggestion.rule) if suggestion.rule is not None else None,
    }
