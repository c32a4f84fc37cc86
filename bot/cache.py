"""A built engine kept on disk, so a large fact base starts in seconds instead of being parsed and indexed again.

The cache is only a shortcut to what :func:`bot.knowledge.load_knowledge` and :class:`Engine` would build: its
key is a hash of every file in every story folder (and where it really is), the load limits, storybot's own
code and the versions of the libraries that read the files, so any change to any of them misses the cache and
takes the full, validating path. Only an engine built from a fact base that
validated is ever written. A cache that cannot be read or written is ignored: it never stops storybot.
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib import metadata
from itertools import accumulate
from pathlib import Path
from types import MappingProxyType

from bot.config import Config
from bot.engine import Engine
from bot.knowledge import load_knowledge
from bot.knowledge.base import Fact, Story
from bot.knowledge.loader import story_folders
from bot.knowledge.schema import StoryMeta

log = logging.getLogger(__name__)
FORMAT = b"storybot-engine-cache-2"
_CODE = Path(__file__).resolve().parent
LIBRARIES = ("pydantic", "PyYAML", "rapidfuzz", "PyStemmer")


def load_engine(knowledge_dir: Path, config: Config) -> Engine:
    """The engine for ``knowledge_dir``: from the cache when its files are unchanged, else built and cached."""
    try:
        key = _key(knowledge_dir, config)
    except OSError:  # unreadable or vanished files: the loader says which, properly
        return _build(knowledge_dir, config)
    folder = config.storage.state_path / "cache"
    path = folder / f"engine-{key}.pickle"
    try:
        with path.open("rb") as file, _collector_paused():
            engine = pickle.load(file)
        engine.matching = config.matching
        return engine
    except FileNotFoundError:
        pass
    except Exception as exc:  # a torn or foreign file: rebuild
        log.warning("ignoring the engine cache %s: %s", path, exc)
    engine = _build(knowledge_dir, config)
    _store(engine, folder, path)
    return engine


def _build(knowledge_dir: Path, config: Config) -> Engine:
    with _collector_paused():
        return Engine(load_knowledge(knowledge_dir, config.limits), config.matching)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Building millions of small objects that all stay alive: the cycle collector would only rescan them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _key(knowledge_dir: Path, config: Config) -> str:
    """Everything validation looks at: each file's content, and where it really is (a symlink out of the
    knowledge folder is an error), the limits, and the code that validates and indexes; and the byte order,
    since arrays are kept as raw bytes."""
    digest = hashlib.sha256(FORMAT + f"{sys.version} {sys.byteorder}".encode())
    digest.update(repr(config.limits).encode() + _code_digest())
    digest.update(str(knowledge_dir.resolve()).encode() + b"\0")
    for folder in story_folders(knowledge_dir):
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(f"{file.relative_to(knowledge_dir)}\0{file.resolve()}\0".encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()[:32]


@cache
def _code_digest() -> bytes:
    """storybot's own code as this process loaded it (read once), so an engine built by other code is not used."""
    digest = hashlib.sha256()
    for package in LIBRARIES:  # a new stemmer or validator may read the same files differently
        try:
            digest.update(f"{package} {metadata.version(package)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package} ?\n".encode())
    for source in sorted(_CODE.rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.digest()


def _store(engine: Engine, folder: Path, path: Path) -> None:
    """Write atomically (a reader sees the old file or the whole new one) and drop older engines.

    The pickle streams into the file: held in memory whole, it would add hundreds of MB to a large base's peak.
    Pickle also keeps every object it writes until the end, to refer back to it. The reductions below keep it
    from copying every array and from tracking each fact: a 100,000-fact base's first start peaks at about
    447 MB with them and 511 MB without."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".engine-", delete=False) as file:
            try:
                pickler = pickle.Pickler(file, protocol=5)  # 5: arrays write their buffers in place
                pickler.dispatch_table = copyreg.dispatch_table.copy()
                pickler.dispatch_table[MappingProxyType] = lambda view: (_read_only, (dict(view),))
                pickler.dispatch_table[array] = lambda values: (array, (values.typecode, pickle.PickleBuffer(values)))
                pickler.dispatch_table[Story] = _story_columns
                pickler.dump(engine)
            except BaseException:
                os.unlink(file.name)
                raise
        os.replace(file.name, path)
        for old in folder.glob("engine-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError) as exc:
        log.warning("could not write the engine cache in %s: %s", folder, exc)


def _read_only(mapping: dict) -> MappingProxyType:
    """Rebuilds the read-only mappings the fact base uses (pickle cannot name their type)."""
    return MappingProxyType(mapping)


def _story_columns(story: Story) -> tuple:
    """A story with its facts as columns: pickle would keep each fact, its state and its id and answer
    strings (ids and answers, which nothing else refers to, are written as one joined string per story)."""
    facts = story.facts
    columns = (
        _joined(f.id for f in facts),
        tuple(f.questions for f in facts),  # the index refers to these strings too: kept as they are
        _joined(f.answer for f in facts),
        tuple(f.source for f in facts),  # shared by the facts citing one sentence
        tuple(f.not_answered for f in facts),
    )
    return _story, (story.meta, story.article, story.aliases, columns)


def _story(meta: StoryMeta, article: str, aliases: Mapping[str, tuple[str, ...]], columns: tuple) -> Story:
    """The story :func:`_story_columns` wrote."""
    ids, questions, answers, sources, not_answered = columns
    facts = map(Fact, _split(*ids), questions, _split(*answers), sources, not_answered)
    return Story(meta, article, aliases, tuple(facts))


def _joined(texts: Iterable[str]) -> tuple[str, array]:
    """The texts as one string and their lengths, which :func:`_split` takes back."""
    texts = list(texts)
    return "".join(texts), array("i", map(len, texts))


def _split(joined: str, lengths: array) -> list[str]:
    ends = list(accumulate(lengths))
    return [joined[end - length : end] for end, length in zip(ends, lengths, strict=True)]
