"""Turning text into the terms the matcher compares: normalised words, aliases, stems.

Everything here is about English questions in general; what is particular to a story (its names and
their aliases) comes from its knowledge file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import Stemmer

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u201c": '"', "\u201d": '"'})
_ABBREVIATION_DOT = re.compile(r"(?<=\b\w)\.(?=\w\b)|(?<=\b\w\.\w)\.")  # u.s. -> us, n.k. -> nk
_WORD = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"(?<=\w)'s\b|(?<=s)'(?=\s|$)")

# Function words carry no evidence of which fact is meant. Question words are kept apart (see kind_of).
STOPWORDS = frozenset(
    """a about above all also am an and any are aren as at be been being both but by can could
    d did didn do does doesn doing done don down each ever few for from get gets got had has
    have having he her here hers him his i if in into is isn it its itself just ll m me more most my myself no nor
    not o of off on only or other our ours out over own re s same she should so some such t than that
    the their theirs them themselves there these they this those through to too under up very was
    wasn we were weren what whats which while who whom whose why will with won would y you your yours ok okay
    hey hi yo pls please plz really actually exactly basically already just like mean tell
    know u ur r wat wht abt bout tho kinda sorta gonna wanna lol whos wheres whens hows im ive ish
    um uh hmm wait btw idk anyway honestly seriously even stuff thing things something anything someone guys
    yeah yep sure right quick quickly real briefly simply simple short gist
    article story news report piece mention mentions mentioned according
    dont doesnt didnt isnt arent wasnt werent cant couldnt wont wouldnt shouldnt id youre theyre thats theres w
    hear heard hearing understand wonder wondering curious confused everything might may must shall because
    word words supposed per quote quotes quoted adjective phrase concept somewhere anywhere somehow true
    bot storybot q eli5 cool wow interesting sorry dumb stupid silly question questions asking
    itll thatll theyll youll theyd theyve weve youve shes whatll wouldve couldve shouldve
    see saw seen seeing paragraph paragraphs whole dear check checking confirm confirming correct exact
    refer refers referring sentence sentences line lines""".split()
)

QUESTION_KINDS = {
    "who": "who",
    "whom": "who",
    "whose": "who",
    "whos": "who",
    "when": "when",
    "whens": "when",
    "where": "where",
    "wheres": "where",
    "why": "why",
    "whyd": "why",
    "whod": "who",
    "whered": "where",
}

_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def without_format_characters(text: str) -> str:
    """``text`` without zero-width and direction marks (Unicode's format characters), which can hide or reorder
    what surrounds them. ASCII has none, so most text skips the scan: loading a large fact base, much faster."""
    return text if text.isascii() else "".join(c for c in text if unicodedata.category(c) != "Cf")


def normalize(text: str) -> str:
    """Fold case, width and look-alike characters so that equal words compare equal."""
    text = without_format_characters(unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold())
    if "." in text:  # the checks cost far less than the substitutions they skip
        text = _ABBREVIATION_DOT.sub("", text)
    return _POSSESSIVE.sub("", text) if "'" in text else text


# Everyday misspellings and contractions of function and question words, which would otherwise be words the
# story never uses.
_MISSPELT = {
    "teh": "the", "hte": "the", "taht": "that", "thta": "that", "waht": "what", "whta": "what", "hwat": "what",
    "wut": "what", "wher": "where", "whre": "where", "wehre": "where", "whn": "when", "wehn": "when",
    "wich": "which", "whihc": "which", "whcih": "which", "abuot": "about", "abotu": "about", "baout": "about",
    "wer": "were", "wre": "were", "waz": "was", "thier": "their", "jsut": "just", "liek": "like", "adn": "and",
    "deos": "does", "dosent": "doesnt", "becuase": "because", "beacuse": "because", "cuz": "because",
    "coz": "because", "wats": "whats", "howd": "how", "actualy": "actually", "realy": "really",
    "basicaly": "basically", "frm": "from", "gona": "gonna", "acording": "according", "artcle": "article",
    "wtf": "what", "wth": "what",
}  # fmt: skip


_BE = frozenset("is was are were".split())


def words(text: str) -> list[str]:
    """The words of ``text``, normalised; hyphenated words split into their parts; everyday misspellings of
    function words ("teh", "waht") mended; "what's in" asking what something includes."""
    out = [_MISSPELT.get(w, w) for w in _WORD.findall(normalize(text).replace("'", ""))]
    if "in" in out:  # "what was in the declaration?" asks what it included, not what it was
        for i in range(1, len(out)):
            if out[i] == "in" and (out[i - 1] == "whats" or (out[i - 1] in _BE and i > 1 and out[i - 2] == "what")):
                out[i] = "include"
    return out


_NOUN_KINDS = {
    "city": "where",
    "place": "where",
    "location": "where",
    "venue": "where",
    "country": "where",
    "day": "when",
    "date": "when",
    "time": "when",
    "month": "when",
    "year": "when",
}


_COUNT_WORDS = frozenset("many much long old often".split())  # after "how"
_GIST_WORDS = frozenset("summary summarize summarise summarized sum gist tldr tl recap overview".split())
_STORY_WORDS = frozenset("article story news report piece".split())


def kind_of(tokens: Sequence[str]) -> str | None:
    """The kind of answer a question wants, when its wording says: who, when, where, why, count, or the gist
    ("what is this story about", "tl;dr"), which is worded in function words only."""
    about_nothing = len(tokens) > 1 and tokens[0] in {"what", "whats"} and tokens[-1] == "about"
    only_the_story = bool(_STORY_WORDS.intersection(tokens)) and STOPWORDS.issuperset(tokens)
    if _GIST_WORDS.intersection(tokens) or only_the_story or (about_nothing and STOPWORDS.issuperset(tokens[1:-1])):
        return "gist"
    asking_what = False  # "what will change because of the guidelines?" asks what, not why
    for i, token in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        asking_what = asking_what or token in {"what", "whats", "which"}
        if token == "how" and after in _COUNT_WORDS:
            return "count"
        if (token == "how" and after == "come") or (token == "because" and not asking_what):
            return "why"  # "how come they signed?", "did they sign because of North Korea?"
        if token in {"what", "which"} and after in _NOUN_KINDS:
            return _NOUN_KINDS[after]
        if token in QUESTION_KINDS:
            return QUESTION_KINDS[token]
    return None


# Besides "how", the words a question's kind is asked with: "how many", "how long", "what city".
_ASKING = frozenset(map(stem, _COUNT_WORDS | _NOUN_KINDS.keys()))


def focus_terms(terms: Sequence[str]) -> list[str]:
    """What a question (its :func:`content_terms`) is about, in order: all but its kind and the words asking for
    it ("how many", "what city"), which say only what kind of answer it wants; every term of a question that is
    all asking ("when?"). A fact is weighed for it only when a variant shares one (StoryIndex.search): "how many
    legs does a spider have" is no question for "How many pages are the guidelines?"."""
    kind = any(t.startswith("?") for t in terms)
    topic = [t for t in terms if not t.startswith("?") and t != "how" and not (kind and t in _ASKING)]
    return topic or list(terms)


def alias_form(word: str) -> str:
    """How an alias phrase matches a word: by its stem, but a function word as written."""
    return word if word in STOPWORDS else stem(word)


class Aliases:
    """A story's phrase table: every listed phrase becomes its canonical phrase's single term.

    Phrases match on word stems, so "nuclear consultive groups" still finds "nuclear consultative group";
    function words only as written, so "according to" is no "accord".
    """

    def __init__(self, table: Mapping[str, Iterable[str]]) -> None:
        self._phrases: dict[tuple[str, ...], str] = {}
        for canonical, phrases in table.items():
            term = "_".join(words(canonical))
            for phrase in (canonical, *phrases):
                if key := tuple(map(alias_form, words(phrase))):
                    self._phrases[key] = term
        self._longest = max(map(len, self._phrases), default=0)
        self._starts = frozenset(key[0] for key in self._phrases)  # most words start no phrase: one lookup each

    def apply(self, tokens: Sequence[str]) -> list[str]:
        """Replace every aliased phrase, longest first, by its canonical term."""
        stems = [alias_form(t) for t in tokens]
        out: list[str] = []
        i = 0
        while i < len(tokens):
            starts = stems[i] in self._starts
            for size in range(min(self._longest, len(tokens) - i), 0, -1) if starts else ():
                term = self._phrases.get(tuple(stems[i : i + size]))
                if term:
                    out.append(term)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    @property
    def terms(self) -> set[str]:
        return set(self._phrases.values())

    @property
    def starts(self) -> frozenset[str]:
        """The stems a phrase starts with: :meth:`apply` changes no question without one of them."""
        return self._starts


# Any day of the week is one term: "was it signed on Monday?" asks the same fact as "... on Thursday?".
_WEEKDAYS = dict.fromkeys("monday tuesday wednesday thursday friday saturday sunday".split(), "weekday")


# Words that ask nothing after certain others: "what does the article say about Russia" asks what the story
# tells, not what anyone said; "in Seoul or somewhere else?" and "nuclear and what else" offer no topic of
# their own; nor do "what threats are we talking about", "what does it mean in practice" (or "in this
# context") and "the term".
_SAYING = frozenset("say says said tell tells write writes wrote".split())
_VAGUE = frozenset("or somewhere something someone anything anyone anywhere".split())
_EMPTY_AFTER = {
    **dict.fromkeys(_SAYING, _STORY_WORDS),
    "else": _VAGUE | {"what", "who"},
    "come": {"how"},
    "talking": {"we", "you"},
    "practice": {"in"},
    "term": {"the"},
    "context": {"this"},
}
# ... and except after certain others: "thanks!" is politeness, "how do you say thank you in Korean" is not.
_ONLY_AFTER = dict.fromkeys(["thank", "thanks"], _SAYING)


# Words that ask nothing before certain others: where in the article ("the first line", "the opening
# paragraph"; a number after one too: "sentence 3"), "in the first place", and "what sort of" / "type of"
# (the plural "types of" asks for detail, as near misses use it).
_PARTS = frozenset("sentence sentences paragraph paragraphs line lines".split())
_EMPTY_BEFORE = {"first": _PARTS | {"place"}, "opening": _PARTS, "sort": {"of"}, "type": {"of"}, "acc": {"to"}}


def _empty_here(tokens: Sequence[str], i: int) -> bool:
    """Whether the word at ``i`` (a number, or one of _CONTEXTUAL) asks nothing where it stands."""
    word, before = tokens[i], tokens[i - 1] if i else ""
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    if word.isdigit():
        return before in _PARTS
    if word in _ONLY_AFTER:
        return before not in _ONLY_AFTER[word]
    return before in _EMPTY_AFTER.get(word, ()) or after in _EMPTY_BEFORE.get(word, ())


# besides numbers, the words _empty_here may drop
_CONTEXTUAL = frozenset(_EMPTY_AFTER).union(_EMPTY_BEFORE, _ONLY_AFTER)


def content_terms(tokens: Sequence[str]) -> list[str]:
    """Stems of the words that carry meaning, in order (alias terms kept whole), then the question's kind.

    The kind is a term of its own ("?where"), so a where-question is explained best by a where-variant.
    """
    terms = [
        t if "_" in t else _WEEKDAYS.get(t) or stem(t)
        for i, t in enumerate(tokens)
        if t not in STOPWORDS
        and t not in QUESTION_KINDS
        and not ((t in _CONTEXTUAL or t.isdigit()) and _empty_here(tokens, i))
    ]
    kind = kind_of(tokens)
    return [*terms, f"?{kind}"] if kind else terms
