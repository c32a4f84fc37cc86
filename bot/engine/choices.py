"""Autocomplete's candidates: which question variants a keystroke is worth scoring against."""

from __future__ import annotations

import bisect
from array import array
from collections import defaultdict
from collections.abc import Mapping, Sequence

from rapidfuzz import utils

from bot.engine.groups import Groups

EXHAUSTIVE_CHOICES = 500  # autocomplete scores every variant up to this many
MAX_CHOICE_CANDIDATES = 500  # ... and at most this many beyond (WRatio costs microseconds each)


class Choices:
    """Autocomplete's question variants with a word index, so a keystroke scores a few hundred at most.

    Up to ``EXHAUSTIVE_CHOICES`` variants every one is scored. Beyond, the candidates are the variants using
    the question's rarest words (the last word, still being typed, as a prefix), best-covered first: on the
    shipped story that is 3 to 4 times faster than scoring all of its variants, and a variant typed in full
    is still offered."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        postings: dict[str, list[int]] = defaultdict(list)
        if len(self.texts) > EXHAUSTIVE_CHOICES:
            for i, text in enumerate(self.texts):
                for word in set(utils.default_process(text).split()):
                    postings[word].append(i)
        self._postings = Groups("i", ((w, (p,)) for w, p in postings.items()))
        self._words = sorted(postings)

    def candidates(self, text: str) -> Mapping[int, str] | list[str]:
        """The variants worth scoring for ``text``: all of them, or {variant number: variant}."""
        if not self._postings:
            return self.texts
        tokens = utils.default_process(text).split()
        groups = [self._postings[w][0] for w in (tokens if text.endswith(" ") else tokens[:-1]) if w in self._postings]
        if tokens and not text.endswith(" "):
            groups += self._prefixed(tokens[-1])
        for token in tokens:
            if token not in self._postings and len(token) >= 3:
                groups += self._prefixed(token[:3])  # a typo past the third letter
        hits: dict[int, int] = defaultdict(int)
        for group in sorted(groups, key=len):
            if hits and len(hits) + len(group) > MAX_CHOICE_CANDIDATES:
                break
            for k in group[:MAX_CHOICE_CANDIDATES]:
                hits[k] += 1
        best = sorted(hits, key=lambda k: (-hits[k], k))[:MAX_CHOICE_CANDIDATES]
        return {k: self.texts[k] for k in best}

    def _prefixed(self, prefix: str) -> list[array[int]]:
        out = []
        size = 0
        for word in self._words[bisect.bisect_left(self._words, prefix) :]:
            if not word.startswith(prefix) or size > MAX_CHOICE_CANDIDATES:
                break
            (variants,) = self._postings[word]
            out.append(variants)
            size += len(variants)
        return out
