"""One story's search index, built once when the fact base loads.

A question is read the way the story's own facts were: normalised, typos corrected against the story's
vocabulary, aliases folded into one term, stems taken. Each question variant (and each curated
"not answered" variant) is then scored by how much of the question's weighted evidence it explains.
Rare words weigh more than common ones, and words the story never uses count against every match, so
on-topic questions the story cannot answer score low instead of matching on a shared name.
"""

from __future__ import annotations

import math
import re
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.engine.groups import Groups
from bot.engine.text import QUESTION_KINDS, STOPWORDS, Aliases, content_terms, focus_terms, stem, words
from bot.knowledge.base import Fact, Story

# How much a question term counts when the variant lacks it but the fact has it elsewhere.
OTHER_VARIANT_CREDIT = 0.9
ANSWER_CREDIT = 0.6
SOURCE_CREDIT = 0.3
RECALL_BETA = 2.0  # recall (the question is explained) matters more than precision (the variant is used up)
STRING_WEIGHT = 0.3  # character-level similarity, for word order and what stems miss
KIND_WEIGHT = 2.0  # a who/when/where/why/how-many question term weighs like a rare word
ABBREVIATION_SHARE = 0.75  # "def" -> "defense" only when that word family has this share of the candidates
ABBREVIATION_USES = 3  # ... and is used this often: "subs" is no "substance", "hard" no "hardware"
UNKNOWN_WEIGHT = 1.5  # words the story never uses weigh this much more than its rarest word
CREDITS = (0.0, SOURCE_CREDIT, ANSWER_CREDIT, OTHER_VARIANT_CREDIT)  # by StoryIndex.level


@dataclass(frozen=True, slots=True)
class Query:
    """A question as the index reads it."""

    terms: dict[str, float]  # term -> weight
    text: str  # its terms joined, for character-level comparison
    unknown: tuple[str, ...]  # terms the story never uses: the question asks something it may not cover
    weight: float  # the terms' weights summed, which every recall is a share of
    focus: tuple[str, ...]  # what it is about (focus_terms): see StoryIndex.search

    def shares_focus(self, terms: Iterable[str]) -> bool:
        """Whether an entry using ``terms`` shares what the question is about."""
        return not self.focus or any(t in self.focus for t in terms)


@dataclass(frozen=True, slots=True)
class Entry:
    """A question variant of a fact, or of a near miss the fact must not answer (``says`` set); a view of
    :class:`Entries`, made when asked for."""

    number: int  # its place in the story's entries
    fact: int
    question: str
    terms: tuple[str, ...]  # sorted, distinct
    text: str
    says: str | None = None


class Entries(Sequence[Entry]):
    """A story's entries as columns: a large fact base holds a few arrays instead of an object and a tuple
    per entry (some 100 MB at 100,000 facts, and most of the objects caching the engine must track)."""

    def __init__(self, rows: Iterable[tuple[int, str, tuple[str, ...], str | None]]) -> None:
        """``rows``: (fact, question, terms, says), each fact's variants before its near misses."""
        self.fact_of = array("i")
        self.questions: list[str] = []  # the fact's own strings
        self._texts: list[str] = []  # terms joined, for character-level comparison
        self.says: dict[int, str] = {}  # entry -> the hint of its near miss
        self._names: list[str] = []  # the story's terms; an entry's terms are places in this list
        self._term_ids = array("i")
        self._starts = array("i", [0])  # entry -> where its terms start in _term_ids
        ids: dict[str, int] = {}
        for k, (fact, question, terms, says) in enumerate(rows):
            self.fact_of.append(fact)
            self.questions.append(question)
            self._texts.append(" ".join(terms))
            if says is not None:
                self.says[k] = says
            for term in terms:
                if term not in ids:
                    ids[term] = len(self._names)
                    self._names.append(term)
                self._term_ids.append(ids[term])
            self._starts.append(len(self._term_ids))

    def __getstate__(self) -> dict[str, Any]:
        """The texts travel as one string: pickle keeps every object it writes until it is done (bot/cache.py)."""
        return {**self.__dict__, "_texts": "\n".join(self._texts)}  # terms never hold a line break

    def __setstate__(self, state: dict[str, Any]) -> None:
        texts = state["_texts"]
        self.__dict__.update(state, _texts=texts.split("\n") if state["fact_of"] else [])

    def terms(self, k: int) -> tuple[str, ...]:
        names = self._names
        return tuple([names[i] for i in self._term_ids[self._starts[k] : self._starts[k + 1]]])

    def text(self, k: int) -> str:
        return self._texts[k]

    def texts_of(self, entries: Iterable[int]) -> list[str]:
        texts = self._texts
        return [texts[k] for k in entries]

    def texts(self, start: int, end: int) -> list[str]:
        """The texts of the entries in ``range(start, end)``."""
        return self._texts[start:end]

    def length(self, k: int) -> int:
        return len(self._texts[k])

    def __getitem__(self, k: int) -> Entry:  # type: ignore[override]  # no slices: nothing asks for them
        return Entry(k, self.fact_of[k], self.questions[k], self.terms(k), self.text(k), self.says.get(k))

    def __len__(self) -> int:
        return len(self.fact_of)

    def __iter__(self) -> Iterator[Entry]:
        return map(self.__getitem__, range(len(self)))


@dataclass(frozen=True, slots=True)
class Scored:
    entry: Entry
    score: float


class StoryIndex:
    """Terms, weights and variants of one story; immutable once built."""

    def __init__(self, story: Story) -> None:
        self.story = story
        self.aliases = Aliases(story.aliases)
        facts = story.facts
        texts = [q for f in facts for q in _all_questions(f)] + [f.answer for f in facts] + [story.article]
        said = {text: words(text) for text in texts}  # each text is read once, for the vocabulary and its terms
        self.vocabulary = Counter(sys.intern(w) for text in texts for w in said[text])
        self.vocabulary.update(sys.intern(w) for phrase in _alias_phrases(story) for w in words(phrase))
        spellable: dict[str, list[str]] = defaultdict(list)  # by first letter: correct() runs on every question
        for w in self.vocabulary:
            if len(w) >= 4 and w.isalpha() and w not in STOPWORDS:
                spellable[w[0]].append(w)
        self._spellable = dict(spellable)
        self._stems = frozenset(sys.intern(stem(w)) for w in self.vocabulary)

        # Per fact, as sorted tuples of interned terms: thousands of small frozensets would dominate the memory
        # of a large fact base, and the scorer looks only a few terms up in them.
        self._answers: list[tuple[str, ...]] = []
        self._sources: list[tuple[str, ...]] = []
        sets: dict[tuple[str, ...], tuple[str, ...]] = {}
        rows = []
        for i, fact in enumerate(facts):
            rows += [(i, q, self._sorted_terms(said[q]), None) for q in fact.questions]
            for near in fact.not_answered:
                rows += [(i, q, self._sorted_terms(said[q]), near.says) for q in near.questions]
            self._answers.append(_shared(self._terms(said[fact.answer]), sets))
            self._sources.append(_shared(self._terms(words(fact.source)), sets))
        self.entries = Entries(rows)
        bags: list[set[str]] = [set() for _ in facts]
        for fact, _, terms, says in rows:
            if says is None:
                bags[fact].update(terms)
        self._bags = [_shared(bag, sets) for bag in bags]

        document_frequency = Counter(t for i, bag in enumerate(self._bags) for t in {*bag, *self._answers[i]})
        n = len(facts)
        self._idf = {t: math.log(1 + n / df) for t, df in document_frequency.items()}
        self._idf.update((t, KIND_WEIGHT) for t in self._idf if t.startswith("?"))
        self._unknown_idf = UNKNOWN_WEIGHT * math.log(1 + n)
        # Aliased names the article capitalises ("Russia", "Nuclear Consultative Group"): people, places, bodies.
        self.entities = frozenset(
            "_".join(words(canonical))
            for canonical, phrases in story.aliases.items()
            if any(_capitalised(phrase, story.article) for phrase in (canonical, *phrases))
        )
        # A word the article or an alias uses, in any form, is not "unknown" even when no variant uses it;
        # a word only a "not answered" variant uses still is.
        told = [story.article, *_alias_phrases(story)]
        self._known = frozenset(self._idf).union(*self._sources, (stem(w) for t in told for w in words(t)))
        postings: dict[str, list[int]] = defaultdict(list)
        for k, (_, _, terms, _) in enumerate(rows):
            for term in terms:
                postings[term].append(k)
        self._postings = Groups("i", ((term, (ks,)) for term, ks in postings.items()))  # term -> entries using it

    # -- reading text ---------------------------------------------------------------------------------

    def _terms(self, said: list[str]) -> list[str]:
        """The terms of a text's words, interned, so the many entries and stories using a term hold one string."""
        return [sys.intern(t) for t in content_terms(self.aliases.apply(said))]

    def _sorted_terms(self, said: list[str]) -> tuple[str, ...]:
        return tuple(sorted(set(self._terms(said))))

    def correct(self, word: str) -> str:
        """The story's own word for a misspelt or abbreviated one ("decl", "def"), or the word unchanged."""
        if (
            len(word) < 3
            or not word.isalpha()
            or word in self.vocabulary
            or word in STOPWORDS
            or word in QUESTION_KINDS
            or stem(word) in self._stems
        ):
            return word
        if len(word) < 5:
            return self._expand(word)
        # A typo rarely hits the first letter; demanding it keeps real words from becoming story words.
        candidates = self._spellable.get(word[0], ())
        found = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=typo_reach(word))
        return found[0] if found else word

    def _expand(self, short: str) -> str:
        """The story word a short unknown word abbreviates, when one family of words clearly dominates and the
        story uses it often."""
        families: Counter[str] = Counter()
        for w in self._spellable.get(short[0], ()):
            if w.startswith(short) and len(w) >= len(short) + 3:
                families[stem(w)] += self.vocabulary[w]
        if not families:
            return short
        family, count = families.most_common(1)[0]
        if count < ABBREVIATION_SHARE * families.total() or count < ABBREVIATION_USES:
            return short
        return max((w for w in self._spellable[short[0]] if stem(w) == family), key=self.vocabulary.__getitem__)

    def query(self, question: str, max_words: int | None = None) -> Query:
        """The question's terms; only its first ``max_words`` words are read, so its cost is bounded."""
        return self.read([self.correct(w) for w in words(question)[:max_words]])

    def read(self, tokens: list[str]) -> Query:
        """The terms of a question's words, once corrected (the index skips :meth:`correct` for a story whose
        words cannot correct any of them)."""
        terms = dict.fromkeys(map(sys.intern, content_terms(self.aliases.apply(tokens))))  # a built index's own
        # "bilateral or multilateral?": an alternative the story never uses is an offered option, not a topic.
        offered = unknown_options(or_pairs(tokens), self._known)
        return self.weigh(t for t in terms if t not in offered)

    def weigh(self, terms: Iterable[str], focus: tuple[str, ...] | None = None) -> Query:
        """The question of these (distinct) terms, weighted as this story weighs them: how :meth:`read` ends,
        and all the index needs of a story reading the question word for word, as most stories do. ``focus``:
        :func:`focus_terms` of the terms, when the caller has it (it is the same in every story)."""
        weighted = {t: self._idf.get(t, self._unknown_idf) for t in terms}
        unknown = tuple(t for t in weighted if t not in self._known)
        if focus is None:
            focus = tuple(focus_terms(list(weighted)))
        return Query(weighted, " ".join(sorted(weighted)), unknown, sum(weighted.values()), focus)

    def unexplained(self, query: Query, fact: int) -> frozenset[str]:
        """Question terms that no variant, the answer or the source of the fact uses."""
        return frozenset(query.terms).difference(self._bags[fact], self._answers[fact], self._sources[fact])

    # -- scoring --------------------------------------------------------------------------------------

    def search(self, query: Query) -> list[Scored]:
        """The candidates, scored 0-100, best first: every variant sharing a term with the question, of a fact
        one of whose variants shares what it is about (:attr:`Query.focus`), and every near miss sharing that.
        A fact whose variants share only how the question asks ("how many", "who") is never a candidate, but
        such a variant of a candidate fact is: when it fits best, the fact is neither answered nor offered."""
        postings, entries = self._postings, self.entries
        aimed = postings.any_of(query.focus)
        anchored = {entries.fact_of[k] for k in aimed if k not in entries.says}
        candidates = {
            k
            for term in query.terms
            if term in postings
            for k in postings[term][0]
            if (k in aimed if k in entries.says else entries.fact_of[k] in anchored)
        }
        scored = [Scored(entry, self._score(query, entry)) for entry in map(self.entries.__getitem__, candidates)]
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored

    def level(self, term: str, fact: int, *, variants: bool = True) -> int:
        """How the fact uses a term, an index into ``CREDITS``: 3 a variant (unless ``variants`` is off), 2 only
        the answer, 1 only the source."""
        if variants and term in self._bags[fact]:
            return 3
        if term in self._answers[fact]:
            return 2
        return 1 if term in self._sources[fact] else 0

    def credit(self, query: Query, fact: int) -> float:
        """The weight of the question terms the fact uses, each at the credit of where it uses it: a variant
        of the fact gets this for the terms it lacks (see :func:`variant_recall`)."""
        return sum(CREDITS[self.level(term, fact)] * weight for term, weight in query.terms.items())

    def _score(self, query: Query, entry: Entry) -> float:
        shared = sum(w for t, w in query.terms.items() if t in entry.terms)
        if entry.says is None:  # its terms are all in its fact's bag, so the fact's credit covers the rest
            recall = variant_recall(self.credit(query, entry.fact), shared, query.weight)
        else:
            recall = self.near_explained(query, entry.fact, entry.terms) / query.weight
        used = sum(self._idf.get(t, self._unknown_idf) for t in entry.terms)
        precision = shared / used if used else 0.0
        return blend(precision, recall, fuzz.ratio(query.text, entry.text) / 100)

    def near_explained(self, query: Query, f: int, terms: tuple[str, ...]) -> float:
        """The evidence of a near miss of fact ``f`` using ``terms``: its own terms whole, its fact's other
        words at their credit, except the question kind, which a near miss must ask itself."""
        explained = 0.0
        for term, weight in query.terms.items():
            if term in terms:
                explained += weight
            else:
                explained += CREDITS[self.level(term, f, variants=not term.startswith("?"))] * weight
        return explained


def typo_reach(word: str) -> int:
    """How far (OSA distance) a word may be from the story word it misspells: two letters only in a long word
    ("culmnatoin"), since in a shorter one they make another real word ("invented", "intended")."""
    return 1 if len(word) < 10 else 2


def _shared(terms: Iterable[str], seen: dict[tuple[str, ...], tuple[str, ...]]) -> tuple[str, ...]:
    """The distinct terms, sorted; one object for equal ones (facts citing one sentence, say)."""
    key = tuple(sorted(set(terms)))
    return seen.setdefault(key, key)


def _all_questions(fact: Fact) -> Iterable[str]:
    yield from fact.questions
    for near in fact.not_answered:
        yield from near.questions


_B2 = RECALL_BETA**2
_F_SCALE = 1 + _B2
_WORDS_SHARE = 1 - STRING_WEIGHT


def variant_recall(credit: float, shared: float, total: float) -> float:
    """Recall of a variant of a fact: the question terms it uses count whole (``shared``), the fact's other
    words at their credit (``credit`` counts the variant's own terms at the bag's credit too)."""
    return (credit + (1 - OTHER_VARIANT_CREDIT) * shared) / total


def near_recall_bound(credit: float, shared: float, total: float) -> float:
    """At most the recall of a near miss of a fact: its own terms (``shared``) whole, the fact's other words at
    most at the fact's credit (see :meth:`StoryIndex.near_explained`)."""
    return min(1.0, (credit + shared) / total)


def blend(precision: float, recall: float, similarity: float) -> float:
    """The score 0-100: F-measure of precision and recall, blended with character similarity (the index's
    bounds call this too, so a bound and a score can never disagree on the formula)."""
    f = _F_SCALE * precision * recall / (_B2 * precision + recall) if precision and recall else 0.0
    return 100 * (_WORDS_SHARE * f + STRING_WEIGHT * similarity)


def unknown_options(pairs: Iterable[tuple[str, str]], known: frozenset[str]) -> set[str]:
    """Stems the story never uses, offered beside one it does (``pairs``: :func:`or_pairs`): "bilateral or
    multilateral", "a minister or a general". Two unknown alternatives ("subs or bombers") are the question's
    topic and stay."""
    return {right if left in known else left for left, right in pairs if (left in known) != (right in known)}


def or_pairs(tokens: Sequence[str]) -> list[tuple[str, str]]:
    """The stems (or alias terms, whole) on either side of each "or" between content words."""
    content = [t if "_" in t else stem(t) for t in tokens if t not in STOPWORDS or t == "or"]
    return [(content[i - 1], content[i + 1]) for i in range(1, len(content) - 1) if content[i] == "or"]


def _capitalised(phrase: str, text: str) -> bool:
    """Whether ``text`` writes every word of ``phrase`` with a capital: a name, not a common noun."""
    parts = words(phrase)
    return bool(parts) and re.search(r"\b" + r"\W+".join(re.escape(w.capitalize()) for w in parts), text) is not None


def _alias_phrases(story: Story) -> Iterable[str]:
    for canonical, phrases in story.aliases.items():
        yield canonical
        yield from phrases
