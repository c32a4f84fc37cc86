"""/ask end to end: answers, declines with "did you mean" buttons, autocomplete and errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import allowed_mentions_none, connected
from fake_discord import EVERYONE_PERMISSIONS

from bot.discordbot import views
from bot.discordbot.errors import SORRY
from bot.engine import Engine, Status

EMBED_LINKS = 1 << 14
SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"


async def test_answer_is_a_public_embed_with_source_credit_and_match(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        _, sent = await h.ask(h.alice, "When does the bridge reopen?")

    assert not sent.ephemeral
    assert allowed_mentions_none(sent)
    [embed] = sent.embeds
    assert embed["title"] == "When does the bridge reopen?"
    assert embed["description"] == "On Thursday, the story says."
    said, story = embed["fields"]
    assert said == {
        "name": "The story says",
        "value": "> The harbour bridge will reopen to traffic on Thursday after three months of repairs.",
        "inline": False,
    }
    assert story["value"] == (
        "[Harbour bridge to reopen after repairs](https://example.org/news/harbour-bridge)"
        " · Example Gazette · 11 July 2024"
    )
    assert embed["footer"]["text"] == "Matched “When does the bridge reopen?” · 100% confidence"


async def test_the_question_shown_back_cannot_ping_or_format(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        question = f"@everyone <@{h.bob.id}> **who**\n# paid? see https://x.example " + "x" * 300
        _, sent = await h.ask(h.alice, question)

    [echo] = [line for line in sent.content.splitlines() if line.startswith("You asked:")]
    assert len(echo) <= len("You asked: “”") + 200 and echo.endswith("…”")
    assert "@everyone" not in echo and f"<@{h.bob.id}>" not in echo
    assert "\\*\\*who\\*\\* # paid?" in echo  # on one line "#" starts no heading
    assert "https://x" not in echo


async def test_ask_works_in_a_dm_with_the_bot(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        _, sent = await h.ask(h.alice, "Is there a bike lane?", h.fake.dm(h.alice))

    assert sent.channel_id == h.fake.dm(h.alice).id
    assert sent.embeds[0]["description"] == "A new protected lane on the bridge."


async def test_plain_text_when_the_bot_may_not_embed_links(knowledge: Path) -> None:
    async with connected(knowledge, permissions=EVERYONE_PERMISSIONS & ~EMBED_LINKS) as h:
        _, sent = await h.ask(h.alice, "When does the bridge reopen?")

    assert not sent.embeds
    assert sent.content.splitlines() == [
        "**Q:** When does the bridge reopen?",
        "**On Thursday, the story says.**",
        "> The harbour bridge will reopen to traffic on Thursday after three months of repairs.",
        "— Harbour bridge to reopen after repairs · Example Gazette · 11 July 2024"
        " · <https://example.org/news/harbour-bridge>",
        "-# Matched “When does the bridge reopen?” · 100% confidence",
    ]


async def test_decline_with_a_hint_is_ephemeral(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        _, sent = await h.ask(h.alice, "Who paid for the repairs?")

    assert sent.ephemeral and not sent.embeds
    assert sent.content.startswith(
        "The story doesn't say. The story only says the repairs cost 12 million dollars, not who paid."
    )
    assert "You asked: “Who paid for the repairs?”" in sent.content


async def test_did_you_mean_buttons_answer_the_asker_only_and_expire(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        expected = h.bot.engine.answer("bridge")
        assert expected.status is Status.SUGGESTIONS and expected.suggestions

        _, decline = await h.ask(h.alice, "bridge")
        assert decline.ephemeral and allowed_mentions_none(decline)
        assert decline.content.splitlines()[-1] == "Did you mean:"
        assert [b["label"] for b in decline.buttons] == [m.variant for m in expected.suggestions]
        first = decline.buttons[0]["custom_id"]

        by_bob = await h.fake.press(h.bob, decline, first)
        refused = await h.fake.reply_to(by_bob)
        assert refused.ephemeral and refused.content == views.NOT_YOURS

        by_alice = await h.fake.press(h.alice, decline, first)
        answer = await h.fake.reply_to(by_alice)
        assert not answer.ephemeral
        assert answer.embeds[0]["description"] == expected.suggestions[0].fact.answer
        assert answer.embeds[0]["title"] == "bridge"

        h.clock.advance(h.bot.config.discord.suggestion_seconds)
        late = await h.fake.press(h.alice, decline, first)
        expired = await h.fake.reply_to(late)
        assert expired.ephemeral and expired.content == views.EXPIRED

        await h.bot.expire_offers()
        assert decline.edits and all(b["disabled"] for b in decline.buttons)


async def test_a_button_from_before_a_restart_says_ask_again(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        _, decline = await h.ask(h.alice, "bridge")
        h.bot.offers = views.Offers(h.clock, 180.0)  # what a restart leaves: no offers
        press = await h.fake.press(h.alice, decline, decline.buttons[0]["custom_id"])
        assert (await h.fake.reply_to(press)).content == views.EXPIRED


async def test_autocomplete_ranks_questions_within_discord_limits(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        typed = await h.fake.autocomplete(h.alice, h.channel, "when reopen")
        empty = await h.fake.autocomplete(h.alice, h.fake.dm(h.alice), "")

    assert typed[0] == {"name": "When does the bridge reopen?", "value": "When does the bridge reopen?"}
    for choices in (typed, empty):
        assert 0 < len(choices) <= 25
        assert all(c["name"] == c["value"] and len(c["name"]) <= 100 for c in choices)
        assert not any(c["name"].startswith("What day does the harbour bridge") for c in choices)


async def test_autocomplete_never_raises(knowledge: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> list[str]:
        raise RuntimeError("index gone")

    monkeypatch.setattr(Engine, "complete", broken)
    async with connected(knowledge) as h:
        assert await h.fake.autocomplete(h.alice, h.channel, "bridge") == []


async def test_errors_reach_the_user_briefly_and_the_log_fully(
    knowledge: Path, caplog: pytest.LogCaptureFixture, engine_on_fire: None
) -> None:
    async with connected(knowledge) as h:
        _, sent = await h.ask(h.alice, "When does the bridge reopen?")

    assert sent.ephemeral and sent.content == SORRY
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"/ask user={h.alice.id} guild={h.fake.guild.id}" in record.getMessage()
    assert record.exc_info is not None and "engine on fire" in str(record.exc_info[1])


async def test_the_shipped_knowledge_answers_and_completes() -> None:
    async with connected(SHIPPED) as h:
        _, sent = await h.ask(h.alice, "When were the guidelines signed?")
        choices = await h.fake.autocomplete(h.alice, h.channel, "who")

    assert "Thursday, the story says" in sent.embeds[0]["description"]
    assert 0 < len(choices) <= 25
