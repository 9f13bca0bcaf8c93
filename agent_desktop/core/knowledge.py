"""The knowledge base (信息库): its entries and their review by role.

Theory of operation
-------------------
The regulation splits the work: responsible units 采编、录入、维护 the information of their remit (第11条), the
hotline center 审核、发布 it (第7条(二)), seats answer on line from what is published (第16条(一)), and the upkeep
counts in the unit's assessment (第36条). So an entry (`KnowledgeEntry`) belongs to one unit, and:

- a unit creates an entry of ITS OWN (DRAFT), edits it, and submits it for review (SUBMITTED);
- a supervisor publishes it (PUBLISHED) or rejects it with a reason (REJECTED, back to the unit to edit);
- a unit edits a published entry again to revise it (DRAFT → SUBMITTED → PUBLISHED). Meanwhile the seats keep the
  last published content (`published`): an answer never vanishes from the desk because its revision is under
  review. A revision's new content reaches the seats only when a supervisor publishes it;
- the owning unit or a supervisor withdraws an entry (WITHDRAWN): it is served no more. Editing it again revives
  it as a draft.

An entry is served (`served_content`) when it has published content and `now` is within that content's validity
(`valid_from` ≤ now < `valid_to`); an expired entry is never served, and cannot be submitted or published.

`apply_kb_command(entry, command, actor, now)` is the one function that moves an entry (`entry` is None for a
`CreateEntry`): it checks the state, the role (`TransitionRefused`), the unit owning the entry (`AccessRefused`),
the optimistic `base_version` the author saw (`TransitionRefused`, code `stale_version`) and the content
(`InvalidCommand`), and returns a new entry one version up with a history line of who did what and when. Values are
immutable: a refused step leaves nothing to roll back.

`entry_to_dict` / `entry_from_dict` and `kb_command_to_dict` / `kb_command_from_dict` are the strict JSON forms the
sync wire and the stores use. `knowledge_updates` gives the assessment its "knowledge entries updated" input.

Pure: standard library and the core only; time is passed in.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from agent_desktop.core.errors import AccessRefused, InvalidCommand, TransitionRefused
from agent_desktop.core.roles import Actor, Role

# Bounds that keep one entry well under the wire's message size and a seat's screen: a question is one line, an
# answer a few paragraphs the agent reads out.
MAX_ENTRY_ID_CHARS = 64
MAX_QUESTION_CHARS = 200
MAX_ANSWER_CHARS = 4000
MAX_CATEGORY_CHARS = 32
MAX_UNIT_CHARS = 64
MAX_KEYWORDS = 20
MAX_KEYWORD_CHARS = 20
MAX_REASON_CHARS = 500
MAX_HISTORY = 1000  # an entry's whole audit trail; refused beyond this on the wire (nothing real comes close)
ENTRY_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")
# Control characters would corrupt a one-line display or a log line; an answer may keep line breaks and tabs.
_ANSWER_CONTROLS_ALLOWED = frozenset("\n\t")

ARTICLE_AUTHORING = "第11条"  # units 采编、录入、维护 their information
ARTICLE_REVIEW = "第7条"  # the center 审核、发布 the information base


class EntryState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def zh(self) -> str:
        return _STATE_ZH[self]


_STATE_ZH = {
    EntryState.DRAFT: "草稿",
    EntryState.SUBMITTED: "待审核",
    EntryState.PUBLISHED: "已发布",
    EntryState.REJECTED: "已退回",
    EntryState.WITHDRAWN: "已撤下",
}


class KbAction(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    PUBLISH = "publish"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    IMPORT = "import"  # a published entry loaded from the seed or an operator's file, not a review step

    @property
    def zh(self) -> str:
        return _ACTION_ZH[self]


_ACTION_ZH = {
    KbAction.CREATE: "新建",
    KbAction.EDIT: "修改",
    KbAction.SUBMIT: "提交审核",
    KbAction.PUBLISH: "审核发布",
    KbAction.REJECT: "审核退回",
    KbAction.WITHDRAW: "撤下",
    KbAction.IMPORT: "导入",
}


@dataclass(frozen=True, slots=True)
class EntryContent:
    """What an entry says: the question a caller asks, the answer a seat gives, and when that answer holds.
    `valid_to` is exclusive; None means until withdrawn."""

    question: str
    answer: str
    category: str
    keywords: tuple[str, ...] = ()
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def is_valid_at(self, now: datetime) -> bool:
        if self.valid_from is not None and now < self.valid_from:
            return False
        return self.valid_to is None or now < self.valid_to

    def is_expired_at(self, now: datetime) -> bool:
        return self.valid_to is not None and now >= self.valid_to


@dataclass(frozen=True, slots=True)
class EntryHistory:
    """One step on an entry: who (user and role), when, what, and the version it produced. `changes` names the
    content fields an edit changed; `note` is a rejection's or withdrawal's reason."""

    at: datetime
    user_id: str
    role: Role
    action: KbAction
    version: int
    note: str | None = None
    changes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KnowledgeEntry:
    """One knowledge-base entry of one unit. `content` is the working copy the unit edits and the supervisor
    reviews; `published` is what seats are served (the last content a supervisor published), None when nothing is
    published or the entry was withdrawn. `version` goes up by one at every step (optimistic concurrency)."""

    entry_id: str
    unit: str
    content: EntryContent
    state: EntryState
    version: int
    created_at: datetime
    updated_at: datetime
    published: EntryContent | None = None
    published_at: datetime | None = None
    reject_reason: str | None = None
    history: tuple[EntryHistory, ...] = ()

    # the working copy's fields, by the names the rest of the desk uses
    @property
    def question(self) -> str:
        return self.content.question

    @property
    def answer(self) -> str:
        return self.content.answer

    @property
    def category(self) -> str:
        return self.content.category

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.content.keywords

    @property
    def valid_from(self) -> datetime | None:
        return self.content.valid_from

    @property
    def valid_to(self) -> datetime | None:
        return self.content.valid_to

    def served_content(self, now: datetime) -> EntryContent | None:
        """The content a seat may answer from at `now`: the published one, when it is valid then."""
        _aware(now, "now")
        if self.state is EntryState.WITHDRAWN or self.published is None:
            return None
        return self.published if self.published.is_valid_at(now) else None

    @property
    def has_pending_revision(self) -> bool:
        """A published entry whose unit is revising it (the seats still get the published content)."""
        return self.published is not None and self.state in (
            EntryState.DRAFT, EntryState.SUBMITTED, EntryState.REJECTED
        )


# ---------------------------------------------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class CreateEntry:
    """A unit's new entry (a DRAFT). `unit` defaults to the actor's unit; naming another unit is refused.
    `valid_from` defaults to the creation time."""

    entry_id: str
    question: str
    answer: str
    category: str
    keywords: tuple[str, ...] = ()
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    unit: str | None = None

    action = KbAction.CREATE


@dataclass(frozen=True, slots=True)
class EditEntry:
    """The whole new content of an entry (an edit form always has every field), which becomes a DRAFT."""

    entry_id: str
    question: str
    answer: str
    category: str
    keywords: tuple[str, ...] = ()
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    base_version: int | None = None

    action = KbAction.EDIT


@dataclass(frozen=True, slots=True)
class SubmitEntry:
    entry_id: str
    base_version: int | None = None

    action = KbAction.SUBMIT


@dataclass(frozen=True, slots=True)
class PublishEntry:
    entry_id: str
    base_version: int | None = None

    action = KbAction.PUBLISH


@dataclass(frozen=True, slots=True)
class RejectEntry:
    entry_id: str
    reason: str
    base_version: int | None = None

    action = KbAction.REJECT


@dataclass(frozen=True, slots=True)
class WithdrawEntry:
    entry_id: str
    reason: str | None = None
    base_version: int | None = None

    action = KbAction.WITHDRAW


KbCommand = CreateEntry | EditEntry | SubmitEntry | PublishEntry | RejectEntry | WithdrawEntry
KB_COMMAND_TYPES: Mapping[KbAction, type] = {
    KbAction.CREATE: CreateEntry,
    KbAction.EDIT: EditEntry,
    KbAction.SUBMIT: SubmitEntry,
    KbAction.PUBLISH: PublishEntry,
    KbAction.REJECT: RejectEntry,
    KbAction.WITHDRAW: WithdrawEntry,
}


@dataclass(frozen=True, slots=True)
class _Step:
    """One row of the transition table: who may take the step, from which states, to which state."""

    roles: frozenset[Role]
    from_states: frozenset[EntryState]
    to_state: EntryState
    article: str


_UNIT_ONLY = frozenset({Role.UNIT})
_SUPERVISOR_ONLY = frozenset({Role.SUPERVISOR})
TRANSITIONS: Mapping[KbAction, _Step] = {
    KbAction.EDIT: _Step(
        _UNIT_ONLY,
        frozenset({EntryState.DRAFT, EntryState.REJECTED, EntryState.PUBLISHED, EntryState.WITHDRAWN}),
        EntryState.DRAFT,
        ARTICLE_AUTHORING,
    ),
    KbAction.SUBMIT: _Step(
        _UNIT_ONLY, frozenset({EntryState.DRAFT, EntryState.REJECTED}), EntryState.SUBMITTED, ARTICLE_AUTHORING
    ),
    KbAction.PUBLISH: _Step(
        _SUPERVISOR_ONLY, frozenset({EntryState.SUBMITTED}), EntryState.PUBLISHED, ARTICLE_REVIEW
    ),
    KbAction.REJECT: _Step(_SUPERVISOR_ONLY, frozenset({EntryState.SUBMITTED}), EntryState.REJECTED, ARTICLE_REVIEW),
    KbAction.WITHDRAW: _Step(
        frozenset({Role.UNIT, Role.SUPERVISOR}),
        frozenset(set(EntryState) - {EntryState.WITHDRAWN}),
        EntryState.WITHDRAWN,
        ARTICLE_AUTHORING,
    ),
}


def allowed_kb_actions(entry: KnowledgeEntry, actor: Actor) -> tuple[KbAction, ...]:
    """The steps `actor` may take on `entry` now (for the UI's buttons); the same checks `apply_kb_command` makes,
    except the content's own validity."""
    found = []
    for action, step in TRANSITIONS.items():
        if actor.role in step.roles and entry.state in step.from_states and _owns_or_reviews(entry, actor):
            found.append(action)
    return tuple(found)


def _owns_or_reviews(entry: KnowledgeEntry, actor: Actor) -> bool:
    return actor.role is Role.SUPERVISOR or (actor.role is Role.UNIT and actor.unit == entry.unit)


# ---------------------------------------------------------------------------------------------------- the step


def apply_kb_command(
    entry: KnowledgeEntry | None, command: KbCommand, actor: Actor, now: datetime
) -> KnowledgeEntry:
    """`entry` after `actor` took `command` at `now` (a new entry for `CreateEntry`, when `entry` is None).

    Raises `InvalidCommand` (malformed command or content, naive time), `TransitionRefused` (wrong state or role,
    stale `base_version`, expired content) and `AccessRefused` (a unit acting on another unit's entry).
    """
    if not isinstance(actor, Actor):
        raise InvalidCommand(f"expected an Actor, got {type(actor).__name__}", code="bad_value")
    _aware(now, "now")
    if isinstance(command, CreateEntry):
        if entry is not None:
            raise TransitionRefused(
                f"knowledge entry {entry.entry_id} already exists", code="entry_exists",
                details={"entry_id": entry.entry_id},
            )
        return _create(command, actor, now)
    if not isinstance(command, tuple(KB_COMMAND_TYPES.values())):
        raise InvalidCommand(f"not a knowledge-base command: {type(command).__name__}", code="bad_command")
    if not isinstance(entry, KnowledgeEntry):
        raise TransitionRefused(
            f"no knowledge entry {command.entry_id!r} to {command.action.value}", code="unknown_entry",
            details={"entry_id": command.entry_id},
        )
    if command.entry_id != entry.entry_id:
        raise InvalidCommand(
            f"command is for entry {command.entry_id!r}, not {entry.entry_id!r}", code="bad_value",
            details={"field": "entry_id"},
        )
    step = TRANSITIONS[command.action]
    _check_role(entry, command.action, step, actor)
    _check_base_version(entry, command.base_version)
    if entry.state not in step.from_states:
        raise TransitionRefused(
            f"entry {entry.entry_id} is {entry.state.zh} ({entry.state.value}); "
            f"{command.action.zh} is not possible now",
            code="wrong_state", article=step.article,
            details={"entry_id": entry.entry_id, "state": entry.state.value, "action": command.action.value},
        )
    if isinstance(command, EditEntry):
        return _edit(entry, command, actor, now)
    if isinstance(command, SubmitEntry):
        _refuse_expired(entry, entry.content, now, KbAction.SUBMIT)
        return _advance(entry, actor, now, KbAction.SUBMIT, step.to_state)
    if isinstance(command, PublishEntry):
        _refuse_expired(entry, entry.content, now, KbAction.PUBLISH)
        return _advance(
            entry, actor, now, KbAction.PUBLISH, step.to_state, published=entry.content, published_at=now,
            reject_reason=None,
        )
    if isinstance(command, RejectEntry):
        reason = _text(command.reason, "reason", MAX_REASON_CHARS)
        return _advance(entry, actor, now, KbAction.REJECT, step.to_state, note=reason, reject_reason=reason)
    assert isinstance(command, WithdrawEntry)
    reason = None if command.reason is None else _text(command.reason, "reason", MAX_REASON_CHARS)
    return _advance(entry, actor, now, KbAction.WITHDRAW, step.to_state, note=reason, published=None,
                    published_at=None)


def _check_role(entry: KnowledgeEntry, action: KbAction, step: _Step, actor: Actor) -> None:
    if actor.role not in step.roles:
        who = "、".join(sorted(r.zh for r in step.roles))
        raise TransitionRefused(
            f"{actor.role.zh} may not {action.value} a knowledge entry; only {who} may ({step.article})",
            code="role_not_allowed", article=step.article,
            details={"entry_id": entry.entry_id, "role": actor.role.value, "action": action.value},
        )
    if actor.role is Role.UNIT and actor.unit != entry.unit:
        raise AccessRefused(
            f"entry {entry.entry_id} belongs to {entry.unit}; {actor.unit} maintains only its own entries "
            f"({ARTICLE_AUTHORING})",
            details={"entry_id": entry.entry_id, "unit": entry.unit, "actor_unit": actor.unit},
        )


def _check_base_version(entry: KnowledgeEntry, base_version: Any) -> None:
    if base_version is None:
        return
    if isinstance(base_version, bool) or not isinstance(base_version, int):
        raise InvalidCommand(f"base_version must be a whole number, got {base_version!r}", code="bad_value",
                             details={"field": "base_version"})
    if base_version != entry.version:
        raise TransitionRefused(
            f"entry {entry.entry_id} changed meanwhile (version {entry.version}, the step was based on "
            f"{base_version}); reload it and try again",
            code="stale_version",
            details={"entry_id": entry.entry_id, "version": entry.version, "base_version": base_version},
        )


def _refuse_expired(entry: KnowledgeEntry, content: EntryContent, now: datetime, action: KbAction) -> None:
    if content.is_expired_at(now):
        assert content.valid_to is not None
        raise TransitionRefused(
            f"entry {entry.entry_id} expired at {content.valid_to.isoformat()}; set a new validity before "
            f"{action.zh}",
            code="expired", deadline=content.valid_to.isoformat(), details={"entry_id": entry.entry_id},
        )


def _create(command: CreateEntry, actor: Actor, now: datetime) -> KnowledgeEntry:
    entry_id = check_entry_id(command.entry_id)
    if actor.role is not Role.UNIT:
        raise TransitionRefused(
            f"{actor.role.zh} may not create knowledge entries; a responsible unit writes its own "
            f"({ARTICLE_AUTHORING})",
            code="role_not_allowed", article=ARTICLE_AUTHORING,
            details={"entry_id": entry_id, "role": actor.role.value, "action": KbAction.CREATE.value},
        )
    unit = actor.unit if command.unit is None else _text(command.unit, "unit", MAX_UNIT_CHARS)
    if unit != actor.unit:
        raise AccessRefused(
            f"{actor.unit} may not create an entry for {unit} ({ARTICLE_AUTHORING})",
            details={"entry_id": entry_id, "unit": unit, "actor_unit": actor.unit},
        )
    assert unit is not None  # a unit actor always names its unit (Actor checks it)
    content = check_content(_content_of(command, now))
    record = EntryHistory(now, actor.user_id, actor.role, KbAction.CREATE, 1)
    return KnowledgeEntry(entry_id, unit, content, EntryState.DRAFT, 1, now, now, history=(record,))


def _content_of(command: CreateEntry | EditEntry, now: datetime | None) -> EntryContent:
    keywords = command.keywords
    if isinstance(keywords, list):
        keywords = tuple(keywords)
    valid_from = command.valid_from if command.valid_from is not None else now
    return EntryContent(command.question, command.answer, command.category, keywords, valid_from, command.valid_to)


def _edit(entry: KnowledgeEntry, command: EditEntry, actor: Actor, now: datetime) -> KnowledgeEntry:
    content = check_content(_content_of(command, entry.content.valid_from or now))
    changed = tuple(name for name in _CONTENT_FIELDS if getattr(content, name) != getattr(entry.content, name))
    if not changed and entry.state is EntryState.DRAFT:
        raise InvalidCommand(f"the edit changes nothing in entry {entry.entry_id}", code="no_change",
                             details={"entry_id": entry.entry_id})
    return _advance(entry, actor, now, KbAction.EDIT, EntryState.DRAFT, content=content, changes=changed)


_CONTENT_FIELDS = ("question", "answer", "category", "keywords", "valid_from", "valid_to")


def _advance(
    entry: KnowledgeEntry, actor: Actor, now: datetime, action: KbAction, state: EntryState, *,
    note: str | None = None, changes: tuple[str, ...] = (), **fields: Any,
) -> KnowledgeEntry:
    if len(entry.history) >= MAX_HISTORY:
        raise TransitionRefused(
            f"entry {entry.entry_id} has {len(entry.history)} history records, the most one entry keeps; "
            "withdraw it and create a new one",
            code="history_full", details={"entry_id": entry.entry_id},
        )
    version = entry.version + 1
    record = EntryHistory(now, actor.user_id, actor.role, action, version, note, changes)
    return replace(entry, state=state, version=version, updated_at=max(now, entry.updated_at),
                   history=(*entry.history, record), **fields)


def imported_entry(
    entry_id: str, unit: str, content: EntryContent, *, at: datetime, user_id: str = "seed"
) -> KnowledgeEntry:
    """A published entry loaded from the seed or an operator's file (version 1, one IMPORT history line): the
    content was reviewed outside the desk, so it is served at once like any published entry."""
    _aware(at, "at")
    checked = check_content(content)
    record = EntryHistory(at, user_id, Role.SYSTEM, KbAction.IMPORT, 1)
    return KnowledgeEntry(
        check_entry_id(entry_id), _text(unit, "unit", MAX_UNIT_CHARS), checked, EntryState.PUBLISHED, 1, at, at,
        published=checked, published_at=at, history=(record,),
    )


# ---------------------------------------------------------------------------------------------------- validation


def check_entry_id(raw: Any) -> str:
    if not isinstance(raw, str) or not 1 <= len(raw) <= MAX_ENTRY_ID_CHARS or not ENTRY_ID_PATTERN.fullmatch(raw):
        raise InvalidCommand(
            f"entry_id must be 1–{MAX_ENTRY_ID_CHARS} letters, digits or _.:- (starting with a letter or digit), "
            f"got {_shown(raw)}",
            code="bad_value", details={"field": "entry_id"},
        )
    return raw


def check_content(content: EntryContent) -> EntryContent:
    """`content` with its text trimmed and NFC-normalised, keywords de-duplicated, or `InvalidCommand`."""
    question = _text(content.question, "question", MAX_QUESTION_CHARS)
    answer = _text(content.answer, "answer", MAX_ANSWER_CHARS, multiline=True)
    category = _text(content.category, "category", MAX_CATEGORY_CHARS)
    raw_keywords = content.keywords
    if isinstance(raw_keywords, str) or not isinstance(raw_keywords, (tuple, list)):
        raise InvalidCommand(f"keywords must be a list of words, got {_shown(raw_keywords)}", code="bad_value",
                             details={"field": "keywords"})
    if len(raw_keywords) > MAX_KEYWORDS:
        raise InvalidCommand(f"at most {MAX_KEYWORDS} keywords, got {len(raw_keywords)}", code="too_long",
                             details={"field": "keywords"})
    keywords: list[str] = []
    for index, raw in enumerate(raw_keywords):
        word = _text(raw, f"keywords[{index}]", MAX_KEYWORD_CHARS)
        if word not in keywords:
            keywords.append(word)
    valid_from = None if content.valid_from is None else _aware(content.valid_from, "valid_from")
    valid_to = None if content.valid_to is None else _aware(content.valid_to, "valid_to")
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise InvalidCommand(
            f"valid_to ({valid_to.isoformat()}) must be after valid_from ({valid_from.isoformat()})",
            code="bad_validity", details={"field": "valid_to"},
        )
    return EntryContent(question, answer, category, tuple(keywords), valid_from, valid_to)


def _text(raw: Any, field: str, limit: int, *, multiline: bool = False) -> str:
    if not isinstance(raw, str):
        raise InvalidCommand(f"{field} must be text, got {_shown(raw)}", code="bad_value", details={"field": field})
    text = unicodedata.normalize("NFC", raw).strip()
    if not text:
        raise InvalidCommand(f"{field} must not be empty", code="bad_value", details={"field": field})
    if len(text) > limit:
        raise InvalidCommand(f"{field} is {len(text)} characters, at most {limit} allowed", code="too_long",
                             details={"field": field, "limit": limit})
    allowed = _ANSWER_CONTROLS_ALLOWED if multiline else frozenset()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise InvalidCommand(f"{field} contains control characters", code="bad_value", details={"field": field})
    return text


def _aware(value: Any, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidCommand(f"{field} must be a date and time, got {_shown(value)}", code="bad_value",
                             details={"field": field})
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidCommand(f"{field} must carry a time zone, got {value.isoformat()}", code="naive_datetime",
                             details={"field": field})
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------------------------------- visibility


def entry_visible_to(entry: KnowledgeEntry, actor: Actor) -> bool:
    """Whether a change of `entry` goes to `actor`'s desk: supervisors review everything; a unit sees its own
    entries and what was ever published; seats (agents, leader seats) see what was ever published — withdrawals
    included, so they drop the entry from their index."""
    if actor.role is Role.SUPERVISOR:
        return True
    if actor.role is Role.UNIT and actor.unit == entry.unit:
        return True
    return entry.published is not None or any(
        h.action in (KbAction.PUBLISH, KbAction.IMPORT) for h in entry.history
    )


# ---------------------------------------------------------------------------------------------------- assessment


@dataclass(frozen=True, slots=True)
class UnitUpkeep:
    """A unit's knowledge-base upkeep at one moment (第36条 信息库建设更新)."""

    unit: str
    served: int  # published and valid now: what seats can answer from
    expired: int  # published but past its validity: needs a revision
    pending_review: int  # submitted, waiting for the center
    drafts: int  # being written or sent back (draft / rejected)


def unit_upkeep(entries: Iterable[KnowledgeEntry], now: datetime) -> dict[str, UnitUpkeep]:
    """Per unit: entries served now, expired, awaiting review and in the unit's hands."""
    _aware(now, "now")
    counts: dict[str, list[int]] = {}
    for entry in entries:
        tally = counts.setdefault(entry.unit, [0, 0, 0, 0])
        if entry.state is not EntryState.WITHDRAWN and entry.published is not None:
            if entry.published.is_valid_at(now):
                tally[0] += 1
            elif entry.published.is_expired_at(now):
                tally[1] += 1
        if entry.state is EntryState.SUBMITTED:
            tally[2] += 1
        elif entry.state in (EntryState.DRAFT, EntryState.REJECTED):
            tally[3] += 1
    return {unit: UnitUpkeep(unit, *tally) for unit, tally in sorted(counts.items())}


def knowledge_updates(entries: Iterable[KnowledgeEntry], *, year: int, month: int, zone: tzinfo) -> dict[str, int]:
    """Unit → entries of that unit published (new or revised) in the month, in the hotline's zone: the
    "knowledge entries updated" input of `assessment.assess_units`. An entry published twice counts once; a draft
    nobody reviewed counts nothing, so only upkeep the center accepted weighs in the assessment."""
    if isinstance(year, bool) or not isinstance(year, int) or isinstance(month, bool) or not isinstance(month, int):
        raise InvalidCommand("year and month must be whole numbers", code="bad_period")
    if not 1 <= month <= 12:
        raise InvalidCommand(f"month must be 1..12, got {month}", code="bad_period")
    counts: dict[str, int] = {}
    for entry in entries:
        if any(
            h.action is KbAction.PUBLISH and (local := h.at.astimezone(zone)).year == year and local.month == month
            for h in entry.history
        ):
            counts[entry.unit] = counts.get(entry.unit, 0) + 1
    return dict(sorted(counts.items()))


# ---------------------------------------------------------------------------------------------------- JSON forms


def entry_to_dict(entry: KnowledgeEntry) -> dict[str, Any]:
    """The entry as plain JSON values (times ISO 8601 with their offset)."""
    return {
        "entry_id": entry.entry_id,
        "unit": entry.unit,
        "state": entry.state.value,
        "version": entry.version,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
        "content": _content_to_dict(entry.content),
        "published": None if entry.published is None else _content_to_dict(entry.published),
        "published_at": None if entry.published_at is None else entry.published_at.isoformat(),
        "reject_reason": entry.reject_reason,
        "history": [
            {
                "at": h.at.isoformat(),
                "user_id": h.user_id,
                "role": h.role.value,
                "action": h.action.value,
                "version": h.version,
                "note": h.note,
                "changes": list(h.changes),
            }
            for h in entry.history
        ],
    }


def _content_to_dict(content: EntryContent) -> dict[str, Any]:
    return {
        "question": content.question,
        "answer": content.answer,
        "category": content.category,
        "keywords": list(content.keywords),
        "valid_from": None if content.valid_from is None else content.valid_from.isoformat(),
        "valid_to": None if content.valid_to is None else content.valid_to.isoformat(),
    }


_ENTRY_KEYS = frozenset(
    {"entry_id", "unit", "state", "version", "created_at", "updated_at", "content", "published", "published_at",
     "reject_reason", "history"}
)
_CONTENT_KEYS = frozenset({"question", "answer", "category", "keywords", "valid_from", "valid_to"})
_HISTORY_KEYS = frozenset({"at", "user_id", "role", "action", "version", "note", "changes"})


def entry_from_dict(data: Any) -> KnowledgeEntry:
    """The entry `entry_to_dict` made, checked strictly: unknown or missing keys, wrong types, naive times, sizes
    over the limits and inconsistent states are `InvalidCommand` — this reads what arrives over the wire."""
    raw = _mapping(data, "entry", _ENTRY_KEYS, required=_ENTRY_KEYS)
    entry_id = check_entry_id(raw["entry_id"])
    unit = _text(raw["unit"], "unit", MAX_UNIT_CHARS)
    state = _enum(EntryState, raw["state"], "state")
    version = _count(raw["version"], "version", minimum=1)
    content = _content_from_dict(raw["content"], "content")
    published = None if raw["published"] is None else _content_from_dict(raw["published"], "published")
    published_at = _instant(raw["published_at"], "published_at", optional=True)
    reject_reason = None if raw["reject_reason"] is None else _text(raw["reject_reason"], "reject_reason",
                                                                  MAX_REASON_CHARS)
    history_raw = raw["history"]
    if not isinstance(history_raw, list):
        raise InvalidCommand(f"history must be a list, got {_shown(history_raw)}", code="bad_value",
                             details={"field": "history"})
    if len(history_raw) > MAX_HISTORY:
        raise InvalidCommand(f"history has {len(history_raw)} records, at most {MAX_HISTORY}", code="too_long",
                             details={"field": "history"})
    history = tuple(_history_from_dict(item, f"history[{i}]") for i, item in enumerate(history_raw))
    if (published is None) != (published_at is None):
        raise InvalidCommand("published and published_at go together", code="bad_value",
                             details={"field": "published_at"})
    if state is EntryState.PUBLISHED and published is None:
        raise InvalidCommand(f"entry {entry_id} is published but has no published content", code="bad_value",
                             details={"field": "published"})
    if state is EntryState.WITHDRAWN and published is not None:
        raise InvalidCommand(f"entry {entry_id} is withdrawn but still has published content", code="bad_value",
                             details={"field": "published"})
    return KnowledgeEntry(
        entry_id=entry_id,
        unit=unit,
        content=content,
        state=state,
        version=version,
        created_at=_instant(raw["created_at"], "created_at"),
        updated_at=_instant(raw["updated_at"], "updated_at"),
        published=published,
        published_at=published_at,
        reject_reason=reject_reason,
        history=history,
    )


def _content_from_dict(data: Any, path: str) -> EntryContent:
    raw = _mapping(data, path, _CONTENT_KEYS, required=_CONTENT_KEYS)
    keywords = raw["keywords"]
    if not isinstance(keywords, list):
        raise InvalidCommand(f"{path}.keywords must be a list, got {_shown(keywords)}", code="bad_value",
                             details={"field": f"{path}.keywords"})
    try:
        return check_content(
            EntryContent(
                raw["question"], raw["answer"], raw["category"], tuple(keywords),
                _instant(raw["valid_from"], f"{path}.valid_from", optional=True),
                _instant(raw["valid_to"], f"{path}.valid_to", optional=True),
            )
        )
    except InvalidCommand as exc:
        raise InvalidCommand(f"{path}: {exc.message}", code=exc.code, details=exc.details) from None


def _history_from_dict(data: Any, path: str) -> EntryHistory:
    raw = _mapping(data, path, _HISTORY_KEYS, required=_HISTORY_KEYS)
    changes = raw["changes"]
    if not isinstance(changes, list) or any(c not in _CONTENT_FIELDS for c in changes):
        raise InvalidCommand(f"{path}.changes must list content field names", code="bad_value",
                             details={"field": f"{path}.changes"})
    user_id = raw["user_id"]
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > 128:
        raise InvalidCommand(f"{path}.user_id must be text", code="bad_value", details={"field": f"{path}.user_id"})
    return EntryHistory(
        at=_instant(raw["at"], f"{path}.at"),
        user_id=user_id,
        role=_enum(Role, raw["role"], f"{path}.role"),
        action=_enum(KbAction, raw["action"], f"{path}.action"),
        version=_count(raw["version"], f"{path}.version", minimum=1),
        note=None if raw["note"] is None else _text(raw["note"], f"{path}.note", MAX_REASON_CHARS),
        changes=tuple(changes),
    )


def kb_command_to_dict(command: KbCommand) -> dict[str, Any]:
    """A command as JSON values: `{"action": ..., "entry_id": ..., ...}` (times ISO 8601, keywords a list)."""
    if not isinstance(command, tuple(KB_COMMAND_TYPES.values())):
        raise InvalidCommand(f"not a knowledge-base command: {type(command).__name__}", code="bad_command")
    out: dict[str, Any] = {"action": command.action.value}
    for name in command.__dataclass_fields__:
        value = getattr(command, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out


def kb_command_from_dict(data: Any) -> KbCommand:
    """The command `kb_command_to_dict` made; unknown actions or keys, wrong types and naive times are
    `InvalidCommand`. Content is checked fully when the command is applied."""
    if not isinstance(data, Mapping):
        raise InvalidCommand(f"a knowledge-base command must be an object, got {_shown(data)}", code="bad_command")
    action = _enum(KbAction, data.get("action"), "action")
    if action is KbAction.IMPORT:
        raise InvalidCommand("import is not a command", code="bad_command")
    cls = KB_COMMAND_TYPES[action]
    fields = cls.__dataclass_fields__
    raw = _mapping(data, f"{action.value} command", frozenset(fields) | {"action"},
                   required=frozenset(n for n, f in fields.items() if f.default is dataclasses.MISSING) | {"action"})
    values: dict[str, Any] = {}
    for name in fields:
        if name not in raw:
            continue
        value = raw[name]
        if name in ("valid_from", "valid_to"):
            value = _instant(value, name, optional=True)
        elif name == "keywords":
            if not isinstance(value, list):
                raise InvalidCommand(f"keywords must be a list, got {_shown(value)}", code="bad_value",
                                     details={"field": "keywords"})
            value = tuple(value)
        elif name == "base_version":
            value = None if value is None else _count(value, "base_version", minimum=1)
        elif name == "entry_id":
            value = check_entry_id(value)
        elif value is not None and not isinstance(value, str):
            raise InvalidCommand(f"{name} must be text, got {_shown(value)}", code="bad_value",
                                 details={"field": name})
        values[name] = value
    return cls(**values)


def _mapping(data: Any, path: str, allowed: frozenset[str], *, required: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise InvalidCommand(f"{path} must be an object, got {_shown(data)}", code="bad_value",
                             details={"field": path})
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise InvalidCommand(f"{path} has unknown keys: {', '.join(unknown)}", code="bad_value",
                             details={"field": path, "unknown": unknown})
    missing = sorted(required - set(data))
    if missing:
        raise InvalidCommand(f"{path} lacks keys: {', '.join(missing)}", code="bad_value",
                             details={"field": path, "missing": missing})
    return data


def _enum(cls: type[StrEnum], raw: Any, path: str) -> Any:
    try:
        return cls(raw)
    except (ValueError, TypeError):
        choices = ", ".join(m.value for m in cls)
        raise InvalidCommand(f"{path} must be one of {choices}, got {_shown(raw)}", code="bad_value",
                             details={"field": path}) from None


def _count(raw: Any, path: str, *, minimum: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum or raw > 2**53:
        raise InvalidCommand(f"{path} must be a whole number >= {minimum}, got {_shown(raw)}", code="bad_value",
                             details={"field": path})
    return raw


def _instant(raw: Any, path: str, *, optional: bool = False) -> Any:
    if raw is None and optional:
        return None
    if not isinstance(raw, str) or len(raw) > 64:
        raise InvalidCommand(f"{path} must be an ISO 8601 date and time, got {_shown(raw)}", code="bad_value",
                             details={"field": path})
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidCommand(f"{path} is not an ISO 8601 date and time: {_shown(raw)}", code="bad_value",
                             details={"field": path}) from None
    return _aware(parsed, path)
