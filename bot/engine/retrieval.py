"""Finding the entries worth scoring, so a question's cost grows far slower than the fact base.

The scorer (:meth:`StoryIndex._score`) stays the judge; this module only decides which entries it must
see, and for a fact's own variants computes the same score from the same parts. Only candidates count
(:meth:`StoryIndex.search`): a story, or a fact, none of whose entries uses a term of the question's focus
(what it is about) is never bounded one by one. An entry is skipped only when an upper bound of its score
is below the "bar", the lowest score that could still change the assessment: the k-th best fact, the best
rival citing another sentence (with the engine's own thresholds, no lower than the widest margin that
matters below the top), the floor under which nothing is answered, suggested or denied
(:meth:`Engine._floor`), and for near misses what could still block an answer, in a story that could still
hold the best fact. A story that can only tie the bar, behind the fact that set it in story order, is
skipped too: many stories may ask one question word for word. A search for an answer first visits only what
could change whether the best fact is answered, and the rest only if it is not (:class:`_Found`). Bounds,
from loosest to tightest:

- the stories using none of the question's rarest terms, together: the same, with each of its other terms
  at the most weight and precision any story gives it;
- a story: recall at most the weight of the question terms it uses anywhere over the question's weight,
  precision at most the sum, over those terms, of each one's weight over the least weight an entry using it
  uses. A story whose words cannot change the question (no alias of its own in it, nothing
  :meth:`StoryIndex.correct` could turn a word into, no choice "a or b" of which it knows one side) is
  bounded from the global term table without reading the question at all;
- a fact: any entry of it at most the story's precision and the weight of the question terms it uses
  anywhere (which orders the facts); how it uses each question term (a variant, only the answer, only the
  source; one global table) gives its credit, and with it its variants' best recall; precision at most the
  terms they can share over the least weight a variant (or a near miss) uses; similarity at most what the
  lengths allow;
- an entry: precision and recall exact (for a near miss, recall at most its own terms and the fact's credit
  until its similarity makes it worth working out), and the scorer's own similarity (``fuzz.ratio``, in C),
  found for all of a fact's variants, or its near misses, in one C call that leaves out the too dissimilar;
  a fact's variants are then taken most similar first, until one cannot beat the best so far.

The scorer's F-measure grows with precision and recall, so these bound the score. ``tests/test_retrieval.py``
checks that the bounds hold and that assessments and replies equal exhaustive scoring's.
"""

from __future__ import annotations

import bisect
import functools
import math
import sys
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import truediv

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.engine.groups import Groups
from bot.engine.index import (
    CREDITS,
    OTHER_VARIANT_CREDIT,
    STRING_WEIGHT,
    Query,
    Scored,
    StoryIndex,
    blend,
    near_recall_bound,
    or_pairs,
    typo_reach,
    unknown_options,
    variant_recall,
)
from bot.engine.text import QUESTION_KINDS, STOPWORDS, alias_form, content_terms, focus_terms, stem, words

SHORT_WORD = 5  # shorter words are expanded as abbreviations, not corrected as typos
_FACT_MASK = (1 << 24) - 1
_STORY_SHIFT = 26  # a (story, fact, level) is stored as one integer: story << 26 | fact << 2 | level
# similarity needed (0-1) above which only an identical text qualifies: fuzz.ratio of two different texts is at
# most 100 * (1 - 1 / their total length), far below this for any question and variant
_WHOLE = 1 - 1e-9
_ROUNDING = 1 + 1e-12  # a sum of ratios bounds a ratio of sums only up to rounding (see _at_most)
# minus the best possible score (so a plain sort puts the best first, then by story), story, best possible recall,
# kind only, and the sums :meth:`Retrieval._sums` gives for the story's reading of the question
_Bound = tuple[float, int, float, str | None, tuple[float, float, int]]
# a story's terms for the question and its focus (:func:`focus_terms`), before they are weighed
_Reading = tuple[list[str], tuple[str, ...]]
# facts (best entry each) and near misses, best first, and each story's reading of the question
Ranking = tuple[list[tuple[StoryIndex, Scored]], list[tuple[StoryIndex, Scored]], dict[str, Query]]


def _at_most(ratio: float) -> float:
    """A precision or recall bound (at most 1) from sums of weights: a few ulps high rather than low, so an
    entry that reaches it exactly ("what is it?" asked word for word) is never pruned by rounding."""
    return min(1.0, ratio * _ROUNDING)


class _FactBounds:
    """The bounds of a story's facts for one question (:meth:`Retrieval.fact_bounds`), each worked out only
    when the search reaches its fact. The facts come in order of the weight of the question they use anywhere,
    which orders the loosest bound of each (:meth:`reach`), so a search stops at the first fact whose loosest
    bound is below the bar, and most stop after a few."""

    __slots__ = (
        "_anchored",
        "_anywhere",
        "_bagged",
        "_credits",
        "_nears",
        "_plan",
        "_precise",
        "_query",
        "_variants",
        "order",
    )

    def __init__(
        self,
        plan: _StoryPlan,
        query: Query,
        precise: float,
        *,
        anywhere: dict[int, float],
        credits: dict[int, float],
        bagged: dict[int, float],
        anchored: set[int],
    ) -> None:
        self._plan, self._query, self._precise = plan, query, precise
        self._anywhere, self._credits, self._bagged = anywhere, credits, bagged
        self._anchored = anchored  # facts whose variants are candidates
        self.order = sorted(anywhere, key=anywhere.__getitem__, reverse=True)  # the facts with a candidate
        self._variants: dict[int, tuple[float, float, float]] = {}  # worked out once each, as the search needs
        self._nears: dict[int, tuple[float, float]] = {}

    def reach(self, f: int) -> float:
        """The most any entry of fact ``f`` can score: the story's precision at best, recall at most the weight
        of the question terms the fact uses anywhere (a variant's, counting its fact's other words at their
        credit, is no more), similarity 1. Its near misses' bound."""
        return blend(self._precise, min(1.0, self._anywhere[f] / self._query.weight), 1.0)

    def credit(self, f: int) -> float:
        """:meth:`StoryIndex.credit`, summed in the same order."""
        return self._credits.get(f, 0.0)

    def variant(self, f: int) -> tuple[float, float, float]:
        """The best score the variants of fact ``f`` can reach (-1: none is a candidate), and their most
        precision and recall: precision at most the story's and the weight of the terms they can share over the
        least weight a variant of the fact uses; recall at most all of those terms (their own count whole);
        similarity at most what the lengths allow."""
        if (found := self._variants.get(f)) is None:
            if f in self._anchored:
                plan, bag = self._plan, self._bagged[f]
                precision = min(self._precise, bag / plan.least[f])
                recall = variant_recall(self._credits[f], bag, self._query.weight)
                found = (blend(precision, recall, plan.similarity(f, len(self._query.text))), precision, recall)
            else:
                found = (-1.0, 0.0, 0.0)
            self._variants[f] = found
        return found

    def near(self, f: int) -> tuple[float, float]:
        """The best score the near misses of fact ``f`` can reach (-1: it has none), and their most similarity:
        recall as :meth:`reach`, precision at most the story's and the weight of the question terms the fact
        uses anywhere over the least weight a near miss of it uses, similarity at most what the lengths allow."""
        if (found := self._nears.get(f)) is None:
            plan = self._plan
            if plan.nears[f] == plan.starts[f + 1]:
                found = (-1.0, 0.0)
            else:
                weight = self._anywhere[f]
                similarity = plan.similarity(f, len(self._query.text), near=True)
                precision = min(self._precise, weight / plan.near_least[f])
                found = (blend(precision, min(1.0, weight / self._query.weight), similarity), similarity)
            self._nears[f] = found
        return found


class _StoryPlan:
    """Per-story lookups for bounds: each entry's fixed cost; each fact's entries (variants, then near misses)
    and the least cost and the shortest and longest text of its variants, and of its near misses."""

    def __init__(self, index: StoryIndex) -> None:
        self.index = index
        unknown = index._unknown_idf
        entries = index.entries
        self.used = array("d", (sum(index._idf.get(t, unknown) for t in entries.terms(k)) for k in range(len(entries))))
        lengths = array("i", map(entries.length, range(len(entries))))
        facts = index.story.facts
        self.starts = array("i", [0])  # fact -> its first entry; the entries are its questions, then its near misses'
        for fact in facts:
            self.starts.append(self.starts[-1] + len(fact.questions) + sum(len(n.questions) for n in fact.not_answered))
        # fact -> its first near miss (or the next fact's first entry)
        self.nears = array(
            "i", (start + len(fact.questions) for start, fact in zip(self.starts[:-1], facts, strict=True))
        )
        # an entry of function words only ("What is it?") has no terms: no question reaches it, so it bounds nothing
        variants = [[k for k in range(self.starts[f], self.nears[f]) if self.used[k]] for f in range(len(facts))]
        near_misses = [[k for k in range(self.nears[f], self.starts[f + 1]) if self.used[k]] for f in range(len(facts))]
        self.least, self.shortest, self.longest = self._extremes(variants, lengths)
        self.near_least, self.near_shortest, self.near_longest = self._extremes(near_misses, lengths)
        self.kind_entries: dict[str, array[int]] = {}  # "?when" -> the entries asking it
        self.kind_used: dict[str, float] = {}  # "?when" -> the least weight an entry asking it uses
        for k in range(len(entries)):
            for term in entries.terms(k):
                if term.startswith("?"):
                    self.kind_entries.setdefault(term, array("i")).append(k)
                    self.kind_used[term] = min(self.kind_used.get(term, math.inf), self.used[k])

    def _extremes(self, groups: list[list[int]], lengths: array[int]) -> tuple[array[float], array[int], array[int]]:
        """Per fact, of a group of its entries: the least cost, and the shortest and longest text."""
        return (
            array("d", (min((self.used[k] for k in ks), default=math.inf) for ks in groups)),
            array("i", (min((lengths[k] for k in ks), default=0) for ks in groups)),
            array("i", (max((lengths[k] for k in ks), default=0) for ks in groups)),
        )

    def least_used(self) -> dict[str, float]:
        """term -> the least weight an entry using it uses: what bounds the precision of entries sharing it."""
        out: dict[str, float] = {}
        entries = self.index.entries
        for k in range(len(entries)):
            for term in entries.terms(k):
                out[term] = min(out.get(term, math.inf), self.used[k])
        return out

    def reach(self) -> dict[str, list[int]]:
        """term -> ``fact << 2 | level`` (:meth:`StoryIndex.level`) for each fact whose variants, answer,
        source or near misses use it, in fact order."""
        out: dict[str, set[int]] = defaultdict(set)
        index = self.index
        for k in range(len(index.entries)):
            for term in index.entries.terms(k):
                out[term].add(index.entries.fact_of[k])
        for f in range(len(index.story.facts)):
            for term in (*index._bags[f], *index._answers[f], *index._sources[f]):
                out[term].add(f)
        return {t: [f << 2 | index.level(t, f) for f in sorted(fs)] for t, fs in out.items()}

    def similarity(self, fact: int, length: int, *, near: bool = False) -> float:
        """The most ``fuzz.ratio`` / 100 a text of ``length`` can have with a variant of the fact (``near``: a
        near miss): twice the shorter length over the sum, at best."""
        if near:
            shortest, longest = self.near_shortest[fact], self.near_longest[fact]
        else:
            shortest, longest = self.shortest[fact], self.longest[fact]
        if length < shortest:
            return 2 * length / (length + shortest)
        return 2 * longest / (length + longest) if length > longest else 1.0


@dataclass(slots=True)
class _Found:
    """What one question has found so far; it knows the bar below which nothing matters.

    A search for an answer only (``answering``) visits only what could change whether the best fact is
    answered (``visit_bar``: the keep of one), and notes what it left that a suggestion could still show
    (``deferred``); every entry it does score is scored in full, against the exact bar, and each fact's or
    story's work is noted (``done``), so a second search for the suggestions does only what the first left."""

    sources: list[list[str]]  # story -> fact -> source sentence, for finding the rival
    floor: float  # a fact scoring below this cannot be answered, suggested or deny an answer as a rival
    near_floor: float  # a near miss below this cannot block an answer
    near_slack: float  # ... nor one this far below the best fact
    keep: int  # how many facts the reply can show
    offer_floor: float  # ... scoring at least this
    reach: Callable[[float], float]  # top score -> how far behind it a rival still changes a decision (inf: all)
    answering: bool = False
    # (story, fact) -> its best entry as (-score, story, entry, fact): best first when sorted
    facts: dict[tuple[int, int], tuple[float, int, int, int]] = field(default_factory=dict)
    near: dict[tuple[int, int], float] = field(default_factory=dict)  # (story, entry) -> score
    bar: float = 0.0  # a fact entry scoring below this changes nothing
    tie_pos: float = math.inf  # ... nor one scoring it in a story at this position or later (see may_rank)
    visit_bar: float = 0.0  # ... or nothing but suggestions, when answering (and tie_pos for it)
    visit_tie: float = math.inf
    deferred: bool = False  # whether something was left that only suggestions could show
    done: set[tuple[int, int]] = field(default_factory=set)  # (story, fact << 1 | near misses), (story, -1): all
    fact_bounds: dict[int, _FactBounds] = field(default_factory=dict)  # story -> its fact_bounds
    top: float = 0.0
    top_row: tuple[float, int, int, int] | None = None  # the best fact's, as in ``facts``
    near_bar: float = field(init=False)  # a near miss scoring below this changes nothing
    lowest_bar: float = field(init=False)  # ... and an entry below this, fact or near miss
    lowest_visit: float = field(init=False)  # ... as visit_bar

    def __post_init__(self) -> None:
        self.visit_bar = self.bar
        self._bars()

    def add(self, pos: int, index: StoryIndex, k: int, score: float) -> None:
        if k in index.entries.says:
            self.near[pos, k] = score
            return
        fact = index.entries.fact_of[k]
        row = (-score, pos, k, fact)
        old = self.facts.get((pos, fact))
        if old is None or row < old:
            self.facts[pos, fact] = row
            self.top = max(self.top, score)
            if self.top_row is None or row < self.top_row:
                self.top_row = row
            if score > self.bar:
                self._raise_bar()
            self._bars()

    def _bars(self) -> None:
        self.near_bar = max(self.near_floor, self.top - self.near_slack)
        self.lowest_bar = min(self.bar, self.near_bar)
        self.lowest_visit = min(self.visit_bar, self.near_bar)

    def _raise_bar(self) -> None:
        """The k-th best fact and the best rival of the top fact (or ``reach`` behind it): an entry below both
        changes no figure (no decision); and, when answering, the visit bar, for a keep of one."""
        ranked = sorted(self.facts.values())
        at = self.rival(ranked)
        rival = max(-math.inf if at is None else -ranked[at][0], self.top - self.reach(self.top))
        if rival == -math.inf:
            return
        if len(ranked) >= self.keep:
            self.bar, self.tie_pos = self._level(ranked, rival, self.keep)
        self.visit_bar, self.visit_tie = self._level(ranked, rival, 1) if self.answering else (self.bar, self.tie_pos)

    def rival(self, ranked: list[tuple[float, int, int, int]]) -> int | None:
        """Where in ``ranked`` (rows of :attr:`facts`, best first) the best fact citing another sentence than the
        best one is, or in another story: the rival that sets the margin."""
        _, top_story, _, top_fact = ranked[0]
        top_source = self.sources[top_story][top_fact]
        return next(
            (at for at, (_, s, _, f) in enumerate(ranked) if s != top_story or self.sources[s][f] != top_source), None
        )

    def shown(self) -> list[tuple[float, int, int, int]]:
        """The facts a reply or its figures can use, best first: the best ``keep`` and the rival."""
        ranked = sorted(self.facts.values())
        if not ranked:
            return ranked
        at = self.rival(ranked)
        return ranked[: self.keep if at is None else max(self.keep, at + 1)]

    def _level(self, ranked: list[tuple[float, int, int, int]], rival: float, keep: int) -> tuple[float, float]:
        """The bar for a reply showing ``keep`` facts, and the position from which a fact tying it changes nothing."""
        kth = -ranked[keep - 1][0]
        bar = max(self.floor, min(max(kth, self.offer_floor), rival))
        # a fact tying the bar matters only ahead of the k-th (or at a floor); tying the rival changes no margin
        if bar in (self.floor, self.offer_floor):
            return bar, math.inf
        return bar, ranked[keep - 1][1] if bar == kth else -1

    def settle(self) -> None:
        """Look for the suggestions too: from now on, visit everything that can change a figure."""
        self.answering = False
        self.visit_bar, self.visit_tie = self.bar, self.tie_pos
        self._bars()

    def story_bar(self, near: bool, *, visit: bool = False) -> float:
        """The bar an entry of a story must reach: ``lowest_bar``, or ``bar`` when its near misses cannot matter;
        ``visit``: to matter to an answer, when answering."""
        if visit:
            return self.lowest_visit if near else self.visit_bar
        return self.lowest_bar if near else self.bar

    def may_top(self, bound: float, pos: int) -> bool:
        """Whether story ``pos``, none of whose entries scores above ``bound``, could still hold the best fact:
        only then do its near misses matter, since another story's near miss must fit better than the best fact
        (:meth:`Engine._blocks`)."""
        return self.top_row is None or (-bound, pos) < self.top_row[:2]

    def may_rank(self, bound: float, pos: int, *, visit: bool = False) -> bool:
        """Whether a fact of story ``pos`` scoring at most ``bound`` could change a figure: above the bar, or
        at it ranked ahead of the fact that set it (in story order: many stories may ask one question);
        ``visit``: a figure an answer needs, when answering."""
        bar, tie = (self.visit_bar, self.visit_tie) if visit else (self.bar, self.tie_pos)
        return bound > bar or (bound == bar and pos < tie)


class Retrieval:
    """Global lookups over every story: which stories a question's terms reach, and how far at best."""

    def __init__(self, indexes: Sequence[StoryIndex]) -> None:
        self.indexes = list(indexes)
        self.plans = [_StoryPlan(index) for index in self.indexes]
        self.sources = [[fact.source for fact in index.story.facts] for index in self.indexes]
        reach: dict[str, tuple[array[int], array[float]]] = {}
        spellable: dict[str, set[int]] = defaultdict(set)
        aliased: dict[str, set[int]] = defaultdict(set)
        facts_by_term: dict[str, array[int]] = {}
        for pos, (index, plan) in enumerate(zip(self.indexes, self.plans, strict=True)):
            least = plan.least_used()
            for term, facts in plan.reach().items():
                stories, weights, leasts = reach.setdefault(term, (array("i"), array("d"), array("d")))
                stories.append(pos)
                weights.append(index._idf.get(term, index._unknown_idf))
                leasts.append(least.get(term, math.inf))
                facts_by_term.setdefault(term, array("q")).extend((pos << _STORY_SHIFT) | code for code in facts)
            for word in (w for letter in index._spellable.values() for w in letter):
                spellable[word].add(pos)
            for start in index.aliases.starts:  # phrases match on stems: "accords" starts "accord"
                aliased[start].add(pos)
        self._reach = Groups("idd", reach.items())  # term -> the stories using it, its weight, least_used
        self._unknown = array("d", (index._unknown_idf for index in self.indexes))  # story -> its unknown words' weight
        self._least_unknown = min(self._unknown, default=0.0)
        self._ceiling = Groups(  # term -> the most weight any story gives it, and the most weight / least_used
            "dd", ((term, ([max(w)], [max(map(truediv, w, least))])) for term, (_, w, least) in reach.items())
        )
        self._facts_by_term = Groups("q", ((term, (codes,)) for term, codes in facts_by_term.items()))
        self._spell_owners = Groups("i", ((w, (sorted(p),)) for w, p in spellable.items()))  # word -> its stories
        self._alias_owners = Groups("i", ((w, (sorted(p),)) for w, p in aliased.items()))  # by alias_form
        by_letter: dict[str, list[str]] = defaultdict(list)
        by_shape: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in sorted(spellable):
            by_letter[word[0]].append(word)
            by_shape[word[0], len(word)].append(word)
        self._by_letter = dict(by_letter)  # first letter -> its words, sorted: the longer words a prefix abbreviates
        self._by_shape = dict(by_shape)  # (first letter, length) -> its words: a close spelling has a close length

    def uses(self, pos: int, term: str) -> array[int]:
        """``fact << 2 | level`` for each fact of story ``pos`` that uses ``term`` anywhere (variants, answer,
        source, near misses), in fact order."""
        low, high = self._facts_by_term.span(term)
        (codes,) = self._facts_by_term.columns
        low = bisect.bisect_left(codes, pos << _STORY_SHIFT, low, high)
        return codes[low : bisect.bisect_left(codes, (pos + 1) << _STORY_SHIFT, low, high)]

    def _unplain(self, tokens: Sequence[str]) -> tuple[dict[int, set[str]], set[int]]:
        """Stories that may not read the question word for word, each with the words it may correct, and those
        of them whose reading may differ in more than corrected words: a word of theirs is what
        :meth:`StoryIndex.correct` could turn a question word into (a close spelling with the same first letter,
        or a longer word a short one abbreviates); a question word has the stem one of their aliases starts with,
        or they know one side of a choice ("a or b") and not the other, so drop that one."""
        out: dict[int, set[str]] = {}
        whole: set[int] = set()
        if pairs := or_pairs(tokens):
            for p, index in enumerate(self.indexes):
                if unknown_options(pairs, index._known):
                    whole.add(p)
        for word in tokens:
            stemmed = stem(word)
            whole.update(self._alias_owners.get(alias_form(word), ((),))[0])
            if len(word) < 3 or not word.isalpha() or word in STOPWORDS or word in QUESTION_KINDS:
                continue
            targets = []
            if len(word) < SHORT_WORD:
                letter = self._by_letter.get(word[0], [])
                for at in range(bisect.bisect_left(letter, word), len(letter)):
                    if not letter[at].startswith(word):
                        break
                    if len(letter[at]) >= len(word) + 3:
                        targets.append(letter[at])
            else:
                cutoff = typo_reach(word)
                for size in range(len(word) - cutoff, len(word) + cutoff + 1):  # a distance of n changes length by n
                    same = self._by_shape.get((word[0], size), ())
                    found = process.extract(word, same, scorer=OSA.distance, score_cutoff=cutoff, limit=None)
                    targets += (close for close, _, _ in found if close != word)
            for p in {p for target in targets for p in self._spell_owners[target][0]}:
                index = self.indexes[p]
                if word not in index.vocabulary and stemmed not in index._stems:  # else the story keeps it
                    out.setdefault(p, set()).add(word)
        if pairs:  # a corrected word may be one side of the choice
            whole.update(out)
        for p in whole:
            out.setdefault(p, set())
        return out, whole

    def rank(
        self,
        question: str,
        positions: Sequence[int],
        *,
        max_words: int,
        floor: float,
        near_floor: float,
        near_slack: float,
        keep: int,
        offer_floor: float = 0.0,
        reach: Callable[[float], float] = lambda top: math.inf,
        answering: bool = False,
    ) -> tuple[Ranking, Callable[[], Ranking] | None]:
        """Facts (best entry each: those a reply can use, :meth:`_Found.shown`) and near misses, best first, exact
        wherever a score can matter: the best ``keep`` facts scoring ``offer_floor`` or more, and a rival up to
        ``reach(top)`` behind the best fact scoring ``top``, which must not widen as ``top`` rises, or an entry
        left out could matter after all.

        ``answering``: only the best fact and its rivals are exact, and with them comes a way to rank the rest
        (None when nothing was left), for when the best fact is not answered after all and the reply shows
        suggestions instead."""
        found = _Found(
            self.sources, floor, near_floor, near_slack, max(keep, 1), offer_floor, reach, answering, bar=floor
        )
        queries: dict[str, Query] = {}
        if len(positions) == 1:  # one story: it reads the question itself, typos corrected
            (pos,) = positions
            index = self.indexes[pos]
            query = queries[index.story.id] = index.query(question, max_words)
            search = functools.partial(self._search, pos, query, found)
        else:
            search = self._visit_all(words(question)[:max_words], positions, found, queries)
        search()

        def rest() -> Ranking:
            found.settle()
            search()
            return self._ranking(found, queries)

        return self._ranking(found, queries), rest if found.deferred else None

    def _ranking(self, found: _Found, queries: dict[str, Query]) -> Ranking:
        ranked = [(-negated, p, k) for negated, p, k, _ in found.shown()]
        rows = ((s, p, k) for (p, k), s in found.near.items() if s >= found.near_bar)  # none below can block
        near = sorted(rows, key=lambda v: (-v[0], v[1], v[2]))
        as_pairs = lambda rows: [  # noqa: E731
            (self.indexes[p], Scored(self.indexes[p].entries[k], s)) for s, p, k in rows
        ]
        return as_pairs(ranked), as_pairs(near), queries

    def _visit_all(
        self, tokens: list[str], positions: Sequence[int], found: _Found, queries: dict[str, Query]
    ) -> Callable[[], None]:
        """The search of the stories at ``positions`` (two or more), best bound first, while they can reach the
        bar; it reads the question once and can run again (:meth:`_Found.settle`).

        The stories using the question's rarest terms, and those reading the question themselves, come first:
        the bar they raise usually leaves the question's common terms unable to lift any other story to it, and
        then the many stories using only those are never bounded one by one."""
        plain = list(dict.fromkeys(map(sys.intern, content_terms(tokens))))  # a story reading it word for word
        focus = focus_terms(plain)
        unplain, whole = self._unplain(tokens)
        wanted = set(positions)
        readers = unplain.keys() & wanted
        rare, common = self._rare(plain, focus)
        first = {pos for term in rare for pos in self._reach[term][0]} & wanted - readers
        readings: dict[int, _Reading] = {}
        bounds = self._readers(tokens, unplain, whole, readers, queries=queries, readings=readings)
        for pos in first:
            if (sums := self._sums(pos, plain))[1]:  # else no entry of theirs uses a question term
                bounds.append(self._plain_bound(pos, sums, len(plain)))
        bounds.sort()

        listed: list[tuple[list[_Bound], tuple[float, Callable[[], list[_Bound]]] | None]] = []
        word_for_word = (plain, tuple(focus))
        visit = functools.partial(
            self._visit, word_for_word=word_for_word, found=found, queries=queries, readings=readings
        )

        def search() -> None:
            visit(bounds)
            if not common or (ceiling := self._common_ceiling(common, len(plain))) < found.lowest_bar:
                return
            if ceiling < found.lowest_visit:
                found.deferred = True
                return
            if not listed:  # by the first search's bar, which is no higher than the second's
                listed.append(self._stories(plain, focus, wanted - readers - first, found.lowest_bar))
            others, kind_only = listed[0]
            if kind_only is None:
                visit(others)
                return
            # the stories above the kind-only ones' bound first: they may raise the bar over it
            ceiling, list_them = kind_only
            done = visit(others, down_to=ceiling)
            rest = others[done:]
            if ceiling >= found.lowest_visit:
                rest = sorted(rest + list_them())
            elif ceiling >= found.lowest_bar:
                found.deferred = True
            visit(rest)

        return search

    def _visit(
        self,
        bounds: list[_Bound],
        down_to: float = 0.0,
        *,
        word_for_word: _Reading,
        found: _Found,
        queries: dict[str, Query],
        readings: dict[int, _Reading],
    ) -> int:
        """Search the stories best bound first, until the rest cannot reach the bar (or ``down_to``), but those
        that can change nothing (:meth:`_Found.may_top`, :meth:`_Found.may_rank`) or, when answering, nothing an
        answer needs; return how many of ``bounds`` were passed. A story not in ``queries`` reads the question as
        the terms (and focus) ``readings`` gives it, or as ``word_for_word``: :meth:`_unplain` must name
        every story whose own reading could differ."""
        plain_text = " ".join(sorted(word_for_word[0]))
        for done, (negated, pos, recall, kind, sums) in enumerate(bounds):
            bound = -negated
            if bound < found.lowest_bar or bound < down_to:
                return done
            if bound < found.lowest_visit:
                found.deferred = True
                return done
            near = found.may_top(bound, pos)
            if not near and not found.may_rank(bound, pos, visit=True):
                found.deferred = found.deferred or found.may_rank(bound, pos)
                continue
            index = self.indexes[pos]
            if kind is not None and not self._kind_may_reach(pos, kind, recall, plain_text, found.story_bar(near)):
                continue
            query = queries.get(index.story.id) or index.weigh(*readings.get(pos, word_for_word))
            queries[index.story.id] = query
            self._search(pos, query, found, sums, near=near)
        return len(bounds)

    def _readers(
        self,
        tokens: list[str],
        unplain: dict[int, set[str]],
        whole: set[int],
        readers: set[int],
        *,
        queries: dict[str, Query],
        readings: dict[int, _Reading],
    ) -> list[_Bound]:
        """The stories that read the question themselves (:meth:`_unplain`), each bounded from its reading; only
        the words it may correct go through the (slower) correction. Most stories only correct a word or two,
        and many the same way: their reading is the corrected words' terms, into ``readings``, weighed only if
        the story is searched. The others (``whole``, or a corrected word starts one of its aliases) read the
        question in full, into ``queries``."""
        bounds: list[_Bound] = []
        seen: dict[tuple[str, ...], _Reading] = {}  # by the corrected words
        for pos in readers:
            index = self.indexes[pos]
            fixes = unplain[pos]
            said = [index.correct(w) if w in fixes else w for w in tokens]
            starts = index.aliases.starts
            if pos in whole or any(c != w and alias_form(c) in starts for c, w in zip(said, tokens, strict=True)):
                query = index.read(said)
                queries[index.story.id] = query
                terms, focus = list(query.terms), query.focus
            else:
                if (reading := seen.get(key := tuple(said))) is None:
                    terms = list(dict.fromkeys(map(sys.intern, content_terms(said))))
                    reading = seen[key] = (terms, tuple(focus_terms(terms)))
                terms, focus = readings[pos] = reading
            if self._sums(pos, focus)[2] and (sums := self._sums(pos, terms))[1]:  # else no candidate
                bounds.append(self._plain_bound(pos, sums, len(terms)))
        return bounds

    def _rare(self, terms: list[str], focus: list[str]) -> tuple[list[str], list[str]]:
        """The rarest terms of the question's ``focus`` (but its kind), which together are used by at most the
        square root of the number of stories; and its other terms any story uses, or none when none of them is
        in its focus: then no story without a rare term has a candidate."""
        spans = ((self._reach.span(t), t) for t in focus if t in self._reach and not t.startswith("?"))
        counts = sorted((high - low, t) for (low, high), t in spans)
        budget = math.isqrt(len(self.indexes))
        rare = []
        for count, term in counts:
            if count > budget:
                break
            budget -= count
            rare.append(term)
        common = [t for t in terms if t in self._reach and t not in rare]
        return rare, common if any(t in focus for t in common) else []

    def _plain_bound(self, pos: int, sums: tuple[float, float, int], size: int, kind: str | None = None) -> _Bound:
        """The bound of a story reading the question (of ``size`` terms) word for word, from its :meth:`_sums`;
        ``kind``: the question's kind, when that is all the story shares with it."""
        explained, share, count = sums
        recall = _at_most(explained / (explained + (size - count) * self._unknown[pos]))
        return (-blend(_at_most(share), recall, 1.0), pos, recall, kind, sums)

    def _common_ceiling(self, common: list[str], size: int) -> float:
        """The best score a story reading the question word for word can reach using only ``common`` of its
        ``size`` terms: each at the most weight and precision any story gives it."""
        if not common:
            return -math.inf
        ceilings, shares = self._ceiling.columns
        explained = share = 0.0
        for term in common:
            at, _ = self._ceiling.span(term)
            explained += ceilings[at]
            share += shares[at]
        recall = _at_most(explained / (explained + (size - len(common)) * self._least_unknown))
        return blend(_at_most(share), recall, 1.0)

    def _stories(
        self, plain: list[str], focus: list[str], wanted: set[int], bar: float = 0.0
    ) -> tuple[list[_Bound], tuple[float, Callable[[], list[_Bound]]] | None]:
        """A :data:`_Bound` (minus the best possible score, story, best possible recall, the question's kind if it
        is all the story shares with the question, sums) for every story of ``wanted`` that has a term of the
        question's ``focus`` and reads it word for word (as the terms ``plain``), best first; and, for a question
        that is all asking ("who?"), the stories sharing only its kind (most stories), as one bound for them all
        and a way to list them, since most questions never need to. They are bounded from the global term table,
        all at once, without reading the question; a story bounded below ``bar`` is left out."""
        terms = plain
        kind = next((t for t in terms if t.startswith("?")), None)
        # story -> [weight of the question terms it uses, each one's weight over the least weight an entry using
        # it uses (precision at most), how many]
        tally: dict[int, list[float]] = {}
        aimed: set[int] = set()  # the stories using a focus term: only they have candidates
        for term in terms:
            if term != kind:
                stories, weights, leasts = self._reach.get(term, ((), (), ()))
                if term in focus:
                    aimed.update(stories)
                for pos, weight, least in zip(stories, weights, leasts, strict=True):
                    if (row := tally.get(pos)) is None:
                        tally[pos] = [weight, weight / least, 1]
                    else:
                        row[0] += weight
                        row[1] += weight / least
                        row[2] += 1
        # The kind counts only for stories sharing another term (see kind_only). It is the question's last term
        # (content_terms), so these sums are in the order of the story's own reading: _search takes them as its own.
        if kind is not None:
            stories, weights, leasts = self._reach.get(kind, ((), (), ()))
            for pos, weight, least in zip(stories, weights, leasts, strict=True):
                if (row := tally.get(pos)) is not None:
                    row[0] += weight
                    row[1] += weight / least
                    row[2] += 1
        bounds = [
            bound
            for pos, (explained, share, count) in tally.items()
            if share
            and pos in aimed
            and pos in wanted  # share 0: no entry of theirs uses a question term
            and -(bound := self._plain_bound(pos, (explained, share, count), len(terms)))[0] >= bar
        ]
        bounds.sort()
        if kind not in self._reach or kind not in focus:  # a story sharing only the kind has no candidate
            return bounds, None

        def kind_only() -> list[_Bound]:
            out = [
                self._plain_bound(pos, (weight, weight / least, 1), len(terms), kind)
                for pos, weight, least in zip(*self._reach[kind], strict=True)
                if pos in wanted and pos not in tally and least < math.inf
            ]
            out.sort()
            return out

        return bounds, (self._common_ceiling([kind], len(terms)), functools.cache(kind_only))

    def _kind_may_reach(self, pos: int, kind: str, recall: float, text: str, bar: float) -> bool:
        """Whether an entry of a story sharing only the question's kind can score ``bar``: its precision is
        at most kind / the least weight such an entry uses, its similarity at most the best of theirs."""
        plan = self.plans[pos]
        index = plan.index
        if kind not in plan.kind_used:
            return False  # only an answer or a source uses it: no entry shares a term with the question
        precision = min(1.0, index._idf.get(kind, index._unknown_idf) / plan.kind_used[kind])
        need = (bar - blend(precision, recall, 0.0)) / (100 * STRING_WEIGHT)
        if need <= 0:
            return True
        cutoff = max(0.0, 100 * need - 1e-6)
        texts = index.entries.texts_of(plan.kind_entries[kind])
        best = process.extractOne(text, texts, scorer=fuzz.ratio, score_cutoff=cutoff)
        return need <= 1 and best is not None

    def _search(
        self, pos: int, query: Query, found: _Found, sums: tuple[float, float, int] | None = None, *, near: bool = True
    ) -> None:
        """Score the story's entries that share a term with the question, loosest bound first, while it matters.

        Facts in the order of :meth:`fact_bounds`; a fact whose bound reaches the bar has the similarity of its
        variants (and of its near misses) to the question found in one C call, which leaves out those too
        dissimilar to reach the bar, and the rest scored. When the question's words alone lift no entry of the
        story to the bar (a weak or off-topic question), one C call over all the story's candidates keeps the
        similar ones first. While answering, what only suggestions could need is left for a second search
        (:class:`_Found`). ``sums``: :meth:`_sums`, when the caller has them; ``near``: whether its near misses
        can matter (:meth:`_Found.may_top`)."""
        if not query.terms:
            return
        used, share, _ = sums or self._sums(pos, query.terms)
        most = _at_most(used / query.weight)  # best recall in the story
        precise = _at_most(share)
        words_only = blend(precise, most, 0.0)
        need = (found.story_bar(near) - words_only) / (100 * STRING_WEIGHT)
        if need > 1:
            return
        done = found.done
        if need > 0:
            if (pos, -1) not in done:
                # while answering, only what could change whether the best fact is answered: the rest later
                visit_need = (found.story_bar(near, visit=True) - words_only) / (100 * STRING_WEIGHT)
                if visit_need > need:
                    found.deferred = True
                    if visit_need <= 1:
                        self._search_similar(pos, query, found, visit_need, most, near=near, visit=True)
                else:
                    self._search_similar(pos, query, found, need, most, near=near)
                    done.add((pos, -1))
            return
        if (bounds := found.fact_bounds.get(pos)) is None:
            bounds = found.fact_bounds[pos] = self.fact_bounds(pos, query, precise)
        for f in bounds.order:
            if (reach := bounds.reach(f)) < found.story_bar(near):
                break
            if reach < found.story_bar(near, visit=True):
                found.deferred = True
                break
            variant = bounds.variant(f)[0]
            if variant >= found.bar and (pos, f << 1) not in done:
                if variant >= found.visit_bar:
                    self._score_variants(pos, query, found, f, bounds)
                    done.add((pos, f << 1))
                else:
                    found.deferred = True
            if near and reach >= found.near_bar and (pos, f << 1 | 1) not in done:
                if bounds.near(f)[0] >= found.near_bar:
                    self._score_near_misses(pos, query, found, f, bounds)
                done.add((pos, f << 1 | 1))

    def _score_variants(self, pos: int, query: Query, found: _Found, f: int, bounds: _FactBounds) -> None:
        """Score the variants of fact ``f`` that can reach the bar, most similar first, and keep the best: a
        variant whose similarity (with the most precision and recall any variant of the fact can have) cannot
        lift it over the best so far ends the search."""
        plan = self.plans[pos]
        (bound, precision, recall), credit, bar = bounds.variant(f), bounds.credit(f), found.bar
        need = plan.similarity(f, len(query.text)) - (bound - bar) / (100 * STRING_WEIGHT)  # what the bound can spare
        total, used = query.weight, plan.used
        best = None
        for k, similarity, weight in self._close(pos, query, plan.starts[f], plan.nears[f], need):
            if best is not None and blend(precision, recall, similarity) < -best[0]:
                break
            row = (-blend(weight / used[k], variant_recall(credit, weight, total), similarity), k)
            if best is None or row < best:
                best = row
        if best is not None and -best[0] >= bar:
            found.add(pos, plan.index, best[1], -best[0])

    def _score_near_misses(self, pos: int, query: Query, found: _Found, f: int, bounds: _FactBounds) -> None:
        """Score the near misses of fact ``f`` that can reach the bar (``bounds``: its :meth:`fact_bounds`); the
        recall of each is worked out only when its similarity lifts it high enough."""
        plan = self.plans[pos]
        bound, most_similar = bounds.near(f)
        need = most_similar - (bound - found.near_bar) / (100 * STRING_WEIGHT)
        for k, similarity, weight in self._close(pos, query, plan.nears[f], plan.starts[f + 1], need):
            self._add_near_miss(pos, query, found, k, credit=bounds.credit(f), weight=weight, similarity=similarity)

    def _add_near_miss(
        self, pos: int, query: Query, found: _Found, k: int, *, credit: float, weight: float, similarity: float
    ) -> None:
        """Add near miss ``k`` (sharing ``weight`` of the question, ``similarity`` 0-1 to it; ``credit``: its
        fact's) when that lifts its recall bound to the bar and it is a candidate (see StoryIndex.search); its exact
        recall is worked out only then."""
        if not query.shares_focus(self.indexes[pos].entries.terms(k)):
            return
        precision = weight / self.plans[pos].used[k]
        if blend(precision, near_recall_bound(credit, weight, query.weight), similarity) >= found.near_bar:
            index = self.indexes[pos]
            recall = index.near_explained(query, index.entries.fact_of[k], index.entries.terms(k)) / query.weight
            found.add(pos, index, k, blend(precision, recall, similarity))

    def _close(self, pos: int, query: Query, start: int, end: int, need: float) -> Iterator[tuple[int, float, float]]:
        """(entry, similarity 0-1, :meth:`_shared` weight) for the entries in ``range(start, end)`` that share a
        term with the question and have at least ``need`` similarity to it, most similar first, found in one C
        call; taken one at a time, as a search may stop early."""
        texts = self.indexes[pos].entries.texts(start, end)
        close = process.extract(
            query.text, texts, scorer=fuzz.ratio, score_cutoff=max(0.0, 100 * need - 1e-6), limit=None
        )
        if not close:
            return
        shared = self._shared(pos, query, start, end)
        for _, similarity, i in close:
            if (k := start + i) in shared:
                yield k, similarity / 100, shared[k]

    def _search_similar(
        self, pos: int, query: Query, found: _Found, need: float, most: float, *, near: bool, visit: bool = False
    ) -> None:
        """A weak question for this story: its words alone lift no entry to the bar. One C call keeps the
        candidates similar enough (``need``, 0-1) to make up the difference, with their similarities; of those,
        only the ones reaching the bar with the most credit the story could give (every term it uses, ``most``
        of the question, at a variant's credit) have their facts' credit worked out, and are scored; near misses
        only when they can matter (``near``). ``visit``: against the visit bar (:class:`_Found`), so a fact
        below it may be held at less than its best entry until the second search does the story again."""
        index = self.indexes[pos]
        postings, fact_of, says = index._postings, index.entries.fact_of, index.entries.says
        if need > _WHOLE:  # only the question's very terms are that similar (ties at 100 across many stories)
            keys = self._same_terms(pos, query)
            close = [(query.text, 100.0, i) for i in range(len(keys))]
        else:
            keys = list(postings.any_of(query.terms))
            texts = index.entries.texts_of(keys)
            close = process.extract(query.text, texts, scorer=fuzz.ratio, score_cutoff=100 * need - 1e-6, limit=None)
        if not close:
            return  # as for most stories: then their weights are not worth summing
        shared = self._shared(pos, query, 0, len(index.entries))
        focused = postings.any_of(query.focus)
        anchored = {fact_of[k] for k in focused if k not in says}
        total, used = query.weight, self.plans[pos].used
        bar, fact_bar = found.story_bar(near, visit=visit), found.visit_bar if visit else found.bar
        most_credit = OTHER_VARIANT_CREDIT * most * total  # no fact of the story has more
        credits: dict[int, float] = {}
        for _, percent, i in close:
            k, similarity = keys[i], percent / 100
            if not (near and k in focused if k in says else fact_of[k] in anchored):
                continue  # not a candidate (see StoryIndex.search), or a near miss that cannot matter
            weight = shared[k]
            bound = near_recall_bound if k in says else variant_recall
            if blend(weight / used[k], bound(most_credit, weight, total), similarity) < bar:
                continue
            f = fact_of[k]
            if (credit := credits.get(f)) is None:
                credit = credits[f] = index.credit(query, f)
            if k in says:
                self._add_near_miss(pos, query, found, k, credit=credit, weight=weight, similarity=similarity)
            elif (score := blend(weight / used[k], variant_recall(credit, weight, total), similarity)) >= fact_bar:
                found.add(pos, index, k, score)

    def _same_terms(self, pos: int, query: Query) -> list[int]:
        """The entries of the story using exactly the question's terms: those of its text, found through the
        rows of its rarest term."""
        index = self.indexes[pos]
        postings, text = index._postings, index.entries.text
        low, high = min(map(postings.span, query.terms), key=lambda span: span[1] - span[0])
        return [k for k in postings.columns[0][low:high] if text(k) == query.text]

    def fact_bounds(self, pos: int, query: Query, precise: float) -> _FactBounds:
        """The bounds of the facts of the story using a focus term anywhere (no other has a candidate: see
        :meth:`StoryIndex.search`; ``precise``: the story's bound on precision, from :meth:`_sums`), from how
        each fact uses each question term (:meth:`uses`): its credit, so its variants' recall at best, and the
        weight of the terms it uses in its variants and anywhere."""
        focus, credits, bagged, anywhere = query.focus, {}, {}, {}
        anchored: set[int] = set()  # facts using a focus term in a variant: only their variants can be candidates
        aimed: set[int] = set()  # ... anywhere: only their near misses can be
        credit_of, bag_of, anywhere_of = credits.get, bagged.get, anywhere.get
        for term, weight in query.terms.items():
            central = term in focus
            for code in self.uses(pos, term):
                f, level = code >> 2 & _FACT_MASK, code & 3
                anywhere[f] = anywhere_of(f, 0.0) + weight
                if level:
                    credits[f] = credit_of(f, 0.0) + CREDITS[level] * weight
                    if level == 3:
                        bagged[f] = bag_of(f, 0.0) + weight
                        if central:
                            anchored.add(f)
                if central:
                    aimed.add(f)
        aimed_anywhere = {f: anywhere[f] for f in aimed}
        return _FactBounds(
            self.plans[pos], query, precise, anywhere=aimed_anywhere, credits=credits, bagged=bagged, anchored=anchored
        )

    def _sums(self, pos: int, terms: Iterable[str]) -> tuple[float, float, int]:
        """The weight of the question terms the story uses (over the question's, the best recall of its entries),
        and each one's weight over the least weight an entry using it uses, summed (capped at 1, the best
        precision of its entries), and how many they are; the weights are the story's own."""
        stories, weights, leasts = self._reach.columns
        used = share = 0.0
        count = 0
        for term in terms:
            low, high = self._reach.span(term)
            at = bisect.bisect_left(stories, pos, low, high)
            if at < high and stories[at] == pos:
                used += weights[at]
                share += weights[at] / leasts[at]
                count += 1
        return used, share, count

    def _shared(self, pos: int, query: Query, start: int, end: int) -> dict[int, float]:
        """Entry -> the weight of the question terms it uses (summed as the scorer does), for the entries in
        ``range(start, end)`` that share one."""
        postings = self.indexes[pos]._postings
        (entries,) = postings.columns
        shared: dict[int, float] = {}
        for term, weight in query.terms.items():
            low, high = postings.span(term)
            low = bisect.bisect_left(entries, start, low, high)
            for k in entries[low : bisect.bisect_left(entries, end, low, high)]:
                shared[k] = shared.get(k, 0.0) + weight
        return shared
