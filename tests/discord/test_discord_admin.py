"""/reload, /topics, /about and the server controls, end to end against the fake Discord."""

from __future__ import annotations

from pathlib import Path

from conftest import FACTS, LANE_FACT, Harness, connected
from fake_discord import EPHEMERAL, EVERYONE_PERMISSIONS, FakeDiscord, Interaction, Sent, User, snowflake

from bot.config import Config, Discord
from bot.discordbot.admin import NotOperator, reload_command
from bot.discordbot.topics import PAGE_SIZE, stored
from bot.library import Library

MANAGE_GUILD = 1 << 5
SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"


def edit_facts(knowledge: Path, text: str) -> None:
    (knowledge / "harbour-bridge" / "facts.yaml").write_text(text, encoding="utf-8")


async def followup(h: Harness, interaction: Interaction) -> Sent:
    """The message a deferred interaction was finally answered with."""
    return await h.fake.wait_for(
        lambda: next((s for s in h.fake.sent if s.interaction_id == interaction.id and s.via == "followup"), None)
    )


async def reload_as(h: Harness, user: User, *, member_permissions: int | None = None) -> Interaction:
    return await h.fake.command(user, h.channel, "reload", member_permissions=member_permissions)


async def test_the_owner_reloads_and_sees_what_changed(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        before = h.bot.engine.kb.revision
        edited = FACTS.replace("answer: 12 million dollars.", "answer: Twelve million dollars.")
        edited = edited.replace(edited[edited.index("  - id: corrosion") :], LANE_FACT)
        edit_facts(knowledge, edited)

        interaction = await reload_as(h, h.fake.owner)
        report = await followup(h, interaction)
        _, answer = await h.ask(h.alice, "Who said cyclists would get a lane?")

    assert interaction.callback == {"type": 5, "data": {"flags": EPHEMERAL}}  # deferred, ephemerally
    after = h.bot.engine.kb.revision
    assert after != before
    assert report.ephemeral
    assert report.content.splitlines() == [
        f"Reloaded the fact base: revision `{before}` → `{after}`.",
        "Added (1): `harbour-bridge/lane`",
        "Removed (1): `harbour-bridge/corrosion`",
        "Changed (1): `harbour-bridge/cost`",
    ]
    assert answer.embeds[0]["description"] == "Mayor Ana Lopez."


async def test_a_broken_file_keeps_the_old_fact_base_and_says_so(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        before = h.bot.engine.kb.revision
        edit_facts(knowledge, FACTS.replace("answer: On Thursday.", "answer: yes"))

        interaction = await reload_as(h, h.fake.owner)
        report = await followup(h, interaction)
        _, answer = await h.ask(h.alice, "When does the bridge reopen?")

    assert h.bot.engine.kb.revision == before
    assert report.ephemeral
    lines = report.content.splitlines()
    assert lines[0] == "The fact base was not reloaded (1 problems):"
    line = FACTS.splitlines().index("    answer: On Thursday.") + 1
    assert lines[2].startswith(f"harbour-bridge/facts.yaml:{line}: facts[0].answer: ")  # relative to knowledge/
    assert lines[-1] == f"The previous fact base stays in use (revision `{before}`)."
    assert answer.embeds[0]["description"] == "On Thursday, the story says."


async def test_a_manage_server_member_of_an_unconfigured_server_is_refused(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        before = h.bot.engine.kb.revision
        edit_facts(knowledge, FACTS + LANE_FACT)
        interaction = await reload_as(h, h.bob, member_permissions=EVERYONE_PERMISSIONS | MANAGE_GUILD)
        refusal = await h.fake.reply_to(interaction)

    assert refusal.ephemeral
    assert refusal.content == str(NotOperator())
    assert h.bot.engine.kb.revision == before


async def test_manage_server_members_of_configured_servers_and_config_admins_may_reload(knowledge: Path) -> None:
    fake = FakeDiscord()
    alice = User(snowflake(), "alice")
    config = Config(discord=Discord(admin_guilds=(fake.guild.id,), admins=(alice.id,)))
    async with connected(knowledge, config, fake=fake) as h:
        edit_facts(knowledge, FACTS + LANE_FACT)
        by_member = await reload_as(h, h.bob, member_permissions=EVERYONE_PERMISSIONS | MANAGE_GUILD)
        first = await followup(h, by_member)
        without_permission = await reload_as(h, h.bob)
        refusal = await h.fake.reply_to(without_permission)
        in_dm = await h.fake.command(alice, h.fake.dm(alice), "reload")
        second = await followup(h, in_dm)

    assert "Added (1): `harbour-bridge/lane`" in first.content
    assert refusal.content == str(NotOperator())
    assert second.content.endswith("No facts changed.")


def test_reload_is_hidden_from_members_without_manage_server() -> None:
    assert reload_command.default_permissions is not None and reload_command.default_permissions.manage_guild


async def test_topics_pages_through_every_question_grouped_by_story() -> None:
    kb = Library.open(SHIPPED, Config()).engine.kb
    firsts = [f.questions[0] for s in kb.stories for f in s.facts]
    async with connected(SHIPPED) as h:
        interaction = await h.fake.command(h.alice, h.channel, "topics")
        page = await h.fake.reply_to(interaction)
        first = page.embeds[0]
        prev, following = page.buttons
        turned = await h.fake.press(h.alice, page, following["custom_id"])
        await h.fake.wait_for(lambda: turned.callback)

    pages = -(-len(firsts) // PAGE_SIZE)
    assert page.ephemeral
    assert first["footer"]["text"].startswith(f"Page 1 of {pages} · {kb.fact_count} facts")
    lines = first["description"].splitlines()
    assert lines[0] == f"**{kb.stories[0].meta.title}**"
    assert lines[1:] == [f"• {q}" for q in firsts[:PAGE_SIZE]]
    assert prev["disabled"] and not following["disabled"]
    assert turned.callback["type"] == 7  # the same message, edited
    second = page.embeds[0]
    assert second["footer"]["text"].startswith(f"Page 2 of {pages}")
    assert second["description"].splitlines()[1:] == [f"• {q}" for q in firsts[PAGE_SIZE : 2 * PAGE_SIZE]]
    assert not page.buttons[0]["disabled"]


async def test_about_names_the_story_the_fact_base_and_what_is_stored(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        interaction = await h.fake.command(h.alice, h.channel, "about")
        sent = await h.fake.reply_to(interaction)

    assert sent.ephemeral
    fields = {f["name"]: f["value"] for f in sent.embeds[0]["fields"]}
    assert fields["Stories"].startswith("• [Harbour bridge to reopen after repairs](https://example.org/")
    assert fields["Fact base"] == f"4 facts · revision `{h.bot.engine.kb.revision}`"
    assert "/ask" in fields["How to ask"] and "direct message" in fields["How to ask"]
    assert fields["What I store"] == stored(h.bot.config.records)
    assert "salted hash" in fields["What I store"] and "90 days" in fields["What I store"]


async def test_answers_can_be_private_by_default_or_by_choice(knowledge: Path) -> None:
    config = Config(discord=Discord(private_answers=True))
    async with connected(knowledge, config) as h:
        _, by_default = await h.ask(h.alice, "When does the bridge reopen?")
        public = await h.fake.command(h.alice, h.channel, "ask", question="Is there a bike lane?", private=False)
        chosen = await h.fake.reply_to(public)

    assert by_default.ephemeral and by_default.embeds
    assert not chosen.ephemeral and chosen.embeds


async def test_the_private_flag_hides_an_answer_in_a_public_server(knowledge: Path) -> None:
    async with connected(knowledge) as h:
        asked = await h.fake.command(h.alice, h.channel, "ask", question="Is there a bike lane?", private=True)
        sent = await h.fake.reply_to(asked)

    assert sent.ephemeral and sent.embeds


async def test_mentions_and_dms_can_each_be_switched_off(knowledge: Path) -> None:
    async with connected(knowledge, Config(discord=Discord(answer_mentions=False))) as h:
        dm = h.fake.dm(h.alice)
        await h.fake.say(h.alice, h.channel, f"<@{h.fake.bot.id}> when does the bridge reopen?", mentions=(h.fake.bot,))
        await h.fake.say(h.alice, dm, "When does the bridge reopen?")
        await h.said(dm)  # events are handled in order: the mention came first
        assert h.fake.sent_in(h.channel) == []

    async with connected(knowledge, Config(discord=Discord(answer_dms=False))) as h:
        dm = h.fake.dm(h.alice)
        await h.fake.say(h.alice, dm, "When does the bridge reopen?")
        await h.fake.say(h.alice, h.channel, f"<@{h.fake.bot.id}> when does the bridge reopen?", mentions=(h.fake.bot,))
        await h.said(h.channel)
        assert h.fake.sent_in(dm) == []
