"""Pre-fill of a work order from a call transcript and the agent's notes (pure: values in, a value out).

Sources and trust: the agent's typed notes are the seat's own deliberate words and win for every field they
give; then the caller's words; the agent's spoken turns only for the caller's name, form of address and number
(the agent addressing "王先生" or reading the number back). Each field records the words it came from
(`Prefill.evidence`), so the seat sees why it was suggested and can fix it.

Words that are denied (没有着火, 不是投诉), hypothetical (万一着火, 火灾隐患) or past (去年出过车祸) do not count as
what is happening now. See `cues.py` for the words and their weights.

Two kinds of "urgent" are kept apart: `is_emergency` is a matter for the emergency lines (110/119/120/122, 第13条
(二): the call is transferred, not accepted); `is_urgent` is a matter the hotline itself accepts and must have a
unit act on within hours (第16条 紧急: a burst main flooding a road, a gas smell, a power cut for a patient on
home oxygen). `Prefill.urgency` is the value the work order's 紧急 flag takes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agent_desktop.core.errors import AgentDesktopError
from agent_desktop.core.routing import Unit, UnitDirectory, UnitSuggestion, suggest_units
from agent_desktop.core.work_order import Category, NotAcceptedReason, Urgency
from asr.prefill import cues
from asr.prefill.category import Source, classify, fallback, retrospective_intent, second_opinion
from asr.prefill.gazetteer import Gazetteer, Mention, PlaceKind, default_gazetteer
from asr.prefill.keywords import extract_keywords, words_of
from asr.prefill.memo import Memo
from asr.prefill.names import PERSONAL_NAME, find_name
from asr.prefill.phone import DigitRun, digit_runs, find_phone
from asr.prefill.similar_calls import SimilarCalls, default_similar_calls
from asr.prefill.text import CLAUSE_END, Doc, Transcript, read_transcript

FIELDS = (
    "category", "surname", "form_of_address", "phone", "district", "street", "address", "is_anonymous",
    "is_emergency", "emergency_service", "not_accepted_reason", "is_repeat", "is_urgent", "summary", "keywords",
    "suggested_units",
)  # fmt: skip
SUMMARY_MAX_CHARS = 60
BLANK = "\x00"  # a blanked span of personal data, before it becomes a clause break
PLACE = "\x01"  # a place name taken out of the summary's words
ROUTING_MAX_CHARS = 1500
DEFAULT_CATEGORY = Category.COMPLAINT
DEFAULT_CATEGORY_MIN_CHARS = 12


@dataclass(frozen=True, slots=True)
class SuggestedUnit:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Prefill:
    """The suggested work-order fields. Everything is a suggestion for the seat to accept or fix."""

    category: Category | None = None
    surname: str | None = None
    form_of_address: str | None = None  # 先生 / 女士
    phone: str | None = None  # 13812345678 or 0731-84521376
    district: str | None = None
    street: str | None = None
    address: str | None = None
    is_anonymous: bool = False
    is_emergency: bool = False
    emergency_service: str | None = None  # "110" / "119" / "120" / "122"
    not_accepted_reason: NotAcceptedReason | None = None
    is_repeat: bool = False
    is_urgent: bool = False  # 第16条 紧急: the hotline acts within hours (never together with is_emergency)
    summary: str = ""
    keywords: tuple[str, ...] = ()
    suggested_units: tuple[SuggestedUnit, ...] = ()
    evidence: Mapping[str, str] = field(default_factory=dict)

    @property
    def urgency(self) -> Urgency:
        """The work order's urgency flag (紧急, 第16条) as this pre-fill suggests it: an emergency for 110/119/120/122
        is transferred, not accepted, so only `is_urgent` makes an order 紧急."""
        return Urgency.EMERGENCY if self.is_urgent else Urgency.NORMAL

    def to_json(self) -> dict[str, Any]:
        """One JSON object with exactly the field names of the issue, plus `evidence` (field → source words).
        The category is its Chinese label (投诉), the reason the item number of 第13条 (1–8)."""
        return {
            "category": self.category.zh if self.category is not None else None,
            "surname": self.surname,
            "form_of_address": self.form_of_address,
            "phone": self.phone,
            "district": self.district,
            "street": self.street,
            "address": self.address,
            "is_anonymous": self.is_anonymous,
            "is_emergency": self.is_emergency,
            "emergency_service": self.emergency_service,
            "not_accepted_reason": int(self.not_accepted_reason) if self.not_accepted_reason is not None else None,
            "is_repeat": self.is_repeat,
            "is_urgent": self.is_urgent,
            "summary": self.summary,
            "keywords": list(self.keywords),
            "suggested_units": [{"id": u.id, "name": u.name} for u in self.suggested_units],
            "evidence": dict(self.evidence),
        }


def prefill(
    text: str,
    *,
    notes: str = "",
    directory: UnitDirectory | None = None,
    gazetteer: Gazetteer | None = None,
) -> Prefill:
    """Extract the work-order fields from a transcript (Vosk style or plain, optionally with 坐席：/市民： turns)
    and the agent's notes. Never raises on any text; `directory` None means no unit suggestion."""
    return extract(text, notes=notes, directory=directory, gazetteer=gazetteer)


def extract(
    text: str,
    *,
    notes: str = "",
    directory: UnitDirectory | None = None,
    gazetteer: Gazetteer | None = None,
    memo: Memo | None = None,
    similar: SimilarCalls | None = None,
) -> Prefill:
    """`prefill`, with the pieces of work a call's earlier extractions did kept in `memo` (see `memo.py`): the
    same result as `prefill`, in less time when most of the transcript was read before. `similar` replaces the
    shipped similar-calls counts (bench/category_loso.py scores each labelled set with counts built without it)."""
    memo = memo if memo is not None else Memo()  # a fresh one still shares work inside this extraction
    transcript = read_transcript(text if isinstance(text, str) else "", notes if isinstance(notes, str) else "", memo)
    similar = similar if similar is not None else default_similar_calls()
    return _Extraction(transcript, gazetteer or default_gazetteer(), directory, memo, similar).run()


class _Extraction:
    def __init__(
        self,
        transcript: Transcript,
        gazetteer: Gazetteer,
        directory: UnitDirectory | None,
        memo: Memo,
        similar: SimilarCalls | None = None,
    ) -> None:
        self.t = transcript
        self.memo = memo
        self.similar = similar  # the labelled calls' counts: the category's default and second opinion
        self.gazetteer = gazetteer
        self.directory = directory
        self.evidence: dict[str, str] = {}
        self.evidence_address = ""
        self.address_is_landmark = False  # a park or lake as the address stays in the summary's words
        self.evidence_emergency = ""
        self.service: str | None = None
        # 第13条(四): what the seat calls such a call (辱骂, 骚扰, 无实质诉求), heading its summary and keywords
        self.no_matter = ""
        self.evidence_urgent = ""
        self.evidence_judged = ""  # 表扬/批评/建议: the words that say so, right before whom or what they judge
        self.evidence_category = ""  # 咨询/查询: the few words of the question that decided the category
        self.suggestions: list[UnitSuggestion] = []
        # the caller's words and the notes are what the matter is about; the notes come first in trust
        self.docs: tuple[Doc, ...] = tuple(d for d in (transcript.notes, transcript.caller) if d)
        self.places: list[tuple[Doc, Mention]] = [(doc, m) for doc in self.docs for m in gazetteer.scan(doc.compact)]
        # several matters in one call: where the first one (which decides category, summary and routing) ends
        self.matter_end: dict[int, int] = {
            id(d): end for d in self.docs if d is not transcript.notes and (end := _first_matter_end(d)) is not None
        }
        self._topics: tuple[str, ...] | None = None
        self.topic_patterns: tuple[re.Pattern[str], ...] = ()  # the cues that found the topics (没电了 → 停电)
        self.asked = False  # the caller asked a question (set by `category`)

    def note(self, name: str, doc: Doc, start: int, end: int) -> None:
        """Record the words a field came from, as they were written (marked when they are the agent's notes)."""
        words = doc.source(start, end)
        if words:
            self.evidence[name] = f"[备注] {words}" if doc is self.t.notes else words

    def run(self) -> Prefill:
        surname, form = self.name()
        phone = self.phone()
        district, street = self.place()
        address = self.address()
        service = self.service = self.emergency()
        urgent = service is None and self.urgent()
        category = self.category(emergency=service is not None, urgent=urgent)
        reason = self.reason(service, district, street)
        if reason is NotAcceptedReason.UNLAWFUL_OR_NO_REQUEST:
            category = None  # abuse or idle talk: there is no matter to classify
            self.evidence.pop("category", None)
        elif category is None and len(self.t.caller.compact) >= DEFAULT_CATEGORY_MIN_CHARS:
            # a matter was told but in no words of any category: the act the caller performs decides (see
            # `category.fallback`); complaints are the commonest kind of call, and a suggestion the seat corrects
            # beats an empty field
            sources = [Source(doc, notes=doc is self.t.notes) for doc in self.docs]
            category, label = fallback(sources, self.asked, self.similar)
            self.evidence["category"] = label
        is_anonymous = self.anonymity()
        is_repeat = self.repeat()
        topics = self.topics()
        units = self.units(category, district, topics)
        keywords = self.keywords(topics, district, street)
        summary = self.summary(district, street, address, keywords, phone)
        return Prefill(
            category=category,
            surname=surname,
            form_of_address=form,
            phone=phone,
            district=district,
            street=street,
            address=address,
            is_anonymous=is_anonymous,
            is_emergency=service is not None,
            emergency_service=service,
            not_accepted_reason=reason,
            is_repeat=is_repeat,
            is_urgent=urgent,
            summary=summary,
            keywords=keywords,
            suggested_units=units,
            evidence=self.evidence,
        )

    # --- who is calling -------------------------------------------------------------------------------------
    def name(self) -> tuple[str | None, str | None]:
        surname: str | None = None
        form: str | None = None
        for doc in (self.t.notes, self.t.caller, self.t.agent):
            if not doc:
                continue
            found = find_name(doc.compact, agent=doc is self.t.agent)
            if surname is None and found.surname is not None:
                surname = found.surname
                self.note("surname", doc, *found.surname_span)
            if form is None and found.form is not None:
                form = found.form
                self.note("form_of_address", doc, *found.form_span)
        return surname, form

    def phone(self) -> str | None:
        for doc in (self.t.notes, self.t.caller, self.t.agent):
            if not doc:
                continue
            number = self.memo.get("phone", doc.compact,
                                   lambda doc=doc: find_phone(doc.compact, self.digit_runs(doc.compact)))
            if number is not None:
                self.note("phone", doc, number.start, number.end)
                return number.number
        return None

    # --- where ----------------------------------------------------------------------------------------------
    def place(self) -> tuple[str | None, str | None]:
        mentions = [
            (d, m) for d, m in self.places if not _denied_place(d.compact, m) and not _aside_place(d.compact, m)
        ]
        in_notes = [(d, m) for d, m in mentions if d is self.t.notes and m.place.district]
        pool = in_notes or [(d, m) for d, m in mentions if m.place.district]
        if not pool:
            return None, None
        rank = {PlaceKind.DISTRICT: 3, PlaceKind.STREET: 2, PlaceKind.LANDMARK: 1}
        votes: Counter[str] = Counter()
        for _doc, m in pool:
            votes[m.place.district or ""] += rank.get(m.place.kind, 0) * 10 + 1
        best = max(votes.values())
        # ties: the district mentioned first
        district = next(m.place.district for _d, m in pool if votes[m.place.district or ""] == best)
        carrier = next((d, m) for d, m in pool if m.place.district == district)
        self.note("district", carrier[0], carrier[1].start, carrier[1].end)
        streets = [(d, m) for d, m in pool if m.place.district == district and m.place.street]
        streets.sort(key=lambda dm: (dm[1].place.kind is not PlaceKind.STREET, not dm[1].place.explicit))
        street = None
        if streets:
            doc, m = streets[0]
            street = m.place.street
            self.note("street", doc, m.start, m.end)
        return district, street

    def address(self) -> str | None:
        for doc in self.docs:
            found = find_address(self.without_personal_data(doc), [m for d, m in self.places if d is doc])
            if found is not None:
                text, start, end = found
                self.note("address", doc, start, end)
                self.evidence_address = doc.compact[start:end]
                return text
        # no estate, road or home named: the park, lake or station the matter happens at is where to send someone
        # (我在烈士公园里面, 在松雅湖那边散步, 月湖公园北门); not one the caller denies or passes through on his way
        for doc in self.docs:
            for d, m in self.places:
                if d is not doc or _denied_place(doc.compact, m) or _aside_place(doc.compact, m):
                    continue
                end = m.end
                if m.place.kind is not PlaceKind.LANDMARK:
                    park = _PARK_AFTER.match(doc.compact, m.end)
                    if m.place.explicit or m.place.kind is not PlaceKind.STREET or park is None:
                        continue  # 月湖街道 is a street; 月湖公园 is a park in it
                    end = park.end()
                self.note("address", doc, m.start, end)
                self.evidence_address = doc.compact[m.start : end]
                self.address_is_landmark = True
                return self.evidence_address
        return None

    # --- what -----------------------------------------------------------------------------------------------
    def emergency(self) -> str | None:
        if retrospective_intent([Source(doc, notes=doc is self.t.notes) for doc in self.docs]) is not None:
            return None  # a call to praise or criticise tells of an emergency that is over
        # the caller rules the police out himself (不用报警, 我自己跟他联系): what he tells is not a crime to stop now
        no_police = any(cues.NO_POLICE_WANTED.search(doc.compact) for doc in self.docs)
        for service, strong, weak in cues.EMERGENCY_SERVICES:
            if no_police and service in ("110", "122"):
                continue
            for doc in self.docs:
                hit = _live_match(doc.compact, strong)
                if hit is None and weak and not _denied_any(doc.compact, strong):
                    hit = _live_match(doc.compact, weak)
                if hit is not None and service == "120" and cues.CARE_GIVEN.search(doc.compact, hit[0]):
                    continue  # the injured has been seen to since (在医院住着, 带他去打了疫苗): no ambulance to send
                if hit is not None:
                    self.note("emergency_service", doc, *hit)
                    self.evidence_emergency = doc.compact[hit[0] : hit[1]]
                    self.evidence["is_emergency"] = self.evidence["emergency_service"]
                    return service
        return None

    def urgent(self) -> bool:
        """第16条 紧急 (see the module doc): a danger happening now that a unit must see to within hours."""
        sources = [Source(doc, notes=doc is self.t.notes) for doc in self.docs]
        if retrospective_intent(sources) is not None:
            return False  # praise for a repair done, criticism of one done late: over
        if self.answered_and_disputed() is not None:
            return False  # the unit's answer to the danger disputed (第13条(六)): the danger was seen to then
        for doc in self.docs:
            hit = _live_match(doc.compact, cues.URGENT)
            if hit is None:  # begun in the past (昨晚刮风…) and still a danger (还在冒火花)
                past = _live_match(doc.compact, cues.URGENT, allow_past=True)
                if past is not None and (
                    cues.STILL_AFTER.match(doc.compact, past[1])
                    or cues.STILL_WITHIN.search(doc.compact, past[0], past[1])
                ):
                    hit = past
            if hit is None:
                cut = _live_match(doc.compact, cues.URGENT_CUT)
                dependent = _live_match(doc.compact, cues.URGENT_DEPENDENT) if cut is not None else None
                if cut is not None and dependent is not None:
                    hit = (min(cut[0], dependent[0]), max(cut[1], dependent[1]))
            if hit is not None:
                self.note("is_urgent", doc, *hit)
                self.evidence_urgent = doc.compact[hit[0] : hit[1]]
                return True
        return False

    def category(self, *, emergency: bool, urgent: bool = False) -> Category | None:
        sources = [Source(doc, notes=doc is self.t.notes) for doc in self.docs]
        first = [Source(self.first_matter(s.doc), notes=s.notes) for s in sources]
        verdict = classify(first, emergency=emergency, urgent=urgent)
        judged = first
        if verdict.category is None and first != sources:  # the first matter says nothing of its kind
            verdict = classify(sources, emergency=emergency, urgent=urgent)
            judged = sources
        self.asked = verdict.question
        if verdict.category is None:
            return None
        overruled = second_opinion(verdict, judged, self.similar)
        if overruled is not None:  # one incidental word against what the whole call is like
            self.evidence["category"] = overruled[1]
            return overruled[0]
        if verdict.doc is not None:
            self.note("category", verdict.doc, *verdict.span)
            said = verdict.doc.compact[verdict.span[0] : verdict.span[1]]
            if verdict.category in _ASKING and len(said) <= _DECIDING_WORDS_MAX:
                # 什么材料, 卡在哪一步: where a long call gets to its question
                self.evidence_category = said
            if verdict.category in _JUDGED and said in cues.EXPLICIT_WORDS[verdict.category]:
                self.evidence_judged = said  # 表扬一下106路公交的女司机: what follows is what is judged
        elif emergency and "emergency_service" in self.evidence:
            self.evidence["category"] = self.evidence["emergency_service"]
        return verdict.category

    def reason(self, service: str | None, district: str | None, street: str | None) -> NotAcceptedReason | None:
        if service is not None:
            self.evidence["not_accepted_reason"] = self.evidence.get("emergency_service", "")
            return NotAcceptedReason.EMERGENCY_SERVICE
        checks: tuple[tuple[NotAcceptedReason, re.Pattern[str]], ...] = (
            (NotAcceptedReason.OTHER_AUTHORITY, cues.REASON_JUDGE_CONDUCT),
            (NotAcceptedReason.OTHER_LEGAL_CHANNEL, cues.REASON_LITIGATION),
            (NotAcceptedReason.OTHER_AUTHORITY, cues.REASON_OTHER_AUTHORITY),
            (NotAcceptedReason.SECRETS_OR_PRIVACY, cues.REASON_SECRETS),
        )
        for reason, pattern in checks:
            for doc in self.docs:
                hit = _live_match(doc.compact, pattern, allow_past=True)
                if hit is not None:
                    self.note("not_accepted_reason", doc, *hit)
                    return reason
        outside = self.outside(district, street)
        if outside is not None:
            doc, m = outside
            self.note("not_accepted_reason", doc, m.start, m.end)
            return NotAcceptedReason.OUTSIDE_JURISDICTION
        for doc in self.docs:
            hit = _live_match(doc.compact, cues.REASON_DISCIPLINE, allow_past=True)
            if hit is not None:
                self.note("not_accepted_reason", doc, *hit)
                return NotAcceptedReason.OTHER_AUTHORITY
        for doc in self.docs:
            hit = _live_match(doc.compact, cues.REASON_CRIMINAL_CUSTODY, allow_past=True)
            if hit is not None:
                self.note("not_accepted_reason", doc, *hit)
                return NotAcceptedReason.OTHER_BY_LAW
        for doc in self.docs:
            hit = _live_match(doc.compact, cues.REASON_FOREIGN_STATE, allow_past=True)
            if hit is not None:
                self.note("not_accepted_reason", doc, *hit)
                return NotAcceptedReason.OTHER_BY_LAW
        answered = self.answered_and_disputed()
        if answered is not None:
            self.note("not_accepted_reason", *answered)
            return NotAcceptedReason.ALREADY_HANDLED
        for doc in self.docs:
            abuse = cues.REASON_ABUSE.search(doc.compact)
            chat = _live_match(doc.compact, cues.REASON_NO_REQUEST, allow_past=True)
            substantive = self.topics() or any(m.place.district for d, m in self.places if d is doc)
            hit = abuse.span() if abuse else (chat if chat is not None and not substantive else None)
            if hit is not None:
                said = doc.compact[hit[0] : hit[1]]
                self.no_matter = (
                    "骚扰" if cues.HARASSMENT.search(said) else "辱骂" if abuse else "无实质诉求"
                )
                self.note("not_accepted_reason", doc, *hit)
                return NotAcceptedReason.UNLAWFUL_OR_NO_REQUEST
        return None

    def answered_and_disputed(self) -> tuple[Doc, int, int] | None:
        """第13条(六): the matter was answered by the unit in charge and the caller disputes it with nothing new
        (城管回复我说…, 我就是不服): where the answer is said."""
        for doc in self.docs:
            handled = _live_match(doc.compact, cues.REASON_HANDLED, allow_past=True)
            if handled is not None and cues.REASON_HANDLED_NO_NEWS.search(doc.compact):
                return doc, *handled
        return None

    def outside(self, district: str | None, street: str | None) -> tuple[Doc, Mention] | None:
        """第13条(一): the matter is in another city — a place outside Changsha is named and nothing in Changsha
        (no district, street or landmark; not "我们是长沙的"). Where the caller himself works or lives (我在长沙打工)
        says nothing of where the matter is."""
        if district is not None or street is not None:
            return None
        found = None
        for doc, m in self.places:
            if m.place.kind is PlaceKind.CITY and not cues.WHERE_I_LIVE_AFTER.match(doc.compact[m.end : m.end + 4]):
                return None
            denied = cues.REASON_OUTSIDE_DENIED_BEFORE.search(doc.compact[max(0, m.start - 2) : m.start])
            if m.place.kind is PlaceKind.OUTSIDE and found is None and not denied:
                found = (doc, m)
        return found

    def anonymity(self) -> bool:
        for doc in self.docs:
            if cues.ANONYMITY_DENIED.search(doc.compact):
                continue
            match = cues.ANONYMITY.search(doc.compact)
            if match is not None:
                self.note("is_anonymous", doc, *match.span())
                return True
        return False

    def repeat(self) -> bool:
        for doc in self.docs:
            for match in cues.REPEAT.finditer(doc.compact):
                after = doc.compact[match.end() : match.end() + 8]
                before = doc.compact[max(0, match.start() - 8) : match.start()]
                if cues.REPEAT_NOT_THROUGH_AFTER.search(after):
                    continue
                if cues.REPEAT_ELSEWHERE_AFTER.search(after) or cues.REPEAT_ELSEWHERE_BEFORE.search(before):
                    continue  # 打了好几次电话他们都推来推去: calls to someone else, not to the hotline
                if _negated(doc.compact, match.start()):
                    continue
                self.note("is_repeat", doc, *match.span())
                return True
        return False

    def first_matter(self, doc: Doc) -> Doc:
        """`doc` cut to its first matter when the caller tells several (see `_NEXT_MATTER`), else `doc`."""
        end = self.matter_end.get(id(doc))
        if end is None:
            return doc
        return Doc(original=doc.original, compact=doc.compact[:end], index=doc.index[:end])

    def topics(self) -> tuple[str, ...]:
        """The matter in the unit directory's words (夜间施工, 停水 …), computed once."""
        if self._topics is None:
            self._topics, self.topic_patterns = _topics_in(self.docs)
        return self._topics

    # --- summary, keywords, units ---------------------------------------------------------------------------
    def summary(
        self, district: str | None, street: str | None, address: str | None, words: Iterable[str], phone: str | None
    ) -> str:
        """One short sentence about the matter: the most specific place, then the clause that says most about it.
        The caller's number, name and ID number, and the places (fields of their own), are blanked first."""
        # the caller's words, unless the agent's notes say the matter better (a caller who only said 对对, 你记一下)
        texts = [self.matter_text(doc, phone, upto=self.matter_end.get(id(doc))) if doc else "" for doc in
                 (self.t.caller, self.t.notes)]
        candidates = [
            best_clause(
                text,
                tuple(words),
                # the hotline's own words for the matter (the routing's: 公交, 物业) name it as a topic does
                (*self.topics(), *(w for w in self.matched_unit_keywords() if w not in self.topics())),
                self.topic_patterns,
                decisive=tuple(w for w in (self.evidence_emergency, self.evidence_urgent, self.evidence_judged) if w),
                hints=(self.evidence_category,) if self.evidence_category else (),
                memo=self.memo,
            )
            if text
            else ("", 0.0)
            for text in texts
        ]
        core = max(candidates, key=lambda c: c[1])[0] if any(c[0] for c in candidates) else ""
        if core and core == candidates[0][0]:
            # the caller's own headline (我要投诉一个二手车行) names the matter the story then tells: it leads
            headline = announced_matter(texts[0], memo=self.memo)
            if headline and headline[1] not in core:
                core = "，".join(_dedupe_overlap([headline[0], core]))
        # the most specific place the core does not already say (a park kept in the core's words: the district)
        place = next((p for p in (address, street, district) if p and p not in core), "")
        summary = f"{place}：{core}" if place and core else (place or core)
        if self.no_matter and self.no_matter not in summary:
            summary = f"{self.no_matter}：{summary}" if summary else self.no_matter
        summary = _cut_at_word(summary, SUMMARY_MAX_CHARS)
        if summary:
            self.evidence["summary"] = core
        return summary

    def matter_text(self, doc: Doc, phone: str | None, *, upto: int | None = None) -> str:
        """`doc.compact` with personal data and place names turned into clause breaks, so no clause of the summary
        carries them and no clause runs across them."""
        compact = doc.compact
        chars = list(compact)

        def blank(start: int, end: int) -> None:
            chars[start:end] = BLANK * (end - start)

        phone_digits = (phone or "").replace("-", "")
        for run in self.digit_runs(compact):
            # a number read out (phone, ID, plate) or any piece of the caller's own number (尾号2345)
            said_as_number = _SAID_AS_NUMBER.search(compact[max(0, run.start - 4) : run.start])
            if len(run.digits) >= 6 or (len(run.digits) >= 4 and (run.digits in phone_digits or said_as_number)):
                blank(run.start, run.end)
        for pattern in (PERSONAL_NAME, cues.ID_NUMBER):
            for match in pattern.finditer(compact):
                blank(*match.span())
        # district and street are fields of their own and lead the summary: taken out of the words, but without
        # breaking the clause they sit in (我要投诉宁乡市历经铺街道的一家幼儿园 → 我要投诉一家幼儿园); a landmark
        # stays, it is often what the matter is about (烈士公园里面厕所太少), and so does a city (在衡阳买的房子)
        spans = [
            (m.start, m.end)
            for d, m in self.places
            if d is doc
            and m.place.kind in (PlaceKind.DISTRICT, PlaceKind.STREET)  # not 在长沙工作, 在衡阳买的
            and not (not m.place.explicit and _FACILITY_AFTER.match(compact, m.end))  # 梅溪湖公园 is a park
        ]
        if self.evidence_address and not self.address_is_landmark:
            spans += [match.span() for match in re.finditer(re.escape(self.evidence_address), compact)]
        for start, end in spans:
            chars[start:end] = [c if c == BLANK else PLACE for c in chars[start:end]]
        text = "".join(chars)[:upto]  # of several matters, the first
        for _ in range(2):  # 我的电话是 <number>, 住在 <place>: the words that only led to what was blanked
            text = cues.PERSONAL_INTRO_BEFORE_BLANK.sub(lambda m: BLANK * len(m.group()), text)
            text = cues.PLACE_INTRO_BEFORE_PLACE.sub(lambda m: PLACE * len(m.group()), text)
        # 我是浏阳市集里街道的 / 在望城金山桥那边: with the place gone, its 这边 and 的 say nothing
        text = _SELF_INTRO_AT_PLACE.sub("", text)
        text = re.sub(f"{PLACE}+(这边|那边|这里|那里|这块|那块|一带)?的?", "", text)
        # 我是开公交的 / 我自己是在医院上班的: the caller's own trade tells who calls, not the matter; its words
        # (公交, 医院) would pull the summary to the clause that introduces him
        text = _SELF_TRADE.sub(lambda m: BLANK * len(m.group()), text)
        return text.replace(BLANK, "。")

    def keywords(self, topics: tuple[str, ...], district: str | None, street: str | None) -> tuple[str, ...]:
        # place names and the address are fields of their own: cut them out before looking for the matter's words
        parts = []
        for doc in self.docs:
            chars = list(self.without_personal_data(doc))  # keywords are free text too: no name, no number
            spans = [(m.start, m.end) for d, m in self.places if d is doc]
            spans += [m.span() for m in _SELF_TRADE.finditer(doc.compact)]  # who calls, not the matter
            if self.evidence_address:  # found in the original words: before any place inside it is blanked
                spans += [m.span() for m in re.finditer(re.escape(self.evidence_address), doc.compact)]
            for start, end in spans:
                chars[start:end] = "。" * (end - start)
            parts.append("".join(chars))
        text = "。".join(parts)
        places = {m.place.name for _d, m in self.places} | {district or "", street or ""}
        words = extract_keywords(text, exclude=places, memo=self.memo)
        matched = self.matched_unit_keywords()
        # what made it an emergency or urgent names the matter (a long urgent phrase is no keyword)
        emergency = [self.evidence_emergency] if self.evidence_emergency else []
        if self.evidence_urgent and len(self.evidence_urgent) <= 6:
            emergency.append(self.evidence_urgent)
        merged: list[str] = []
        for word in (self.no_matter, *emergency, *topics, *matched, *words):
            if word and word.casefold() not in {m.casefold() for m in merged}:  # KTV and ktv are one word
                merged.append(word)
        if merged:
            self.evidence["keywords"] = "、".join(merged[:8])
        return tuple(merged[:8])

    def digit_runs(self, compact: str) -> tuple[DigitRun, ...]:
        return self.memo.get("digit_runs", compact, lambda: tuple(digit_runs(compact)))

    def without_personal_data(self, doc: Doc) -> str:
        return self.memo.get("without_personal_data", doc.compact,
                             lambda: _without_personal_data(doc.compact, self.digit_runs(doc.compact)))

    def matched_unit_keywords(self) -> list[str]:
        """The unit directory's words found in the call (网约车, 绕路) by the suggested units: the hotline's own
        vocabulary for the matter."""
        words: list[str] = []
        routed = cues.EMERGENCY_ROUTING_WORDS.get(self.service or "", ())  # ours, not the caller's
        for suggestion in self.suggestions:
            words += [w for w in suggestion.matched_keywords if w not in words and w not in routed]
        return sorted(words, key=len, reverse=True)[:4]

    def units(
        self, category: Category | None, district: str | None, topics: tuple[str, ...]
    ) -> tuple[SuggestedUnit, ...]:
        if self.directory is None:
            return ()
        # the matter is told in the first minutes; the routing's cost grows with the text. Of several matters the
        # first decides (its unit leads); the others' words stay in the keywords.
        if self.matter_end:
            docs = tuple(self.first_matter(doc) for doc in self.docs)
            topics = _topics_in(docs)[0]
        else:
            docs = self.docs
        # an emergency is transferred (第13条(二)); the unit of its kind, where the directory has one, comes first
        routing_words = cues.EMERGENCY_ROUTING_WORDS.get(self.service or "", ())
        text = "。".join([*(doc.compact[:ROUTING_MAX_CHARS] for doc in docs), *topics, *routing_words])
        if district is not None and district not in self.directory.districts:
            district = None
        try:
            suggestions = suggest_units(self.directory, category=category, district=district, text=text, limit=3)
        except AgentDesktopError:  # a directory the routing refuses: no suggestion rather than no pre-fill
            return ()
        asked = _asked_unit(self.directory, docs[0].compact[:ROUTING_MAX_CHARS] if docs else "", category)
        if asked is not None and all(s.unit.id != asked.unit.id for s in suggestions):
            suggestions = (asked, *suggestions[:2])
        self.suggestions = suggestions
        if suggestions:
            self.evidence["suggested_units"] = "; ".join(
                f"{s.unit.name}: {'、'.join(s.matched_keywords) or '属地'}"
                + ("".join(f" ({r})" for r in s.reasons if r.startswith("区域未知")))
                for s in suggestions
            )
        return tuple(SuggestedUnit(s.unit.id, s.unit.name) for s in suggestions)


_ADDRESS_SUFFIX = re.compile(
    r"(小区|社区|家属区|家属院|宿舍|花园|家园|公寓|大厦|新村|新城|村(?![里民子干上])|华庭|华府|名邸|公馆|山庄|雅苑|嘉园|苑|"
    r"[一二三四五六七八九十百零\d]{1,4}(栋(?![下上])|号楼(?![下上道梯顶])|单元|组))"
)
# 路灯/路费/路况… are not roads; the house number is optional
_ROAD = re.compile(
    r"([\u4e00-\u9fff]{2,5}?(?:路(?![灯费况线过人途由子边])|大道|巷|街(?!道)))([一二三四五六七八九十百零\d]{1,5}号)?"
)
_ROAD_BAD = re.compile(
    r"(马路|公路|这条路|那条路|修路|走路|一条街|街道$|夜宵一条街|步行街|这里|那里|哪里|这边|那边|一盏|几盏|"
    r"线路|道路|出路|一路)"
)
# 我是<place>的, 我们这里是<place>的 (then a break or 我…): a self-introduction that says only where
_SELF_INTRO_AT_PLACE = re.compile(
    f"(我们?|我们?这[里边]|这[里边])是{PLACE}+(这边|那边|这里|那里)?的(?=[,，。]|$|村民|居民|业主|住户|我)"
)
# a bare place alias followed by one of these is the name of a facility or estate (梅溪湖公园, 望月湖小区)
_FACILITY_AFTER = re.compile(
    r"公园|小区|花园|社区|广场|医院|学校|中学|小学|幼儿园|市场|菜市场|大桥|桥|湖|山|路|街|大道|村"
)
# 月湖公园 / 洋湖湿地公园: a street's bare name and a park, the park the address when nothing else is
_PARK_AFTER = re.compile(r"(湿地)?公园|广场")
_SAID_AS_NUMBER = re.compile("尾号|电话|手机|号码|号是|身份证|证号")
_NAME_STOP = re.compile(
    r".*(的|在|住|是|我们|我|他|她|到|那个|这个|了|就|这边|那边|街道|镇|区|县|市|乡|门口|附近|旁边|对面|里面|叫|们|，|,|。|、|边|:|：|;|反映|先生|女士|号)"
)
# 一个小区 / 那个老小区: any estate, not its name (the name often follows: 叫砂子塘小区)
_GENERIC_NAME = re.compile(r"(一|这|那|某|哪|我们|我家)?(个|家|座)?(老|新|旧|破|大|小)?$")
_LIVE_AT = re.compile(r"(小区是|小区叫|住在|(?<![人大老])家在|地址是|地址在)")  # not 人家在搞传销
_ADDRESS_END = re.compile(
    r"[。，！？；,!?;:]|我|电话|姓|你|他|她|这边|那边|附近|旁边|门口|楼下|楼上|对面|隔壁|里面|的(?=[^\u4e00-\u9fff]|$)"
)


def find_address(compact: str, mentions: list[Mention]) -> tuple[str, int, int] | None:
    """The community / residential area / road and number the caller names (without district and street)."""
    spans: list[tuple[int, int]] = []
    for match in _ADDRESS_SUFFIX.finditer(compact):
        window_start = max(0, match.start() - 8)
        window = compact[window_start : match.start()]
        stop = _NAME_STOP.match(window)
        name_start = window_start + (stop.end() if stop else 0)
        for m in mentions:
            if m.end == match.start() and _names_the_estate(m):
                # 望月湖小区 / 梅溪湖花园: a bare place alias right before the suffix is the estate's own name (Vosk
                # even splits it off: "望月湖 小区"), not the street the caller named before it
                name_start = min(max(name_start, m.start), m.start)
                break
            if m.start < match.start() and m.end > name_start:
                name_start = max(name_start, m.end)
        if match.start() - name_start >= 2 and not _GENERIC_NAME.match(compact, name_start, match.start()):
            spans.append((name_start, match.end()))
    for match in _ROAD.finditer(compact):
        start, end = match.span()
        name = compact[start:end]
        if _ROAD_BAD.search(name) or _bus_line(compact, match):
            continue
        stop = _NAME_STOP.match(compact[start : match.end(1)])
        if stop is not None:
            start += stop.end()
        # a road the gazetteer knows (湘雅路) is a landmark, but with a house number it is the caller's address
        known = any(m.start <= start and m.end >= match.end(1) for m in mentions)
        if match.end(1) - start >= 2 and (not known or match.group(2)):
            spans.append((start, end))
    if not spans:
        for match in _LIVE_AT.finditer(compact):
            rest = compact[match.end() : match.end() + 24]
            if re.match(r"(的|在)?(哪|什么地方|啥地方|那里|这里)", rest):
                continue  # 她现在住在哪里: a question, not an address
            cut = _ADDRESS_END.search(rest)
            rest_end = match.end() + (cut.start() if cut else len(rest))
            start = match.end()
            for m in sorted(mentions, key=lambda m: m.start):
                # skip the district and street said first (住在开福区…), not a road or landmark that is the address
                if m.place.kind in (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.CITY) and m.start <= start < m.end:
                    start = m.end
            while start < rest_end and compact[start] in "的在":
                start += 1
            if rest_end - start >= 2:
                spans.append((start, rest_end))
                break
    if not spans:
        return None
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + 1 and compact[merged[-1][1] : start] not in CLAUSE_END:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    start, end = max(merged, key=lambda s: (s[1] - s[0], -s[0]))
    return compact[start:end].strip("的，,。"), start, end


# 一零六路 / 三十二路 公交: a bus line, not a road (八一路 and 五一路 are roads: a line needs three numerals, or
# 公交/车/司机 after it, or 坐/搭/等 before it)
_BUS_LINE_NUMBER = re.compile(r"[零一二三四五六七八九十百幺两\d]+路$")
_BUS_AFTER = re.compile(r"(公交|车|的车|大巴|巴士|的司机|司机|末班|首班)")
_BUS_BEFORE = re.compile(r"(坐|搭|乘|等|上了|那趟|这趟)$")


def _bus_line(compact: str, match: re.Match[str]) -> bool:
    number = _BUS_LINE_NUMBER.search(match.group(1))
    if number is None or match.group(2):
        return False
    line_start = match.start(1) + number.start()
    return (
        len(number.group()) >= 4
        or bool(_BUS_AFTER.match(compact, match.end(1)))
        or bool(_BUS_BEFORE.search(compact[max(0, line_start - 2) : line_start]))
    )


def _without_personal_data(compact: str, runs: Iterable[DigitRun] | None = None) -> str:
    """`compact` with numbers read out (a phone, 尾号二三四五) and the caller's name (我姓王) turned into commas,
    same length: neither is ever part of an estate's name (手机尾号二三四五小区, 我姓王小区停水). `runs`: the
    digit runs of `compact`, when they are known."""
    chars = list(compact)
    for run in digit_runs(compact) if runs is None else runs:
        if len(run.digits) >= 4:
            chars[run.start : run.end] = "，" * (run.end - run.start)
    for match in PERSONAL_NAME.finditer(compact):
        chars[match.start() : match.end()] = "，" * (match.end() - match.start())
    return "".join(chars)


# the caller's trade or workplace, said of himself as 是…的 (我是开快递驿站的, 我是做生意的, 我自己是在医院上班的):
# who calls, not what the call is about (not 我是来投诉的: no trade verb; not 我在电子厂上班, often the other
# party of a labour matter)
_SELF_TRADE = re.compile(
    r"我(自己|本人)?是(开|做|跑|搞|卖)[\u4e00-\u9fff]{1,8}?的(?![人事])"
    r"|我(自己|本人)?是在[\u4e00-\u9fff]{1,8}?(上班|工作|打工|做事)的"
)
# the caller announcing his matter before telling it: 我要投诉一个二手车行, 我想举报一个卖保健品…的窝点,
# 我反映一下婚姻登记处的工作人员, 我提个建议关于老小区加装电梯的; said in the first words of the call
_ANNOUNCING = re.compile(
    r"我们?(想|要|是想|是要|就是要|今天)?(来)?(投诉|举报|反映|表扬|批评|提个?建议|建议)(?![过的了])(一下|下)?"
    r"(关于)?[,，:：\s]*"
)  # not 反映过三次了, 反映的问题: an earlier call, not a headline
# where the announced object ends: the story starts (我…, 是在…, 他…), the caller turns to his request (你们别说
# 是我…) or a clause breaks
_ANNOUNCED_END = re.compile(
    r"的(问题|事情?|情况)|这个事|[。，,！？!?\x00\x01]|我(?!们)|是在|是|住在|他|她|你们?|别|莫|不要|但"
)
# an object that says nothing (我反映个事, 我想反映一个问题, 提点意见)
_ANNOUNCED_GENERIC = re.compile(r"^(一个|一件|个|件|一点|点|一下|下)?(事|问题|情况|意见|建议|东西)|^(你|您)")
ANNOUNCED_WITHIN = 40  # a headline is said at the start of the call
ANNOUNCED_MAX_CHARS = 18


def announced_matter(text: str, memo: Memo | None = None) -> tuple[str, str] | None:
    """The caller's headline, (投诉一个二手车行, 一个二手车行): the act and its object, when the caller names
    the matter in his first words; None when he does not, or names nothing (我反映个事)."""
    match = _ANNOUNCING.search(text[:ANNOUNCED_WITHIN])
    if match is None:
        return None
    rest = text[match.end() : match.end() + ANNOUNCED_MAX_CHARS + 4]
    end = _ANNOUNCED_END.search(rest, 1)
    if re.match("我(?!们)", rest):
        return None  # 我要反映一下我上个月已经反映过了: the story, not a name for the matter
    obj = cues.FILLERS.sub("", rest[: end.start()] if end else rest).lstrip("的")  # 我们这里的一个问题
    if len(obj) > ANNOUNCED_MAX_CHARS:  # cut between words
        kept = ""
        for word in words_of(obj, memo):
            if len(kept) + len(word) > ANNOUNCED_MAX_CHARS:
                break
            kept += word
        obj = kept
    if len(obj) < 2 or _ANNOUNCED_GENERIC.match(obj) or not re.search(r"[\u4e00-\u9fff]{2}", obj):
        return None
    act = match.group(3)
    return f"{act}{obj}", obj


# the caller sends the matter to a unit by its name: 你们帮我找市场监管的, 通知供电局来, 转给住建局
_ASKS_FOR_UNIT = re.compile(r"(帮我找|你们找|去找|找一下|通知|转给|转到|叫|让)(一下)?")


def _asked_unit(directory: UnitDirectory, compact: str, category: Category | None) -> UnitSuggestion | None:
    """The unit the caller asks for by its name or short name (of three characters or more: not 公安), when it
    handles the category; None when he names none. The routing's keywords can miss a matter the caller himself
    knows the unit of (调表 is the market regulator's because he says 找市场监管的)."""
    names, pattern = _unit_names(directory)
    for match in _ASKS_FOR_UNIT.finditer(compact):
        named = pattern.match(compact, match.end())
        if named is not None:
            unit = names[named.group()]
            if category is None or unit.handles(category):
                return UnitSuggestion(unit, 0.0, ("来电人点名",), (named.group(),))
    return None


_UNIT_NAMES: dict[int, tuple[UnitDirectory, dict[str, Unit], re.Pattern[str]]] = {}


def _unit_names(directory: UnitDirectory) -> tuple[dict[str, Unit], re.Pattern[str]]:
    """The directory's names of three characters or more, longest first, as one pattern (built once per
    directory: a call is pre-filled many times)."""
    cached = _UNIT_NAMES.get(id(directory))
    if cached is None or cached[0] is not directory:
        names = {n: unit for unit in directory.units for n in unit.names if len(n) >= 3}
        pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) or "(?!)")
        cached = _UNIT_NAMES[id(directory)] = (directory, names, pattern)
    return cached[1], cached[2]


def _names_the_estate(mention: Mention) -> bool:
    """A mention that can be the first part of an estate's or road's name: a bare alias (望月湖, not 望月湖街道)
    or a landmark; a district or street said in full (岳麓区, 望月湖街道) is where the estate is, not its name."""
    return not mention.place.explicit or mention.place.kind is PlaceKind.LANDMARK


def best_clause(
    compact: str,
    words: tuple[str, ...],
    topics: tuple[str, ...] = (),
    topic_patterns: tuple[re.Pattern[str], ...] = (),
    *,
    decisive: tuple[str, ...] = (),
    hints: tuple[str, ...] = (),
    memo: Memo | None = None,
) -> tuple[str, float]:
    """The clause that says most about the matter, without fillers: split at punctuation, and text without
    punctuation (Vosk) into overlapping windows cut between words; score by the matter's keywords and words of a
    request. `decisive` words (what made it an emergency: 追尾, 着火) name the matter as much as a topic; `hints`
    (the words that decided the category: 什么材料) point to where a long call gets to its matter."""
    cleaned = cues.FILLERS.sub("", compact)
    # brackets too: a clause cut inside a bracket would leave it unbalanced (有阿尔茨海默症)今日上午走失)
    clauses = [c for c in re.split(f"[{re.escape(CLAUSE_END)}()（）【】\\[\\]]", cleaned) if c]
    pieces: list[str] = []
    for clause in clauses:
        if len(clause) <= 36:
            pieces.append(clause)
        elif memo is None:
            pieces += _windows(clause)
        else:
            pieces += memo.get("windows", clause, lambda clause=clause: tuple(_windows(clause, memo=memo)))
    pieces = [p for p in (_trim(p) for p in pieces) if len(p) >= 2]
    if not pieces:
        return "", 0.0
    topic_words = tuple({w for t in topics for w in (t, t[:2])})
    keywords = tuple(w for w in words if w not in topic_words)

    def score(piece: str) -> float:
        return (
            sum(3.0 for word in topic_words if word in piece)
            + sum(3.0 for word in decisive if word in piece)
            # the clause that tells the topic in the caller's own words (我们这片没电了 is 停电) counts as naming it
            + sum(3.0 for pattern in topic_patterns if pattern.search(piece))
            + sum(1.5 for word in keywords if word in piece)
            + sum(3.0 for word in hints if word in piece)
            + sum(1.0 for word in _MATTER_HINTS if word in piece)
            + 0.01 * min(len(piece), 30)
        )

    ranked = sorted(range(len(pieces)), key=lambda i: (-score(pieces[i]), i))
    chosen = [ranked[0]]
    if len(ranked) > 1 and len(pieces[ranked[0]]) + len(pieces[ranked[1]]) <= 44 and score(pieces[ranked[1]]) >= 1.5:
        chosen.append(ranked[1])
    text = "，".join(_dedupe_overlap([pieces[i] for i in sorted(chosen)]))
    return _cut_at_word(text, SUMMARY_MAX_CHARS), score(pieces[ranked[0]])


def _windows(clause: str, size: int = 32, step: int = 12, memo: Memo | None = None) -> list[str]:
    """Overlapping windows of a long clause (a Vosk transcript has no punctuation), each starting and ending
    between two words so the summary never starts mid-word (道望月湖…)."""
    bounds = [0]
    for word in words_of(clause, memo):
        bounds.append(bounds[-1] + len(word))
    # bounds rise strictly (no word is empty): the last bound within a window and the first at a step are bisections
    windows: list[str] = []
    start_index = 0
    while start_index < len(bounds) - 1:
        start = bounds[start_index]
        end = bounds[bisect_right(bounds, start + size) - 1]
        if end <= start:  # one word longer than a window
            end = bounds[start_index + 1]
        window = clause[start:end]
        if end < len(clause):  # cut before its object: 电表有问题想 / 在哪里补我们
            window = _WINDOW_TAIL.sub("", window) or window
        windows.append(window)
        if end >= len(clause):
            break
        start_index = min(bisect_left(bounds, start + step), len(bounds) - 1)
    return windows


_WINDOW_TAIL = re.compile(r"(我想|我要|我们|你们|他们|想|要|我|你|他|她|那|这|就|在|给)+$")


def _trim(piece: str) -> str:
    """Without the connectives a clause cut out of a sentence starts or ends with (也…, …我的)."""
    return cues.SUMMARY_TRAILING.sub("", cues.SUMMARY_LEADING.sub("", piece))


def _cut_at_word(text: str, limit: int) -> str:
    """At most `limit` characters, cut between two words."""
    if len(text) <= limit:
        return text
    kept = ""
    for word in words_of(text):
        if len(kept) + len(word) > limit:
            break
        kept += word
    return kept.rstrip("，：") or text[:limit]


def _dedupe_overlap(parts: list[str]) -> list[str]:
    """Overlapping windows of a Vosk transcript share text: join them without saying it twice."""
    out: list[str] = []
    for part in parts:
        if out:
            previous = out[-1]
            overlap = next((k for k in range(min(len(previous), len(part)), 0, -1) if previous.endswith(part[:k])), 0)
            if overlap:
                out[-1] = previous + part[overlap:]
                continue
        out.append(part)
    return out


_MATTER_HINTS = (
    "投诉", "举报", "咨询", "建议", "表扬", "批评", "查询", "求助", "反映", "问题", "噪音", "吵", "停", "没有", "不",
    "乱", "非法", "无证", "怎么", "能不能", "希望",
)  # fmt: skip


def _negated(text: str, start: int) -> bool:
    return bool(cues.NEGATION_BEFORE.search(text[max(0, start - 4) : start]))


def _live_match(text: str, pattern: str | re.Pattern[str], *, allow_past: bool = False) -> tuple[int, int] | None:
    """The first match that is not denied, hypothetical or (unless allowed) in the past."""
    compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
    for match in compiled.finditer(text):
        start, end = match.span()
        if start == end:
            continue
        before = text[max(0, start - 14) : start]
        clause_before = re.split(f"[{re.escape(CLAUSE_END)}]", before)[-1]
        after = text[end : end + 6]
        if _negated(text, start):
            continue
        if cues.HYPOTHETICAL_BEFORE.search(clause_before[-8:]) or cues.HYPOTHETICAL_AFTER.search(after):
            continue
        if not allow_past and (cues.PAST_BEFORE.search(clause_before) or cues.PAST_AFTER.search(after)):
            continue
        if cues.NOT_NOW_BEFORE.search(clause_before[-4:]):
            continue
        if text[start] == "打" and cues.OTHER_SENSE_OF_HIT_BEFORE.search(before[-12:]):
            continue
        return start, end
    return None


def _denied_any(text: str, pattern: str) -> bool:
    """True when a word of `pattern` is explicitly denied somewhere (没有着火): its weak words then do not count."""
    return any(_negated(text, m.start()) for m in re.finditer(pattern, text))


def _denied_place(text: str, mention: Mention) -> bool:
    """不是岳麓区的 / 不在芙蓉区: the caller says where the matter is not."""
    before = text[max(0, mention.start - 2) : mention.start]
    return before.endswith(("不是", "不在"))


# 我在梅溪湖上班 / 打车回星沙: where the caller works or goes home, told on the way to a matter that is elsewhere
_ASIDE_BEFORE = re.compile(r"(我|我们|我是|我平时|我每天)在$|(打车|坐车|开车|骑车|走路)?回$")
_ASIDE_AFTER = re.compile(r"(上班|工作|打工|读书|上学|念书)")


def _aside_place(text: str, mention: Mention) -> bool:
    before = text[max(0, mention.start - 5) : mention.start]
    if not _ASIDE_BEFORE.search(before):
        return False
    return before.endswith("回") or bool(_ASIDE_AFTER.match(text, mention.end))


# 我有两个事 … 第二个 / 还有一个事 / 顺便问一下: several matters in one call. The first decides the category (the
# others go in the summary), unless the caller says which one is the main one (主要是想投诉…).
_NEXT_MATTER = re.compile(
    r"第二(个|件|点)(?!月|星期|礼拜|小时|钟头|年|人|孩子|小孩|儿子|女儿|楼|单元)|(哦|噢|对了|另外)还有|还有就是|另外(一)?(个|件)(事|问题)|还有(一)?(个|件)(事|问题)|顺便(问|说|反映|提)|再(问|说)(一下|个)|还想问|另外问"
)
_MAIN_MATTER = re.compile(r"主要(是)?(想|要|就是)?")
_FIRST_MATTER_MIN_CHARS = 8


_JUDGED = (Category.PRAISE, Category.CRITICISM, Category.SUGGESTION)
_DECIDING_WORDS_MAX = 8
_ASKING = (Category.CONSULTATION, Category.QUERY)


def _first_matter_end(doc: Doc) -> int | None:
    """Where the first of several matters ends in the caller's words (see `_NEXT_MATTER`), or None for one."""
    text = doc.compact
    nxt = _NEXT_MATTER.search(text)
    if nxt is None or nxt.start() < _FIRST_MATTER_MIN_CHARS:
        return None
    if _MAIN_MATTER.search(text, nxt.end()):
        return None  # the main matter is named after another: the whole call decides
    return nxt.start()


def _topics_in(docs: Iterable[Doc]) -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
    """The matter in the unit directory's words (夜间施工, 停水 …) and the cues that found them."""
    found: list[str] = []
    patterns: list[re.Pattern[str]] = []
    for doc in docs:
        for pattern, words in cues.TOPICS:
            match = pattern.search(doc.compact)
            if match is not None and not _negated(doc.compact, match.start()):
                found += [w for w in words if w not in found]
                patterns.append(pattern)
    return tuple(found), tuple(patterns)
