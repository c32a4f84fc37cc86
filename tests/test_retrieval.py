"""The index finds what exhaustive scoring finds: the same assessment and reply for every question.

Exhaustive scoring is the reference: every story reads the question and scores every entry sharing a term
with it. The index may skip only entries whose score cannot change any figure of the assessment.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz, process

from bot.config import Config, Matching
from bot.engine import Engine
from bot.engine import retrieval as retrieval_module
from bot.engine.engine import _lead, _Ranked, _reach
from bot.engine.index import OTHER_VARIANT_CREDIT, Scored, blend
from bot.engine.text import content_terms, focus_terms, words
from bot.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parent.parent


def _factbase():
    spec = importlib.util.spec_from_file_location("factbase", ROOT / "benchmarks" / "factbase.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _labelled_questions() -> list[str]:
    """Our labelled questions: the tuning set, then the held-out set."""
    files = ("tuning-questions.yaml", "heldout-questions.yaml")
    return [item["q"] for name in files for item in yaml.safe_load((ROOT / "tests" / "data" / name).read_text())]


def _exhaustive_rank(engine: Engine):
    """Engine._rank without the index: score every candidate of every story; ties in story, entry order."""

    def rank(question: str, story: str | None, deciding: bool = False):
        facts: dict[tuple[int, int], tuple[float, int, int]] = {}
        near: list[tuple[float, int, int]] = []
        queries = {}
        indexes = list(engine._indexes.values())
        for pos, index in enumerate(indexes):
            if story and index.story.id != story:
                continue
            query = queries[index.story.id] = index.query(question, engine.matching.max_question_words)
            for scored in index.search(query):
                k = scored.entry.number
                row = (scored.score, pos, k)
                if scored.entry.says is not None:
                    near.append(row)
                elif (key := (pos, scored.entry.fact)) not in facts or (-row[0], pos, k) < (
                    -facts[key][0],
                    *facts[key][1:],
                ):
                    facts[key] = row

        def ranked(rows):
            ordered = sorted(rows, key=lambda v: (-v[0], v[1], v[2]))
            return [_Ranked(indexes[p], Scored(indexes[p].entries[k], s)) for s, p, k in ordered]

        return ranked(facts.values()), ranked(near), queries, None

    return rank


def _check(engine: Engine, questions: list[str]) -> None:
    """The same assessment (exact: every figure tune uses) and the same reply (with the answer floor)."""
    reference = Engine(engine.kb, engine.matching)
    reference._rank = _exhaustive_rank(reference)
    for question in questions:
        assert engine.assess(question) == reference.assess(question), question
        assert engine.answer(question) == reference.answer(question), question


def test_shipped_knowledge_same_as_exhaustive(engine: Engine) -> None:
    _check(engine, _labelled_questions())


@pytest.fixture(scope="module")
def many_stories(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, list[str]]:
    """The shipped story among 10 generated ones, and questions about them with typos and dropped words."""
    factbase = _factbase()
    root = factbase.generate(1000, tmp_path_factory.mktemp("kb") / "knowledge")
    questions = list(factbase.sample_questions(root, 100))
    return Engine(load_knowledge(root), Config().matching), questions


def test_many_stories_same_as_exhaustive(many_stories: tuple[Engine, list[str]]) -> None:
    engine, questions = many_stories
    odd = ["where?", "who", "what is it", "zzz qqq", "signed in seoul or in the us?", "bilateral or multilateral"]
    odd += ["what do the accords say", "when did the pentagons sign"]  # aliases matched by their stems
    _check(engine, questions + _labelled_questions()[::4] + odd)


def test_a_perfect_similarity_is_the_question_s_very_terms(many_stories: tuple[Engine, list[str]]) -> None:
    """A weak story needing all but full similarity (the bar at 100: many stories asking one question word for
    word) looks up the entries of the question's very terms instead of comparing texts in C: they are the
    ones that C call would keep."""
    engine, questions = many_stories
    retrieval = engine._retrieval
    found = 0
    for pos, index in enumerate(retrieval.indexes):
        asked = [fact.questions[0] for fact in index.story.facts[:30]]
        for question in questions[:30] + asked:
            query = index.query(question)
            if not query.terms:
                continue
            keys = sorted(index._postings.any_of(query.terms))
            cutoff = 100 * retrieval_module._WHOLE - 1e-6
            close = process.extract(
                query.text, index.entries.texts_of(keys), scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
            )
            same = retrieval._same_terms(pos, query)
            assert same == sorted(keys[i] for _, _, i in close), (question, index.story.id)
            found += len(same)
    assert found >= 30


def test_a_story_left_to_the_term_table_reads_the_question_word_for_word(
    many_stories: tuple[Engine, list[str]],
) -> None:
    """The index bounds most stories from the global term table, without their own reading of the question;
    that holds only if their reading has exactly those terms. An alias matched only by its stem
    ("accords" for "accord") or a typo a story would correct makes it read the question itself."""
    engine, questions = many_stories
    retrieval = engine._retrieval
    inflected = ["what do the accords say", "when did the pentagons sign", "was it inking day", "how many nuke"]
    for question in questions + _labelled_questions()[::4] + inflected:
        tokens = words(question)
        readers, _ = retrieval._unplain(tokens)
        for pos, index in enumerate(retrieval.indexes):
            if pos not in readers:
                assert index.read(tokens).terms.keys() == set(content_terms(tokens)), (question, index.story.id)


def test_story_bounds_hand_on_the_sums_the_story_would_compute(many_stories: tuple[Engine, list[str]]) -> None:
    """A story's search takes the sums its bound was made from (the weight of the question terms it uses and
    their precision) as its own; they must be its reading's, bit for bit, or a search could prune a tie."""
    engine, questions = many_stories
    retrieval = engine._retrieval
    positions = range(len(retrieval.indexes))
    checked = 0
    for question in questions + _labelled_questions()[::4] + ["who signed it?", "how many nuke", "when"]:
        tokens = words(question)
        plain = list(dict.fromkeys(content_terms(tokens)))
        wanted = set(positions) - retrieval._unplain(tokens)[0].keys()
        bounds, kind_only = retrieval._stories(plain, focus_terms(plain), wanted)
        for _, pos, _, _, sums in bounds + (kind_only[1]() if kind_only else []):
            query = retrieval.indexes[pos].weigh(plain)
            assert sums == retrieval._sums(pos, query.terms), question
            assert sums[0] == sum(w for t, w in query.terms.items() if pos in retrieval._reach.get(t, ((),))[0])
            checked += 1
    assert checked > len(questions)


def test_a_story_without_the_rare_terms_is_bounded_by_the_common_ones(many_stories: tuple[Engine, list[str]]) -> None:
    """Stories using one of the question's rarest terms are searched first; the others are skipped whole when
    the question's common terms, at the most weight and precision any story gives them, cannot reach the bar."""
    engine, questions = many_stories
    retrieval = engine._retrieval
    checked = 0
    for question in questions + _labelled_questions()[::4] + ["who signed it?", "how many nuke", "when"]:
        plain = list(dict.fromkeys(content_terms(words(question))))
        focus = focus_terms(plain)
        rare, common = retrieval._rare(plain, focus)
        ceiling = retrieval._common_ceiling(common, len(plain))
        first = {pos for term in rare for pos in retrieval._reach[term][0]}
        for pos in set(range(len(retrieval.indexes))) - first:
            if (sums := retrieval._sums(pos, plain))[1] and retrieval._sums(pos, focus)[2]:  # it has candidates
                bound = retrieval._plain_bound(pos, sums, len(plain))
                assert -bound[0] <= ceiling + 1e-9, (question, pos)
                checked += 1
    assert checked > len(questions)


@pytest.mark.parametrize(
    "matching",
    [
        Matching(),
        Matching(answer_threshold=60, clear_threshold=70),  # the clear rule above the answer threshold
        Matching(margin=15, clear_margin=5),  # a clear rule asking less lead than the margin
        Matching(answer_threshold=58, clear_threshold=58),
    ],
)
def test_a_rival_left_out_is_too_far_behind_to_matter(matching: Matching) -> None:
    """The search leaves out a rival more than ``_reach(top)`` behind the best fact found so far. That is safe
    only if no better best fact found later can need a wider lead: ``_reach`` covers every ``_lead`` above."""
    scores = [s / 4 for s in range(401)]
    for at, top in enumerate(scores):
        needs = [_lead(score, matching) for score in scores[at:]]
        assert _reach(top, matching) >= max((n for n in needs if n < float("inf")), default=0.0), top


def test_bound_is_never_below_the_score(many_stories: tuple[Engine, list[str]]) -> None:
    """The bounds the index prunes with hold for every scored entry, whatever the scorer's tuning: its fact's
    (of any entry, of a variant, of a variant this similar), and its own from the terms it shares and its length."""
    engine, questions = many_stories
    for pos, index in enumerate(engine._indexes.values()):
        plan = engine._retrieval.plans[pos]
        for question in questions[:30]:
            query = index.query(question, engine.matching.max_question_words)
            if not query.terms:
                continue
            precise = min(1.0, engine._retrieval._sums(pos, query.terms)[1])
            bounds = engine._retrieval.fact_bounds(pos, query, precise)
            for scored in index.search(query):
                entry = scored.entry
                assert entry.fact in bounds.order, (question, entry.question)
                assert scored.score <= bounds.reach(entry.fact) + 1e-9, (question, entry.question)
                similarity = fuzz.ratio(query.text, entry.text) / 100
                if entry.says:
                    near, most_similar = bounds.near(entry.fact)
                    assert scored.score <= near + 1e-9, (question, entry.question)
                    assert similarity <= most_similar + 1e-9, (question, entry.question)
                else:
                    variant, precision, recall = bounds.variant(entry.fact)
                    assert scored.score <= variant + 1e-9, (question, entry.question)
                    assert scored.score <= blend(precision, recall, similarity) + 1e-9, (question, entry.question)
                shared = sum(w for t, w in query.terms.items() if t in entry.terms)
                credit = bounds.credit(entry.fact)
                explained = credit + shared if entry.says else credit + (1 - OTHER_VARIANT_CREDIT) * shared
                lengths = len(query.text) + len(entry.text)
                similarity = 2 * min(len(query.text), len(entry.text)) / lengths
                bound = blend(shared / plan.used[entry.number], min(1.0, explained / query.weight), similarity)
                assert scored.score <= bound + 1e-9, (question, entry.question)


def test_a_story_bound_holds_to_the_last_bit(many_stories: tuple[Engine, list[str]]) -> None:
    """A story is skipped when its bound is below the bar, or ties it behind the fact that set it: many stories
    may ask one question word for word. So its bound must hold exactly, rounding included, though a sum of
    ratios (its precision) is not a ratio of sums to the last bit."""
    engine, questions = many_stories
    retrieval = engine._retrieval
    asked = [fact.questions[0] for index in retrieval.indexes for fact in index.story.facts[:25]]
    for question in questions + asked:
        terms = list(dict.fromkeys(content_terms(words(question))))
        for pos, index in enumerate(retrieval.indexes):
            if scored := index.search(index.weigh(terms)):
                bound = -retrieval._plain_bound(pos, retrieval._sums(pos, terms), len(terms))[0]
                assert scored[0].score <= bound, (question, index.story.id)


def test_autocomplete_at_scale_finds_what_is_typed(many_stories: tuple[Engine, list[str]]) -> None:
    """Past a few thousand variants autocomplete scores only indexed candidates; what is typed still shows."""
    engine, _ = many_stories
    assert len(engine._finder.texts) > 2_000
    for question in engine._finder.texts[::400]:
        assert question in engine.complete(question)
        assert question in engine.complete(question[: max(8, len(question) - 3)])


def test_entries_are_each_facts_questions_then_its_near_misses(engine: Engine) -> None:
    """The columns give back what the facts hold, in the order the plan's ranges rely on."""
    for pos, index in enumerate(engine._indexes.values()):
        plan = engine._retrieval.plans[pos]
        expected = [
            (f, q, near.says if near else None)
            for f, fact in enumerate(index.story.facts)
            for near, questions in [(None, fact.questions), *((n, n.questions) for n in fact.not_answered)]
            for q in questions
        ]
        entries = list(index.entries)
        assert [(e.fact, e.question, e.says) for e in entries] == expected
        assert all(e.text == " ".join(e.terms) and e.terms == tuple(sorted(set(e.terms))) for e in entries)
        for f, fact in enumerate(index.story.facts):
            variants = entries[plan.starts[f] : plan.nears[f]]
            assert [e.question for e in variants] == list(fact.questions)
            assert all(e.says for e in entries[plan.nears[f] : plan.starts[f + 1]])
