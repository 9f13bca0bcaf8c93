"""The knowledge base's entries and their review by role (第7条(二), 第11条, 第16条(一), 第36条)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_desktop.core import assessment
from agent_desktop.core.errors import AccessRefused, InvalidCommand, TransitionRefused
from agent_desktop.core.knowledge import (
    MAX_ANSWER_CHARS,
    MAX_KEYWORDS,
    MAX_QUESTION_CHARS,
    TRANSITIONS,
    CreateEntry,
    EditEntry,
    EntryContent,
    EntryState,
    KbAction,
    KnowledgeEntry,
    PublishEntry,
    RejectEntry,
    SubmitEntry,
    WithdrawEntry,
    allowed_kb_actions,
    apply_kb_command,
    entry_from_dict,
    entry_to_dict,
    entry_visible_to,
    imported_entry,
    kb_command_from_dict,
    kb_command_to_dict,
    knowledge_updates,
    unit_upkeep,
)
from agent_desktop.core.roles import Actor, Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
FUND = "长沙住房公积金管理中心"
WATER = "长沙水业集团有限公司"
FUND_CLERK = Actor("fund-1", Role.UNIT, unit=FUND)
FUND_CLERK_2 = Actor("fund-2", Role.UNIT, unit=FUND)
WATER_CLERK = Actor("water-1", Role.UNIT, unit=WATER)
SUPERVISOR = Actor("center-1", Role.SUPERVISOR)
AGENT = Actor("agent-7", Role.AGENT, seat="S07")
LEADER = Actor("leader-1", Role.LEADER_SEAT, unit=FUND)


def create(entry_id: str = "hf-1", *, valid_to: datetime | None = None, **overrides: object) -> CreateEntry:
    fields: dict[str, object] = {
        "entry_id": entry_id,
        "question": "住房公积金怎么提取?",
        "answer": "购房、还贷、租房、退休等情形可以申请提取。",
        "category": "住房公积金",
        "keywords": ("公积金提取", "提取"),
        "valid_to": valid_to,
    }
    fields.update(overrides)
    return CreateEntry(**fields)  # type: ignore[arg-type]


def edit_of(entry: KnowledgeEntry, **changes: object) -> EditEntry:
    fields: dict[str, object] = {
        "entry_id": entry.entry_id,
        "question": entry.question,
        "answer": entry.answer,
        "category": entry.category,
        "keywords": entry.keywords,
        "valid_from": entry.valid_from,
        "valid_to": entry.valid_to,
        "base_version": entry.version,
    }
    fields.update(changes)
    return EditEntry(**fields)  # type: ignore[arg-type]


def published_entry(**create_fields: object) -> KnowledgeEntry:
    entry = apply_kb_command(None, create(**create_fields), FUND_CLERK, T0)  # type: ignore[arg-type]
    entry = apply_kb_command(entry, SubmitEntry(entry.entry_id), FUND_CLERK, T0 + timedelta(minutes=5))
    return apply_kb_command(entry, PublishEntry(entry.entry_id), SUPERVISOR, T0 + timedelta(hours=1))


# ---------------------------------------------------------------------------------------------------- the happy path


def test_unit_creates_submits_and_supervisor_publishes_with_history() -> None:
    draft = apply_kb_command(None, create(), FUND_CLERK, T0)
    assert (draft.state, draft.version, draft.unit) == (EntryState.DRAFT, 1, FUND)
    assert draft.valid_from == T0  # defaults to the creation time
    assert draft.served_content(T0 + timedelta(days=1)) is None  # a draft is never served

    submitted = apply_kb_command(draft, SubmitEntry("hf-1", base_version=1), FUND_CLERK, T0 + timedelta(minutes=5))
    assert (submitted.state, submitted.version) == (EntryState.SUBMITTED, 2)
    assert submitted.served_content(T0 + timedelta(days=1)) is None

    published = apply_kb_command(submitted, PublishEntry("hf-1", base_version=2), SUPERVISOR, T0 + timedelta(hours=1))
    assert (published.state, published.version) == (EntryState.PUBLISHED, 3)
    assert published.published == published.content
    assert published.published_at == T0 + timedelta(hours=1)
    assert published.served_content(T0 + timedelta(days=1)) == published.content
    assert [(h.action, h.user_id, h.role, h.version) for h in published.history] == [
        (KbAction.CREATE, "fund-1", Role.UNIT, 1),
        (KbAction.SUBMIT, "fund-1", Role.UNIT, 2),
        (KbAction.PUBLISH, "center-1", Role.SUPERVISOR, 3),
    ]
    assert published.history[-1].at == T0 + timedelta(hours=1)


def test_reject_needs_a_reason_and_sends_the_entry_back_to_the_unit() -> None:
    entry = apply_kb_command(None, create(), FUND_CLERK, T0)
    entry = apply_kb_command(entry, SubmitEntry("hf-1"), FUND_CLERK, T0)
    with pytest.raises(InvalidCommand) as empty:
        apply_kb_command(entry, RejectEntry("hf-1", reason="   "), SUPERVISOR, T0)
    assert empty.value.details["field"] == "reason"
    rejected = apply_kb_command(entry, RejectEntry("hf-1", reason="请补充办理渠道"), SUPERVISOR, T0)
    assert rejected.state is EntryState.REJECTED
    assert rejected.reject_reason == "请补充办理渠道"
    assert rejected.history[-1].note == "请补充办理渠道"
    # the unit edits and resubmits; publishing clears the old reason
    again = apply_kb_command(rejected, edit_of(rejected, answer="可通过线上渠道或服务网点办理提取。"), FUND_CLERK, T0)
    assert again.state is EntryState.DRAFT
    assert again.history[-1].changes == ("answer",)
    again = apply_kb_command(again, SubmitEntry("hf-1"), FUND_CLERK, T0)
    done = apply_kb_command(again, PublishEntry("hf-1"), SUPERVISOR, T0)
    assert done.state is EntryState.PUBLISHED and done.reject_reason is None


def test_a_revision_under_review_keeps_serving_the_published_content() -> None:
    entry = published_entry()
    old = entry.published
    revised = apply_kb_command(entry, edit_of(entry, answer="新的答复口径。"), FUND_CLERK, T0 + timedelta(days=1))
    assert revised.state is EntryState.DRAFT and revised.has_pending_revision
    assert revised.served_content(T0 + timedelta(days=2)) == old  # seats still answer from the published text
    submitted = apply_kb_command(revised, SubmitEntry("hf-1"), FUND_CLERK, T0 + timedelta(days=1))
    rejected = apply_kb_command(submitted, RejectEntry("hf-1", "口径不准确"), SUPERVISOR, T0 + timedelta(days=1))
    assert rejected.served_content(T0 + timedelta(days=2)) == old
    resubmitted = apply_kb_command(
        apply_kb_command(rejected, edit_of(rejected, answer="修正后的口径。"), FUND_CLERK, T0 + timedelta(days=2)),
        SubmitEntry("hf-1"), FUND_CLERK, T0 + timedelta(days=2),
    )
    republished = apply_kb_command(resubmitted, PublishEntry("hf-1"), SUPERVISOR, T0 + timedelta(days=3))
    served = republished.served_content(T0 + timedelta(days=4))
    assert served is not None and served.answer == "修正后的口径。"
    assert not republished.has_pending_revision


def test_withdraw_stops_serving_and_an_edit_revives_it_as_a_draft() -> None:
    entry = published_entry()
    withdrawn = apply_kb_command(entry, WithdrawEntry("hf-1", reason="政策已废止"), SUPERVISOR, T0 + timedelta(days=1))
    assert withdrawn.state is EntryState.WITHDRAWN and withdrawn.published is None
    assert withdrawn.served_content(T0 + timedelta(days=2)) is None
    assert withdrawn.history[-1].note == "政策已废止"
    with pytest.raises(TransitionRefused) as twice:
        apply_kb_command(withdrawn, WithdrawEntry("hf-1"), FUND_CLERK, T0 + timedelta(days=1))
    assert twice.value.code == "wrong_state"
    revived = apply_kb_command(withdrawn, edit_of(withdrawn), FUND_CLERK, T0 + timedelta(days=2))
    assert revived.state is EntryState.DRAFT and revived.served_content(T0 + timedelta(days=3)) is None


# ---------------------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("actor", [AGENT, LEADER, SUPERVISOR, Actor("timer", Role.SYSTEM)])
def test_only_a_unit_creates_entries(actor: Actor) -> None:
    with pytest.raises(TransitionRefused) as refused:
        apply_kb_command(None, create(), actor, T0)
    assert refused.value.code == "role_not_allowed"
    assert refused.value.article == "第11条"


def test_a_unit_cannot_create_an_entry_for_another_unit() -> None:
    with pytest.raises(AccessRefused) as refused:
        apply_kb_command(None, create(unit=WATER), FUND_CLERK, T0)
    assert refused.value.details["unit"] == WATER


def test_a_unit_cannot_touch_another_units_entry() -> None:
    draft = apply_kb_command(None, create(), FUND_CLERK, T0)
    for command in (edit_of(draft, answer="改掉"), SubmitEntry("hf-1"), WithdrawEntry("hf-1")):
        with pytest.raises(AccessRefused):
            apply_kb_command(draft, command, WATER_CLERK, T0)
    # a colleague of the same unit may
    assert apply_kb_command(draft, SubmitEntry("hf-1"), FUND_CLERK_2, T0).state is EntryState.SUBMITTED


@pytest.mark.parametrize("actor", [FUND_CLERK, AGENT, LEADER])
def test_only_a_supervisor_publishes_or_rejects(actor: Actor) -> None:
    entry = apply_kb_command(apply_kb_command(None, create(), FUND_CLERK, T0), SubmitEntry("hf-1"), FUND_CLERK, T0)
    for command in (PublishEntry("hf-1"), RejectEntry("hf-1", "不行")):
        with pytest.raises(TransitionRefused) as refused:
            apply_kb_command(entry, command, actor, T0)
        assert refused.value.code == "role_not_allowed"
        assert refused.value.article == "第7条"


def test_supervisor_does_not_author_and_agents_only_read() -> None:
    entry = published_entry()
    with pytest.raises(TransitionRefused):
        apply_kb_command(entry, edit_of(entry, answer="中心改写"), SUPERVISOR, T0)
    for command in (edit_of(entry, answer="坐席改写"), SubmitEntry("hf-1"), WithdrawEntry("hf-1")):
        with pytest.raises(TransitionRefused):
            apply_kb_command(entry, command, AGENT, T0)


def test_states_refuse_steps_the_table_does_not_allow() -> None:
    draft = apply_kb_command(None, create(), FUND_CLERK, T0)
    with pytest.raises(TransitionRefused) as unreviewed:
        apply_kb_command(draft, PublishEntry("hf-1"), SUPERVISOR, T0)  # never published without a submission
    assert unreviewed.value.code == "wrong_state"
    submitted = apply_kb_command(draft, SubmitEntry("hf-1"), FUND_CLERK, T0)
    with pytest.raises(TransitionRefused):
        apply_kb_command(submitted, edit_of(submitted, answer="审核中改"), FUND_CLERK, T0)
    with pytest.raises(TransitionRefused):
        apply_kb_command(submitted, SubmitEntry("hf-1"), FUND_CLERK, T0)


def test_every_transition_row_from_every_state() -> None:
    """Walk the table: each (action, state) pair either moves to the row's target or is refused as wrong_state."""
    base = published_entry()
    actors = {KbAction.EDIT: FUND_CLERK, KbAction.SUBMIT: FUND_CLERK, KbAction.PUBLISH: SUPERVISOR,
              KbAction.REJECT: SUPERVISOR, KbAction.WITHDRAW: FUND_CLERK}
    commands = {
        KbAction.EDIT: lambda e: edit_of(e, answer=f"第{e.version}版"),
        KbAction.SUBMIT: lambda e: SubmitEntry(e.entry_id),
        KbAction.PUBLISH: lambda e: PublishEntry(e.entry_id),
        KbAction.REJECT: lambda e: RejectEntry(e.entry_id, "退回"),
        KbAction.WITHDRAW: lambda e: WithdrawEntry(e.entry_id),
    }
    for state in EntryState:
        entry = KnowledgeEntry(base.entry_id, base.unit, base.content, state, base.version, base.created_at,
                               base.updated_at, None if state is EntryState.WITHDRAWN else base.published,
                               None if state is EntryState.WITHDRAWN else base.published_at)
        for action, step in TRANSITIONS.items():
            command = commands[action](entry)
            if state in step.from_states:
                moved = apply_kb_command(entry, command, actors[action], T0)
                assert moved.state is step.to_state, (state, action)
                assert moved.version == entry.version + 1
                assert action in allowed_kb_actions(entry, actors[action])
            else:
                with pytest.raises(TransitionRefused) as refused:
                    apply_kb_command(entry, command, actors[action], T0)
                assert refused.value.code == "wrong_state", (state, action)
                assert action not in allowed_kb_actions(entry, actors[action])


def test_stale_base_version_is_refused_and_nothing_changes() -> None:
    draft = apply_kb_command(None, create(), FUND_CLERK, T0)
    mine = apply_kb_command(draft, edit_of(draft, answer="同事先改了"), FUND_CLERK_2, T0)
    with pytest.raises(TransitionRefused) as stale:
        apply_kb_command(mine, edit_of(draft, answer="我基于旧版本改"), FUND_CLERK, T0)
    assert stale.value.code == "stale_version"
    assert stale.value.details["version"] == 2 and stale.value.details["base_version"] == 1
    assert mine.answer == "同事先改了"  # values are immutable: nothing to roll back


def test_creating_an_existing_entry_and_acting_on_a_missing_one_are_refused() -> None:
    draft = apply_kb_command(None, create(), FUND_CLERK, T0)
    with pytest.raises(TransitionRefused) as exists:
        apply_kb_command(draft, create(), FUND_CLERK, T0)
    assert exists.value.code == "entry_exists"
    with pytest.raises(TransitionRefused) as missing:
        apply_kb_command(None, SubmitEntry("hf-1"), FUND_CLERK, T0)
    assert missing.value.code == "unknown_entry"
    with pytest.raises(InvalidCommand):
        apply_kb_command(draft, SubmitEntry("other"), FUND_CLERK, T0)


def test_an_edit_that_changes_nothing_is_refused_on_a_draft() -> None:
    draft = apply_kb_command(None, create(), FUND_CLERK, T0)
    with pytest.raises(InvalidCommand) as same:
        apply_kb_command(draft, edit_of(draft), FUND_CLERK, T0)
    assert same.value.code == "no_change"


# ---------------------------------------------------------------------------------------------------- validity


def test_expired_entries_are_not_served_nor_submitted_nor_published() -> None:
    until = T0 + timedelta(days=30)
    entry = published_entry(valid_to=until)
    assert entry.served_content(until - timedelta(seconds=1)) is not None
    assert entry.served_content(until) is None  # valid_to is exclusive
    assert entry.served_content(T0 - timedelta(days=1)) is None  # before valid_from
    late = until + timedelta(days=1)
    revised = apply_kb_command(entry, edit_of(entry, answer="过期后修订"), FUND_CLERK, late)
    with pytest.raises(TransitionRefused) as expired:
        apply_kb_command(revised, SubmitEntry("hf-1"), FUND_CLERK, late)
    assert expired.value.code == "expired" and expired.value.deadline == until.isoformat()
    # submitted while valid, reviewed after expiry: still refused
    entry = apply_kb_command(None, create("hf-2", valid_to=until), FUND_CLERK, T0)
    entry = apply_kb_command(entry, SubmitEntry("hf-2"), FUND_CLERK, T0)
    with pytest.raises(TransitionRefused):
        apply_kb_command(entry, PublishEntry("hf-2"), SUPERVISOR, late)


def test_naive_times_are_refused() -> None:
    with pytest.raises(InvalidCommand) as naive_now:
        apply_kb_command(None, create(), FUND_CLERK, datetime(2026, 3, 2, 9, 0))
    assert naive_now.value.code == "naive_datetime"
    with pytest.raises(InvalidCommand) as naive_to:
        apply_kb_command(None, create(valid_to=datetime(2027, 1, 1)), FUND_CLERK, T0)
    assert naive_to.value.code == "naive_datetime"
    with pytest.raises(InvalidCommand):
        published_entry().served_content(datetime(2026, 5, 1))


def test_validity_window_must_be_ordered() -> None:
    with pytest.raises(InvalidCommand) as backwards:
        apply_kb_command(None, create(valid_from=T0, valid_to=T0 - timedelta(days=1)), FUND_CLERK, T0)
    assert backwards.value.code == "bad_validity"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("question", "问" * (MAX_QUESTION_CHARS + 1), "too_long"),
        ("answer", "答" * (MAX_ANSWER_CHARS + 1), "too_long"),
        ("question", "", "bad_value"),
        ("question", "第一行\n第二行", "bad_value"),  # a question is one line
        ("answer", "响铃\x07", "bad_value"),
        ("category", 12, "bad_value"),
        ("keywords", "公积金", "bad_value"),  # a string is not a list of words
        ("keywords", tuple(f"词{i}" for i in range(MAX_KEYWORDS + 1)), "too_long"),
        ("keywords", ("",), "bad_value"),
        ("entry_id", "has space", "bad_value"),
        ("entry_id", "x" * 65, "bad_value"),
        ("entry_id", "-leading", "bad_value"),
    ],
)
def test_content_is_validated(field: str, value: object, code: str) -> None:
    with pytest.raises(InvalidCommand) as bad:
        apply_kb_command(None, create(**{field: value}), FUND_CLERK, T0)
    assert bad.value.code == code


def test_content_is_trimmed_and_keywords_deduplicated() -> None:
    entry = apply_kb_command(
        None, create(question="  公积金提取  ", answer="第一段\n第二段\t完", keywords=["提取", "提取", " 公积金 "]),
        FUND_CLERK, T0,
    )
    assert entry.question == "公积金提取"
    assert entry.answer == "第一段\n第二段\t完"
    assert entry.keywords == ("提取", "公积金")


# ---------------------------------------------------------------------------------------------------- JSON forms


def test_entry_round_trips_through_json() -> None:
    entry = published_entry(valid_to=T0 + timedelta(days=365))
    entry = apply_kb_command(entry, edit_of(entry, keywords=("新词",)), FUND_CLERK, T0 + timedelta(days=1))
    text = json.dumps(entry_to_dict(entry), ensure_ascii=False)
    assert entry_from_dict(json.loads(text)) == entry


def _mutated(change: dict[str, object]) -> dict[str, object]:
    data = entry_to_dict(published_entry())
    for path, value in change.items():
        target: dict[str, object] = data
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]  # type: ignore[assignment]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return data


@pytest.mark.parametrize(
    "change",
    [
        {"extra": 1},
        {"state": KeyError},
        {"state": "live"},
        {"version": 0},
        {"version": True},
        {"version": "3"},
        {"created_at": "2026-03-02T09:00:00"},  # naive
        {"content.question": None},
        {"content.keywords": "公积金"},
        {"content.valid_to": "not a date"},
        {"published": None},  # published state without published content
        {"published_at": None},
        {"history": {}},
        {"history": [{"at": "2026-03-02T09:00:00+08:00"}]},
        {"state": "withdrawn"},  # withdrawn but still carrying published content
    ],
)
def test_entry_from_dict_is_strict(change: dict[str, object]) -> None:
    with pytest.raises(InvalidCommand):
        entry_from_dict(_mutated(change))


def test_entry_from_dict_refuses_non_objects() -> None:
    for raw in (None, [], "entry", 3):
        with pytest.raises(InvalidCommand):
            entry_from_dict(raw)


def test_commands_round_trip_and_are_strict() -> None:
    commands = [
        create(valid_from=T0, valid_to=T0 + timedelta(days=10)),
        EditEntry("hf-1", "问", "答复", "类别", ("a", "b"), T0, None, base_version=3),
        SubmitEntry("hf-1", base_version=1),
        PublishEntry("hf-1"),
        RejectEntry("hf-1", "理由", base_version=2),
        WithdrawEntry("hf-1"),
    ]
    for command in commands:
        data = json.loads(json.dumps(kb_command_to_dict(command), ensure_ascii=False))
        assert kb_command_from_dict(data) == command
    for bad in (
        {"action": "erase", "entry_id": "hf-1"},
        {"action": "import", "entry_id": "hf-1"},
        {"action": "submit"},
        {"action": "submit", "entry_id": "hf-1", "surprise": 1},
        {"action": "submit", "entry_id": "hf-1", "base_version": "1"},
        {"action": "reject", "entry_id": "hf-1"},
        {"action": "reject", "entry_id": "hf-1", "reason": 5},
        {"action": "create", "entry_id": "x", "question": "q", "answer": "a", "category": "c", "keywords": "k"},
        {"action": "create", "entry_id": "x", "question": "q", "answer": "a", "category": "c",
         "valid_to": "2027-01-01T00:00:00"},
        "submit",
    ):
        with pytest.raises(InvalidCommand):
            kb_command_from_dict(bad)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1,
                max_size=40)


@settings(max_examples=60, deadline=None)
@given(question=_TEXT, answer=_TEXT, category=_TEXT, keywords=st.lists(_TEXT, max_size=5),
       days=st.integers(min_value=1, max_value=3000))
def test_any_valid_entry_round_trips(question: str, answer: str, category: str, keywords: list[str],
                                     days: int) -> None:
    entry = apply_kb_command(
        None, create(question=question, answer=answer, category=category[:32], keywords=tuple(k[:20] for k in keywords),
                     valid_to=T0 + timedelta(days=days)),
        FUND_CLERK, T0,
    )
    assert entry_from_dict(json.loads(json.dumps(entry_to_dict(entry)))) == entry


# ------------------------------------------------------------------------------------------- visibility, upkeep


def test_visibility_of_drafts_and_published_entries() -> None:
    draft = apply_kb_command(None, create(), FUND_CLERK, T0)
    assert entry_visible_to(draft, SUPERVISOR) and entry_visible_to(draft, FUND_CLERK_2)
    assert not entry_visible_to(draft, WATER_CLERK) and not entry_visible_to(draft, AGENT)
    published = published_entry()
    assert all(entry_visible_to(published, a) for a in (AGENT, LEADER, WATER_CLERK))
    withdrawn = apply_kb_command(published, WithdrawEntry("hf-1"), FUND_CLERK, T0 + timedelta(days=1))
    assert entry_visible_to(withdrawn, AGENT)  # so the seat drops it from its index


def test_imported_entries_are_published_at_once() -> None:
    content = EntryContent("停电怎么报修?", "拨打供电服务热线报修。", "水电气", ("停电",), T0, None)
    entry = imported_entry("power-1", "国网湖南省电力有限公司长沙供电分公司", content, at=T0)
    assert entry.state is EntryState.PUBLISHED and entry.version == 1
    assert entry.served_content(T0 + timedelta(days=400)) == entry.content
    assert entry.history[0].action is KbAction.IMPORT and entry.history[0].role is Role.SYSTEM
    assert entry_from_dict(entry_to_dict(entry)) == entry


def test_unit_upkeep_counts_served_expired_pending_and_drafts() -> None:
    now = T0 + timedelta(days=60)
    served = published_entry()
    expired = published_entry(entry_id="hf-old", valid_to=T0 + timedelta(days=30))
    pending = apply_kb_command(apply_kb_command(None, create("hf-new"), FUND_CLERK, T0), SubmitEntry("hf-new"),
                               FUND_CLERK, T0)
    draft = apply_kb_command(None, create("w-1"), WATER_CLERK, T0)
    withdrawn = apply_kb_command(published_entry(entry_id="hf-gone"), WithdrawEntry("hf-gone"), SUPERVISOR, T0)
    upkeep = unit_upkeep([served, expired, pending, draft, withdrawn], now)
    assert (upkeep[FUND].served, upkeep[FUND].expired, upkeep[FUND].pending_review, upkeep[FUND].drafts) == (1, 1, 1, 0)
    assert (upkeep[WATER].served, upkeep[WATER].drafts) == (0, 1)


def test_knowledge_updates_count_publications_in_the_month_and_feed_the_assessment() -> None:
    march = published_entry()  # published 2026-03-02 10:00 +08:00
    # published on 1 April 00:30 Shanghai = 31 March 16:30 UTC: April in the hotline's zone
    april = published_entry(entry_id="hf-apr")
    april_time = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    revised = apply_kb_command(april, edit_of(april, answer="四月修订"), FUND_CLERK, april_time)
    revised = apply_kb_command(revised, SubmitEntry("hf-apr"), FUND_CLERK, april_time)
    revised = apply_kb_command(revised, PublishEntry("hf-apr"), SUPERVISOR, april_time)
    unreviewed = apply_kb_command(None, create("w-1"), WATER_CLERK, T0)
    entries = [march, revised, unreviewed]
    assert knowledge_updates(entries, year=2026, month=3, zone=SHANGHAI) == {FUND: 2}
    assert knowledge_updates(entries, year=2026, month=4, zone=SHANGHAI) == {FUND: 1}
    assert knowledge_updates(entries, year=2026, month=4, zone=UTC) == {}
    rows = assessment.assess_units(
        [], year=2026, month=3, zone=SHANGHAI,
        knowledge_updates=knowledge_updates(entries, year=2026, month=3, zone=SHANGHAI),
    )
    assert [(r.unit, r.knowledge_entries_updated) for r in rows] == [(FUND, 2)]
    with pytest.raises(InvalidCommand):
        knowledge_updates(entries, year=2026, month=13, zone=SHANGHAI)
