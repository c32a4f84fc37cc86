"""The engine on the shipped knowledge: questions in our own wording, typos, declines and odd input."""

from __future__ import annotations

import dataclasses
import gc
import weakref

import pytest

from bot.config import Config
from bot.engine import Reason, Status
from bot.engine.engine import AUTOCOMPLETE_MAX_CHARS, Assessment
from bot.engine.text import Aliases, words
from bot.library import Library

ANSWERED = [
    ("where did they sign the nuclear guidelines", "signing-place"),
    ("WHAT DOES NCG STAND FOR", "ncg-name"),
    ("what is cho chang-rae's job", "korean-signer"),
    ("define extended deterrence", "extended-deterrence-meaning"),
    ("when was the washington declaration adopted", "washington-declaration-when"),
    ("where was the washington declaration adopted", "washington-declaration-where"),
    ("what does nato stand for", "nato-meaning"),
]

TYPOS = [
    ("where were the guidlines signed", "signing-place"),
    ("what is extended deterence", "extended-deterrence-meaning"),
    ("who is vipin narrang", "us-signer"),
    ("were teh guidlines signed in washignton", "signing-place"),  # everyday misspellings of function words
    ("wher did they sign", "signing-place"),
]

# Worded unlike any variant, in ways the matcher is built to read.
READ_THROUGH = [
    ("is the ncg bilateral or multilateral", "ncg-name"),  # an alternative the story never uses is not a topic
    ("what is the nuclear consultive groups job", "key-task-of-ncg"),  # aliases match on stems
    ("i dont get what extended deterrence is", "extended-deterrence-meaning"),  # conversational words
    ("was it signed on a monday", "signing-day"),  # any weekday asks for the day
    ("washington decl. adopted when", "washington-declaration-when"),  # abbreviations of story words
    ("what's the story about", "summary"),  # a question in function words only asks for the gist
    ("what does the report say about pyongyang", "north-korea-tests"),  # what the story says, not what they said
    ("what did the article say about the ncg", "ncg-name"),
    ("what was the signing supposed to counter", "purpose-north-korea-threats"),  # nor does "supposed to"
    ("was it signed in washington or somewhere else", "signing-place"),  # an alternative left open
    ("per the story, who signed for the us", "us-signer"),  # "per" the story, like "according to" it
    ("how come they signed the guidelines", "purpose-north-korea-threats"),  # "how come" asks why
    ("what was in the washington declaration", "declaration-measures"),  # "what was in" asks what it included
    ("they signed it in washington, correct?", "signing-place"),  # checking words ask nothing
    ("what does the washington declaration refer to", "washington-declaration-what"),  # "refer to" is "mean"
    ("why was the washington declaration adopted in the first place", "washington-declaration-why"),  # an idiom
    ("the first line says the signing was a milestone of what", "milestone"),  # where in the article: no topic
    ("what does sentence 5 say the guidelines provide", "guidelines-content"),
    ("what type of weapons has north korea been testing", "north-korea-tests"),  # "type of" asks for the thing
    ("did they sign because of north korea", "purpose-north-korea-threats"),  # so does "because"
    ("is it true that they signed it in washington", "signing-place"),
    ("hey bot quick q, who signed for the us", "us-signer"),  # addressing the bot asks nothing of the story
    ("sorry if this is a dumb question but who is narang", "us-signer"),  # nor does chatter around a question
    ("what threats are we talking about here", "purpose-north-korea-threats"),
    ("what'll the us mobilize under extended deterrence", "extended-deterrence-meaning"),  # contractions
    ("why'd the allies sign the guidelines", "purpose-north-korea-threats"),  # ... of question words too
    ("where'd they sign the guidelines", "signing-place"),
    ("wtf is the ncg", "ncg-name"),  # chat spellings of question words
    ("yo who signed it acc to the article", "who-signed"),  # a greeting; "acc to" the article, "according to" it
    ("the guidelines provide principles and what else", "guidelines-content"),  # "what else" asks for the rest
    ("what does the integrated way mean in practice", "conventional-support"),  # "in practice" asks what it means
    ("what does milestone mean in this context", "milestone"),  # so does "in this context"
    ("thanks, where did they sign it?", "signing-place"),  # politeness
    # a choice frames the options in the asker's words: "interview" is a word the story never uses
    ("did the ministry put out a press release or give an interview", "defense-ministry-statement"),
]

DECLINED = [
    "what's the best pizza topping",
    "how do i reverse a list in python",
    "how many warheads does pyongyang have",
    "hello",
    "how do you say thank you in korean",  # "thank you" is what someone says here, not politeness
]


@pytest.mark.parametrize(("question", "fact_id"), ANSWERED + TYPOS)
def test_answers_with_the_right_fact(engine, question, fact_id):
    reply = engine.answer(question)
    assert reply.status is Status.ANSWERED, reply
    assert reply.match.fact.id == fact_id
    assert 0 <= reply.match.score <= 100
    assert reply.match.fact.source in reply.match.story.article.replace("\n", " ")
    assert reply.revision == engine.kb.revision


@pytest.mark.parametrize(("question", "fact_id"), READ_THROUGH)
def test_reads_past_wording_no_variant_uses(engine, question, fact_id):
    reply = engine.answer(question)
    assert reply.status is Status.ANSWERED, reply
    assert reply.match.fact.id == fact_id


def test_a_word_two_letters_from_a_story_word_is_a_typo_only_when_long(engine):
    """Two letters make "invented" "intended" and "monument" "moment": real words, not typos of them."""
    index = next(iter(engine._indexes.values()))
    assert index.correct("invented") == "invented" and index.correct("monument") == "monument"
    assert index.correct("culmnatoin") == "culmination"
    assert not engine.answer("who invented the atomic bomb").suggestions


def test_a_short_word_abbreviates_only_a_word_the_story_uses_often(engine):
    """ "decl" is the story's "declaration"; "subs" is no "substance", which one variant uses once."""
    index = next(iter(engine._indexes.values()))
    assert index.correct("decl") == "declaration"
    assert index.correct("subs") == "subs" and index.correct("hard") == "hard"
    assert engine.answer("which strategic assets showed up, subs or bombers?").status is not Status.ANSWERED


def test_an_alias_matches_a_function_word_only_as_written():
    """ "accord" names the guidelines; "according to" is not about them."""
    aliases = Aliases({"guidelines": ["accord"], "south korea": ["s korea"]})
    assert aliases.apply(words("according to the accords")) == ["according", "to", "the", "guidelines"]
    assert aliases.apply(words("s korea")) == ["south_korea"]


def test_a_word_the_story_never_uses_blocks_outside_a_choice(engine):
    assert engine.answer("who is the actual defense minister of south korea").status is not Status.ANSWERED
    assert engine.answer("is narang the actual assistant secretary or just acting").status is Status.ANSWERED


def test_unknown_alternatives_on_both_sides_still_block(engine):
    found = engine.assess("which strategic assets, submarines or bombers")
    assert found.unknown


def test_a_name_the_best_fact_never_involves_blocks_an_answer(engine):
    found = engine.assess("what did the joint statement say about russia")
    assert found.strays == ("russia",)
    assert not found.answers(engine.matching)
    found = engine.assess("what did the defense ministry's press release say about moscow")
    assert found.best.score >= engine.matching.answer_threshold and found.strays == ("russia",)
    assert not found.answers(engine.matching)


def test_a_name_offered_as_the_other_option_of_a_choice_does_not_block(engine):
    """The asker names both options; the fact involves one ("American"), so the other ("Korean") is no topic."""
    assert engine.assess("is narang korean?").strays == ("south_korea",)
    reply = engine.answer("is narang an american or a korean official?")
    assert reply.status is Status.ANSWERED and reply.match.fact.id == "us-signer"


def test_the_lead_a_fair_score_needs_narrows_as_the_score_rises(engine):
    found = engine.assess("where were the guidelines signed")
    m = engine.matching  # answer_threshold 72 with margin 4; clear_threshold 51 with clear_margin 20

    def scoring(score: float, margin: float, strays: tuple[str, ...] = ()) -> Assessment:
        best = dataclasses.replace(found.best, score=score)
        return dataclasses.replace(found, best=best, margin=margin, strays=strays)

    assert scoring(51, 20).answers(m) and not scoring(51, 19.9).answers(m)
    assert scoring(61.5, 12).answers(m) and not scoring(61.5, 11.9).answers(m)  # halfway: halfway between the leads
    assert scoring(72, 4).answers(m) and not scoring(71.9, 4).answers(m)
    assert not scoring(50.9, 60).answers(m)
    assert not scoring(100, 100, ("russia",)).answers(m)  # a name the fact never involves blocks at any score


def test_a_variant_sharing_only_how_the_question_asks_never_answers_it(engine):
    found = engine.assess("where is south korea")  # "Where did they sign it?": "where", and its fact's answer
    assert found.best.score >= engine.matching.clear_threshold and not found.about
    assert engine.answer("where is south korea").status is not Status.ANSWERED


def test_a_fact_whose_variants_share_only_how_the_question_asks_is_not_ranked(engine):
    """Many variants ask "how many", none about legs or spiders: no fact is ranked, offered or a rival."""
    found = engine.assess("how many legs does a spider have")
    assert found.best is None and found.suggestions == ()


def test_facts_sharing_only_how_the_question_asks_take_no_suggestion_slot(engine):
    """ "Which country is the ally?" shares only "which country" with this question; before the facts about
    Narang were out-ranked by such facts and nothing was offered."""
    reply = engine.answer("narang is from which country")
    assert reply.status is Status.SUGGESTIONS
    assert "us-signer" in [s.fact.id for s in reply.suggestions]


def test_a_near_miss_asking_the_questions_extra_point_declines(engine):
    reply = engine.answer("what are north korea's new missiles called")
    assert reply.status is Status.SUGGESTIONS
    assert reply.hint and "names of weapons" in reply.hint


@pytest.mark.parametrize("question", DECLINED)
def test_declines_what_the_story_does_not_say(engine, question):
    assert engine.answer(question).status is not Status.ANSWERED


def test_near_miss_declines_with_the_curated_hint(engine):
    reply = engine.answer("who is the US defense secretary")
    assert reply.status is Status.SUGGESTIONS
    assert reply.hint and "Narang" in reply.hint
    assert "us-signer" in [s.fact.id for s in reply.suggestions]


@pytest.mark.parametrize("question", ["how many legs does a spider have", "what time is it in tokyo rn"])
def test_a_near_miss_sharing_only_how_the_question_asks_gives_no_hint(engine, question):
    """ "How many pages are the guidelines?" says nothing about spiders: sharing "how many" (or "what time")
    is no reason to show its hint."""
    reply = engine.answer(question)
    assert reply.status is not Status.ANSWERED
    assert reply.hint is None


def test_a_near_miss_sharing_the_topic_still_gives_its_hint(engine):
    reply = engine.answer("how many pages are the guidelines")
    assert reply.status is Status.SUGGESTIONS
    assert reply.hint and "text or details" in reply.hint


def test_suggestions_share_what_the_question_is_about(engine):
    """A fact sharing only how the question asks ("who", "how long") is no suggestion for it; a question that is
    all asking ("who") takes any."""
    assert engine.answer("how long to boil an egg").suggestions == ()
    ids = [s.fact.id for s in engine.answer("who is the US secretary of defense").suggestions]
    assert "us-signer" in ids
    assert "who-signed" not in ids
    assert engine.answer("who").suggestions


def test_suggestions_are_at_most_three_distinct_facts(engine):
    for question in ["guidelines?", "north korea", "what did they say"]:
        reply = engine.answer(question)
        ids = [s.fact.id for s in reply.suggestions]
        assert len(ids) <= 3
        assert len(set(ids)) == len(ids)
        assert [s.score for s in reply.suggestions] == sorted((s.score for s in reply.suggestions), reverse=True)


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_empty_question(engine, question):
    reply = engine.answer(question)
    assert (reply.status, reply.reason) == (Status.NO_MATCH, Reason.EMPTY)


def test_huge_question_is_declined_with_a_reason(engine):
    reply = engine.answer("where were the guidelines signed " * 400)
    assert (reply.status, reply.reason) == (Status.NO_MATCH, Reason.TOO_LONG)


ODD = ["🙂🙂🙂", "\u202e where signed", "**where** were they @everyone <@123> signed?", "\u200b\u200b", "ｗｈｅｒｅ"]


@pytest.mark.parametrize("question", ODD)
def test_odd_input_gets_a_well_formed_reply(engine, question):
    reply = engine.answer(question)
    assert reply.status in set(Status)
    assert reply.question == question


def test_autocomplete_offers_every_variant_typed_in_full(engine):
    questions = [q for f in engine.kb.stories[0].facts for q in f.questions if len(q) <= AUTOCOMPLETE_MAX_CHARS]
    assert len(questions) > 1000  # past the variants scored one by one: the word index finds them
    assert [q for q in questions if q not in engine.complete(q)] == []


def test_autocomplete_is_bounded_and_ranked(engine):
    choices = engine.complete("where sign")
    assert 0 < len(choices) <= 25
    assert all(len(c) <= 100 for c in choices)
    assert "sign" in choices[0].lower()
    assert len(engine.complete("")) == 25
    assert engine.complete("zzzzzz qqqq") is not None


def test_answer_fact_for_a_suggestion_pick(engine):
    reply = engine.answer_fact("ncg-guidelines", "signing-day", "when was it")
    assert reply.status is Status.ANSWERED
    assert reply.match.fact.id == "signing-day"


def test_reload_swaps_good_and_keeps_old_on_bad(knowledge_copy):
    library = Library.open(knowledge_copy, Config())
    before = library.engine
    facts = knowledge_copy / "ncg-guidelines" / "facts.yaml"
    text = facts.read_text()
    facts.write_text(text.replace("publisher: Yonhap", "publisher: yes", 1))
    result = library.reload()
    assert not result.ok
    assert library.engine is before
    assert "ncg-guidelines/facts.yaml" in str(result.problems[0])

    first = before.kb.stories[0].facts[0].id
    facts.write_text(text.replace(f"  - id: {first}\n", f"  - id: {first}-renamed\n", 1))
    result = library.reload()
    assert result.ok
    assert result.added == (f"ncg-guidelines/{first}-renamed",)
    assert result.removed == (f"ncg-guidelines/{first}",)
    assert library.engine is not before
    assert library.engine.kb.revision == result.revision != before.kb.revision


def test_the_fact_base_in_use_is_kept_from_the_collector_and_the_old_one_freed(knowledge_copy):
    """The engine in use is frozen (the cyclic collector never walks it); a reload frees the old one all the same."""
    library = Library.open(knowledge_copy, Config())
    assert gc.get_freeze_count() > 0
    old = weakref.ref(library.engine)
    facts = knowledge_copy / "ncg-guidelines" / "facts.yaml"
    facts.write_text(facts.read_text().replace("publisher: Yonhap", "publisher: Yonhap News", 1))
    assert library.reload().ok
    assert old() is None
    assert gc.get_freeze_count() > 0
