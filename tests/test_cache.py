"""The engine cache: a hit answers as a fresh build does; any change to a knowledge file misses it."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.cache import _joined, _split, load_engine
from bot.config import Config, Storage

QUESTION = "Where were the guidelines signed?"


def _config(tmp_path: Path) -> Config:
    return Config(storage=Storage(state_dir=str(tmp_path / "state")))


def _cached(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "state" / "cache").glob("engine-*.pickle"))


def test_a_hit_answers_like_a_fresh_build(knowledge_copy: Path, tmp_path: Path) -> None:
    config = _config(tmp_path)
    built = load_engine(knowledge_copy, config)
    assert len(_cached(tmp_path)) == 1
    loaded = load_engine(knowledge_copy, config)
    assert loaded is not built
    assert loaded.kb.revision == built.kb.revision
    assert loaded.answer(QUESTION) == built.answer(QUESTION)
    assert loaded.complete("where") == built.complete("where")


def test_a_hit_holds_the_same_fact_base(knowledge_copy: Path, tmp_path: Path) -> None:
    config = _config(tmp_path)
    built = load_engine(knowledge_copy, config)
    loaded = load_engine(knowledge_copy, config)
    assert loaded.kb == built.kb
    (story,) = loaded.kb.stories
    assert loaded._indexes[story.id].story is story
    by_source = {}
    for fact in story.facts:  # facts citing one sentence still share its string
        assert by_source.setdefault(fact.source, fact.source) is fact.source


@given(st.lists(st.text()))
def test_joined_texts_split_back(texts: list[str]) -> None:
    assert _split(*_joined(texts)) == texts


def test_a_changed_file_misses_and_replaces_the_cache(knowledge_copy: Path, tmp_path: Path) -> None:
    config = _config(tmp_path)
    before = load_engine(knowledge_copy, config)
    article = knowledge_copy / "ncg-guidelines" / "article.txt"
    article.write_text(article.read_text() + "\nAn extra sentence.\n")
    after = load_engine(knowledge_copy, config)
    assert after.kb.revision != before.kb.revision
    assert len(_cached(tmp_path)) == 1


def test_a_broken_cache_file_is_rebuilt(knowledge_copy: Path, tmp_path: Path) -> None:
    config = _config(tmp_path)
    good = load_engine(knowledge_copy, config)
    (cached,) = _cached(tmp_path)
    cached.write_bytes(b"not a pickle")
    assert load_engine(knowledge_copy, config).answer(QUESTION) == good.answer(QUESTION)


def test_an_unwritable_state_dir_only_skips_the_cache(knowledge_copy: Path, tmp_path: Path) -> None:
    (tmp_path / "state").write_text("a file where the folder should be")
    assert load_engine(knowledge_copy, _config(tmp_path)).answer(QUESTION).match is not None
