"""Split an article into sentences, as the fact base's coverage report and tuning files count them."""

from __future__ import annotations

import re

# A sentence ends at . ! or ? (perhaps inside closing quotes) followed by space and a capital or an
# opening quote, unless the full stop belongs to an abbreviation such as "U.S." or "Gen.".
_ABBREVIATIONS = r"(?<!\b[A-Z])(?<!\b[A-Z]\.[A-Z])(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bGen)(?<!\bNo)(?<!\bSt)"
_END = re.compile(_ABBREVIATIONS + r"""[.!?]["'”’]?(?=\s+["“'‘(]?[A-Z0-9])""")
_CREDIT = re.compile(r"\s*\([A-Z][\w .&-]{1,40}\)\s*$")  # a closing "(Yonhap)" is a credit, not a sentence


def split_sentences(text: str) -> list[str]:
    """The article's sentences, in order, without a trailing credit."""
    text = _CREDIT.sub("", " ".join(text.split()))
    out, start = [], 0
    for end in _END.finditer(text):
        out.append(text[start : end.end()].strip())
        start = end.end()
    tail = text[start:].strip()
    return [*out, tail] if tail else out
