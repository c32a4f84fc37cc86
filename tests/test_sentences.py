"""The sentence splitter, on both real articles and on each case a careful reader gets right."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.knowledge.sentences import split_sentences

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "port-alder-barrier"
SHIPPED_TSV = ROOT.parent / "shared" / "eval" / "sentences.tsv"


def test_the_shipped_story_splits_as_the_question_sets_cite_it() -> None:
    if not SHIPPED_TSV.is_file():
        pytest.skip(f"{SHIPPED_TSV} is not here")
    lines = SHIPPED_TSV.read_text(encoding="utf-8").splitlines()
    expected = [line.split("\t", 1)[1] for line in lines if not line.startswith("#")]
    article = (ROOT / "knowledge" / "ncg-guidelines" / "article.txt").read_text(encoding="utf-8")
    assert split_sentences(article) == expected


def test_the_sample_article_splits_as_expected() -> None:
    expected = (SAMPLE / "sentences.txt").read_text(encoding="utf-8").splitlines()
    assert split_sentences((SAMPLE / "article.txt").read_text(encoding="utf-8")) == expected


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Gen. Hale met Adm. Okafor and Dr. Raman. They agreed.",
            ["Gen. Hale met Adm. Okafor and Dr. Raman.", "They agreed."],
        ),
        ("She is the No. 2 official. No. That is wrong.", ["She is the No. 2 official.", "No.", "That is wrong."]),
        (
            "The U.S. Navy sailed. It left the U.S. The crew cheered.",
            ["The U.S. Navy sailed.", "It left the U.S.", "The crew cheered."],
        ),
        (
            "It began at 9 a.m. Monday and ended at 5 p.m. The crowd left.",
            ["It began at 9 a.m. Monday and ended at 5 p.m.", "The crowd left."],
        ),
        (
            "It costs $43 billion, or 4.5% of output. Critics object.",
            ["It costs $43 billion, or 4.5% of output.", "Critics object."],
        ),
        (
            "John F. Kennedy and J.R.R. Tolkien. Plan B. The end.",
            ["John F. Kennedy and J.R.R. Tolkien.", "Plan B.", "The end."],
        ),
        ('He said, "We will win." The crowd cheered.', ['He said, "We will win."', "The crowd cheered."]),
        ('"Why now?" Kim asked. "Why not?" he replied.', ['"Why now?" Kim asked.', '"Why not?" he replied.']),
        (
            "The plan -- which cost $4.5 billion -- passed. The vote—the first since 2019—was close.",
            ["The plan -- which cost $4.5 billion -- passed.", "The vote—the first since 2019—was close."],
        ),
        ("One. Two! Three? Four.", ["One.", "Two!", "Three?", "Four."]),
        ("A sentence wrapped\nacross lines ends here. (Yonhap)", ["A sentence wrapped across lines ends here."]),
        ("Headline without a stop\n\nThe body begins. (END)\n", ["Headline without a stop", "The body begins."]),
        (
            "Acme Inc. said it would hire. Talks with Acme Inc. The union agreed.",
            ["Acme Inc. said it would hire.", "Talks with Acme Inc.", "The union agreed."],
        ),
        (
            "It opens on Jan. 15 near St. Clement's Wharf. Work ends in Sept. 2027.",
            ["It opens on Jan. 15 near St. Clement's Wharf.", "Work ends in Sept. 2027."],
        ),
        ("It rained. (Reporting by Jane Doe; editing by Tom Brown)", ["It rained."]),
        ("It rained. (The report was updated.)", ["It rained.", "(The report was updated.)"]),
        ("", []),
    ],
)
def test_careful_reader_cases(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


_TOKENS = [
    "The",
    "vote",
    "Gen.",
    "U.S.",
    "a.m.",
    "No.",
    "2",
    "4.5",
    "$43",
    '"Why?"',
    "Kim",
    "said.",
    "--",
    "—",
    "it.",
    "(NCG)",
    "J.",
    "Inc.",
    "He",
    "ran!",
]


@given(st.lists(st.sampled_from(_TOKENS), max_size=40), st.sampled_from([" ", "\n", "  "]))
def test_splitting_loses_and_reorders_nothing(tokens: list[str], gap: str) -> None:
    text = gap.join([*tokens, "end."])
    assert " ".join(split_sentences(text)) == " ".join(text.split())
