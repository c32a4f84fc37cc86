"""Split an article into sentences the way a careful reader would.

``storybot draft`` makes one fact stub per sentence, and ``storybot check`` counts which sentences no
fact cites, so both must agree with a person on where sentences end. A sentence ends at ``.``, ``!`` or
``?`` (perhaps inside closing quotes or brackets) followed by a space and something that can start a
sentence, except where the full stop belongs to an abbreviation:

- titles before a name ("Gen.", "Adm.", "Dr.", "Sen.") never end a sentence;
- "No. 2" and "Jan. 5" don't when a number follows;
- initials, dotted acronyms and company suffixes ("J.", "U.S.", "a.m.", "Inc.") end one only when the
  next word is one that typically starts a sentence ("... in the U.S. The talks ...");
- ``"Why?" Kim asked.`` is one sentence: a quoted question or exclamation followed by its speaker.

Decimals and money ("4.5", "$43 billion") have no space after the point, and dashes ("--", "—") never
end a sentence. A blank line ends a paragraph and so a sentence (a headline without a full stop is one);
single line breaks are wrapping. A trailing credit such as "(Yonhap)" or "(END)" is not a sentence.
"""

from __future__ import annotations

import re

_TITLES = frozenset(
    """mr mrs ms messrs dr prof gen adm lt col maj capt cmdr cdr sgt cpl pvt gov sen rep reps rev fr
    hon pres amb supt insp det st mt ft vs""".split()
)
_BEFORE_NUMBERS = frozenset("no nos art fig vol ch pp jan feb mar apr jun jul aug sep sept oct nov dec".split())
_AMBIGUOUS = frozenset("inc corp co ltd llc plc jr sr bros etc approx dept univ".split())
# Words that commonly open a sentence; after an ambiguous abbreviation only these start a new one.
_STARTERS = frozenset(
    """a an the he she it they we i you this that these those there here his her its their our my
    but and so yet or if when while after before as at in on for from by with without since although
    though however meanwhile still then now also instead earlier later last next some many most all
    both neither none no not what who why how where which one two three""".split()
)
_SPEAKER_WORD = r"(?:(?:[A-Za-z]\.)+|[A-Z][a-z]{1,3}\.|[\w'’-]+)\s+"  # "J.D.", "Gen.", "Whitcombe"
_SPEECH = re.compile(rf"(?=[A-Z])(?:{_SPEAKER_WORD}){{1,9}}(?:said|says|asked|asks|added|adds|told|wrote|replied)\b")

_CANDIDATE = re.compile(r"""[.!?]+(?P<close>["'”’)\]]*)\s+(?=(?P<open>["“'‘(\[]*)(?P<next>[^\s"“'‘(\[]+))""")
_WORD_BEFORE = re.compile(r"(\S+)$")
# a closing "(Yonhap)" or "(Reporting by A; editing by B)" is a credit, not a sentence
_CREDIT = re.compile(r"\s*\([A-Z][\w '’.,;:&/-]{0,100}(?<![.!?])\)\s*$")
_PARAGRAPH = re.compile(r"\n\s*\n")


def split_sentences(text: str) -> list[str]:
    """The article's sentences, in order, whitespace squashed, without a trailing credit."""
    out: list[str] = []
    for paragraph in _PARAGRAPH.split(_CREDIT.sub("", text)):
        out += _split_paragraph(" ".join(paragraph.split()))
    return out


def _split_paragraph(text: str) -> list[str]:
    out, start = [], 0
    for end in _CANDIDATE.finditer(text):
        if _ends_here(text, end):
            out.append(text[start : end.start() + len(end.group().rstrip())].strip())
            start = end.end()
    tail = text[start:].strip()
    return [*out, tail] if tail else out


def _ends_here(text: str, end: re.Match[str]) -> bool:
    """Whether the punctuation matched at ``end`` closes a sentence."""
    following = end["next"]
    if not (following[0].isupper() or following[0].isdigit() or end["open"]):
        return False
    mark = text[end.start()]
    if mark in "!?":
        # "Why?" Kim asked. -- a quoted question and its speaker are one sentence
        return not (end["close"] and _SPEECH.match(text, end.end()))
    before = _WORD_BEFORE.search(text, 0, end.start())
    word = before.group(1) if before else ""
    bare = word.lstrip("\"“'‘([").casefold()
    starter = following.strip(",;:").casefold() in _STARTERS
    if end["close"]:  # a full stop inside quotes or brackets belongs to no abbreviation
        return True
    if bare in _TITLES:
        return False
    if bare in _BEFORE_NUMBERS:
        return not following[0].isdigit()
    if bare in _AMBIGUOUS or _is_initials(bare):
        return starter
    return True


def _is_initials(word: str) -> bool:
    """A single letter ("F") or dotted letters ("U.S", "a.m", "J.R.R"): the final full stop is not counted."""
    return bool(re.fullmatch(r"(?:[^\W\d_]\.)*[^\W\d_]", word))
