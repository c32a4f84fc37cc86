"""The engine: a question in, a :class:`Reply` out. No front end is known here.

Deciding *whether* to answer matters more than ranking: the best fact must score above a threshold and
beat the best fact citing a different sentence by a margin (or score fairly and lead by a wider margin,
the wider the lower it scores). A curated near miss about what the question asks that fits it as well as
any fact, or nearly as well while covering what the question asks beyond the fact, turns the answer into
a decline with that near miss's hint. A word the story never uses, or a name the best fact never
involves, blocks an answer, and so does a best variant sharing only how the question asks.
"""

from __future__ import annotations

import functools
import itertools
import math
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bot.config import Matching
from bot.engine.choices import Choices
from bot.engine.index import Query, Scored, StoryIndex, or_pairs
from bot.engine.reply import Match, Reason, Reply, Status
from bot.engine.retrieval import Retrieval
from bot.engine.text import words
from bot.knowledge.base import Fact, KnowledgeBase, Story

AUTOCOMPLETE_MAX_CHARS = 100
NEAR_MISS_SLACK = 5.0  # how far below the best fact a near miss asking the question's extra point may score


@dataclass(frozen=True, slots=True)
class _Ranked:
    """The best score of one fact (or near miss) for a question."""

    index: StoryIndex
    best: Scored

    @property
    def story(self) -> Story:
        return self.index.story

    @property
    def fact(self) -> Fact:
        return self.index.story.facts[self.best.entry.fact]

    def match(self) -> Match:
        return Match(self.story, self.fact, round(self.best.score, 1), self.best.entry.question)


# facts (best entry each) and near misses, best first, and each story's reading of the question
_Ranking = tuple[list[_Ranked], list[_Ranked], dict[str, Query]]


@dataclass(frozen=True, slots=True)
class Assessment:
    """How a question ranks the facts, before the answer threshold and margin are applied."""

    best: Match | None
    margin: float  # how far the best fact leads the best fact citing another sentence
    suggestions: tuple[Match, ...]
    near_miss: str | None  # the curated hint when a "not answered" variant fits at least as well
    unknown: tuple[str, ...]  # question terms the story never uses, that block an answer (see _blocking)
    strays: tuple[str, ...]  # names in the question that the best fact does not involve
    about: bool  # the best variant shares what the question is about, not only how it asks (Query.focus)

    def answers(self, m: Matching) -> bool:
        """Answer only a question the story has words for, naming nothing the best fact never involves ("what
        did the ministry say about Russia"), whose best variant shares its topic ("where is South Korea" is no
        question for "Where did they sign it?"), that the best fact fits well and clearly best, or fits fairly
        and far better than any other: the lower the score, the wider the lead it needs."""
        if self.best is None or self.near_miss or self.unknown or self.strays or not self.about:
            return False
        return self.margin >= _lead(self.best.score, m)


class Engine:
    """Answers questions from one loaded fact base; immutable, so it can be shared freely."""

    def __init__(self, kb: KnowledgeBase, matching: Matching | None = None) -> None:
        self.kb = kb
        self.matching = matching or Matching()
        self._indexes = {story.id: StoryIndex(story) for story in kb.stories}
        self._positions = {story.id: pos for pos, story in enumerate(kb.stories)}
        self._retrieval = Retrieval(list(self._indexes.values()))
        choices = [
            (q, number)
            for number, fact in enumerate(f for story in kb.stories for f in story.facts)
            for q in fact.questions
            if len(q) <= AUTOCOMPLETE_MAX_CHARS
        ]
        self._finder = Choices([q for q, _ in choices])
        self._choice_fact = array("i", (number for _, number in choices))  # which fact each choice asks for

    def assess(self, question: str, story: str | None = None, *, deciding: bool = False) -> Assessment:
        """Rank the facts for ``question`` without deciding; :meth:`answer` and ``storybot tune`` decide.

        ``deciding``: for this engine's own thresholds only, so facts that change no reply may be left out
        (those below :meth:`_floor`, those below ``suggest_threshold`` that only a suggestion could show, rivals
        too far behind to matter: see :func:`_reach`) and a margin may read wider than it is. The facts only
        suggestions need are ranked only when the best fact is not answered after all; when it is, the
        suggestions may be wrong. Otherwise the assessment is exact whatever thresholds decide."""
        facts, near_misses, queries, rest = self._rank(question, story, deciding)
        found = self._assessment(question, facts, near_misses, queries)
        if rest is not None and not found.answers(self.matching):
            found = self._assessment(question, *rest())
        return found

    def _assessment(
        self, question: str, facts: list[_Ranked], near_misses: list[_Ranked], queries: dict[str, Query]
    ) -> Assessment:
        m = self.matching
        offered = tuple(
            r.match()
            for r in facts[: m.max_suggestions]
            if r.best.score >= m.suggest_threshold and queries[r.story.id].shares_focus(r.best.entry.terms)
        )
        top = facts[0] if facts else None
        unexplained = top.index.unexplained(queries[top.story.id], top.best.entry.fact) if top else frozenset()
        near = next((r for r in near_misses if self._blocks(r, top, unexplained)), None)
        unknown, strays = _unasked(question, top, queries[top.story.id], unexplained) if top else ((), ())
        return Assessment(
            best=top.match() if top else None,
            margin=self._margin(facts) if facts else 0.0,
            suggestions=offered,
            near_miss=near.best.entry.says if near else None,
            unknown=unknown,
            strays=strays,
            about=top is not None and queries[top.story.id].shares_focus(top.best.entry.terms),
        )

    def _blocks(self, near: _Ranked, top: _Ranked | None, unexplained: frozenset[str]) -> bool:
        """A near miss declines the question when it fits at least as well as the best fact, or nearly as well
        while naming something the question asks that the fact never mentions ("what are the missiles called").
        Another story's near miss must fit better than the best fact: it says only what its own story does not
        say. (It shares what the question is about, or it would not be scored: see :attr:`Query.focus`.)"""
        score = near.best.score
        if score < self.matching.suggest_threshold:
            return False
        if top is None or score > top.best.score:
            return True
        if near.index is not top.index:
            return False
        return score == top.best.score or (
            score >= top.best.score - NEAR_MISS_SLACK and not unexplained.isdisjoint(near.best.entry.terms)
        )

    def answer(self, question: str, story: str | None = None) -> Reply:
        """Answer ``question`` from every story, or from the one named."""
        m = self.matching
        if not question.strip():
            return Reply(question, Status.NO_MATCH, self.kb.revision, reason=Reason.EMPTY)
        if len(question) > m.max_question_length:
            return Reply(question, Status.NO_MATCH, self.kb.revision, reason=Reason.TOO_LONG)
        found = self.assess(question, story, deciding=True)
        if found.near_miss:
            return Reply(
                question, Status.SUGGESTIONS, self.kb.revision, suggestions=found.suggestions, hint=found.near_miss
            )
        if found.answers(m):
            return Reply(question, Status.ANSWERED, self.kb.revision, match=found.best)
        status = Status.SUGGESTIONS if found.suggestions else Status.NO_MATCH
        return Reply(question, status, self.kb.revision, suggestions=found.suggestions)

    def answer_fact(self, story_id: str, fact_id: str, question: str) -> Reply:
        """Answer with a chosen fact (a "did you mean" pick), scored against the question for the footer."""
        index = self._indexes[story_id]
        position, fact = next((i, f) for i, f in enumerate(index.story.facts) if f.id == fact_id)
        query = index.query(question, self.matching.max_question_words)
        scored = [s for s in index.search(query) if s.entry.fact == position and not s.entry.says]
        score, variant = (scored[0].score, scored[0].entry.question) if scored else (0.0, fact.questions[0])
        match = Match(index.story, fact, round(score, 1), variant)
        return Reply(question, Status.ANSWERED, self.kb.revision, match=match)

    def complete(self, text: str, limit: int = 25) -> list[str]:
        """Question variants for autocomplete: the best per fact, each short enough for Discord."""
        if not text.strip():  # each fact's first question short enough, in fact order
            facts = (f for story in self.kb.stories for f in story.facts)
            firsts = (next((q for q in f.questions if len(q) <= AUTOCOMPLETE_MAX_CHARS), None) for f in facts)
            return list(itertools.islice(filter(None, firsts), limit))
        found = process.extract(
            text, self._finder.candidates(text), scorer=fuzz.WRatio, processor=utils.default_process, limit=limit * 4
        )
        seen: set[int] = set()
        out: list[str] = []
        for question, _score, k in found:
            if (fact := self._choice_fact[k]) not in seen:
                seen.add(fact)
                out.append(question)
        return out[:limit]

    def _floor(self) -> float:
        """The score below which a fact changes no reply: it is neither answered nor suggested, and as a rival
        it leaves the best fact's margin above both ``margin`` and ``clear_margin`` (see Assessment.answers)."""
        m = self.matching
        return max(0.0, min(m.suggest_threshold, m.answer_threshold - m.margin, m.clear_threshold - m.clear_margin))

    def _rank(
        self, question: str, story: str | None, deciding: bool = False
    ) -> tuple[list[_Ranked], list[_Ranked], dict[str, Query], Callable[[], _Ranking] | None]:
        """The best entry per fact, facts and near misses apart, best first; each story's reading; and, when
        deciding, a way to rank the facts only suggestions need, if any were left out."""
        m = self.matching
        positions = [self._positions[story]] if story else range(len(self._positions))
        ranking, rest = self._retrieval.rank(
            question,
            positions,
            max_words=m.max_question_words,
            floor=self._floor() if deciding else 0.0,
            near_floor=m.suggest_threshold,
            near_slack=NEAR_MISS_SLACK,
            keep=m.max_suggestions,
            offer_floor=m.suggest_threshold if deciding else 0.0,
            reach=functools.partial(_reach, m=m) if deciding else lambda top: math.inf,
            answering=deciding,
        )
        as_ranked = lambda r: ([_Ranked(*p) for p in r[0]], [_Ranked(*p) for p in r[1]], r[2])  # noqa: E731
        return *as_ranked(ranking), (lambda: as_ranked(rest())) if rest else None

    @staticmethod
    def _margin(ranked: list[_Ranked]) -> float:
        """How far the best fact leads the best one citing a different sentence (or another story)."""
        top = ranked[0]
        rival = next((r for r in ranked[1:] if r.story is not top.story or r.fact.source != top.fact.source), None)
        return top.best.score - rival.best.score if rival else top.best.score


def _clear_lead(score: float, m: Matching) -> float:
    """The lead the clear rule asks of a best fact scoring ``score``: ``clear_margin`` at ``clear_threshold``,
    narrowing in step with the score to ``margin`` at ``answer_threshold``, so the two rules meet instead of
    leaving a fact that scores 75 and leads by 19 unanswered."""
    span = m.answer_threshold - m.clear_threshold
    share = min(1.0, (score - m.clear_threshold) / span) if span > 0 else 0.0
    return m.clear_margin + share * (m.margin - m.clear_margin)


def _lead(score: float, m: Matching) -> float:
    """The lead over every rival a best fact scoring ``score`` needs to be answered (inf: it cannot be)."""
    leads = [m.margin] if score >= m.answer_threshold else []
    if score >= m.clear_threshold:
        leads.append(_clear_lead(score, m))
    return min(leads, default=math.inf)


def _reach(top: float, m: Matching) -> float:
    """The widest lead (:func:`_lead`) a best fact scoring ``top`` or more can need: a rival further behind
    changes no decision, however the best fact's score rises as more facts are scored."""
    start = max(top, m.clear_threshold)
    return m.margin if start >= m.answer_threshold else max(_clear_lead(start, m), m.margin)


def _unasked(
    question: str, top: _Ranked, query: Query, unexplained: frozenset[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The question's words the story never uses, and its names the best fact never involves (of
    ``unexplained``: its terms the fact never uses), that keep it unanswered: in a question offering a
    choice, not those that are only options (:func:`_blocking`, :func:`_straying`)."""
    names = unexplained & top.index.entities
    if not query.unknown and not names:
        return (), ()
    pairs = or_pairs(top.index.aliases.apply(words(question)))
    return _blocking(query.unknown, pairs), _straying(names, query.terms.keys() - unexplained, pairs)


def _blocking(unknown: tuple[str, ...], pairs: list[tuple[str, str]]) -> tuple[str, ...]:
    """The words the story never uses that keep the question unanswered: all of them, except in a question
    offering a choice (``pairs``: its :func:`or_pairs`), where the asker frames the options in their own
    words ("was it an interview or a press release?", "space policy or cyber policy?") and only a choice
    between two such words is a topic the story does not cover ("subs or bombers")."""
    if not unknown or not pairs:
        return unknown
    topics = {term for left, right in pairs if left in unknown and right in unknown for term in (left, right)}
    return tuple(term for term in unknown if term in topics)


def _straying(names: frozenset[str], explained: set[str], pairs: list[tuple[str, str]]) -> tuple[str, ...]:
    """The names the best fact never involves that keep the question unanswered: all of them but an option
    offered beside a question term the fact does involve (``explained``): "is Narang an American or a Korean
    official?"."""
    options = {name for pair in pairs for name, other in (pair, pair[::-1]) if other in explained}
    return tuple(sorted(names - options))
