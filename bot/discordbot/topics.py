"""/topics (what the bot can answer, a page at a time) and /about (what the bot is and keeps).

The page buttons are :class:`discord.ui.DynamicItem` s carrying only the page number, and each page is
built from the fact base in use when it is shown, so they keep working after a reload or a restart.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from bot.config import Records
from bot.discordbot import render
from bot.discordbot.errors import report_interaction_error
from bot.knowledge import KnowledgeBase
from bot.misses import describe

if TYPE_CHECKING:
    from bot.discordbot.app import StoryBot

PAGE_SIZE = 10  # questions per page: an embed stays short enough to read on a phone
QUESTION_LIMIT = 150
DESCRIPTION_LIMIT = 4096

IN_MEMORY = (
    "To answer, I keep in memory how many questions you asked in the last few seconds (for the rate limit) "
    "and the suggestions offered to you, for a few minutes."
)


def stored(records: Records) -> str:
    """/about's "what it stores": the curators' record of questions (bot/misses.py), then what only lives in
    memory; keep it true when the bot starts keeping anything else."""
    return f"{describe(records)} {IN_MEMORY}"


def topic_lines(kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(story title, the first question of each fact), in the fact base's order."""
    return [(story.meta.title, fact.questions[0]) for story in kb.stories for fact in story.facts]


def page_count(kb: KnowledgeBase) -> int:
    return max(1, -(-kb.fact_count // PAGE_SIZE))


def topics_page(kb: KnowledgeBase, page: int) -> tuple[discord.Embed, discord.ui.View | None]:
    """One page of questions, grouped under their story's title, and the buttons to turn pages."""
    pages = page_count(kb)
    page = min(max(page, 0), pages - 1)
    lines: list[str] = []
    title = None
    for story_title, question in topic_lines(kb)[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        if story_title != title:
            title = story_title
            lines.append(f"**{discord.utils.escape_markdown(render.shorten(story_title, 200))}**")
        lines.append(f"• {discord.utils.escape_markdown(render.shorten(question, QUESTION_LIMIT))}")
    embed = discord.Embed(
        title="What I can answer",
        description=render.shorten_lines("\n".join(lines), DESCRIPTION_LIMIT),
        colour=render.COLOUR,
    )
    embed.set_footer(text=f"Page {page + 1} of {pages} · {kb.fact_count} facts · ask with /ask in your own words")
    if pages == 1:
        return embed, None
    view = discord.ui.View(timeout=None)
    view.add_item(TopicsPage(page - 1, "prev", disabled=page == 0))
    view.add_item(TopicsPage(page + 1, "next", disabled=page == pages - 1))
    return embed, view


class TopicsPage(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"storybot:topics:(?P<page>-?\d{1,6}):(?P<way>prev|next)",
):
    """A page-turning button under /topics; the way is in the custom id to keep the two ids distinct."""

    def __init__(self, page: int, way: Literal["prev", "next"], *, disabled: bool = False) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label="◀ Previous" if way == "prev" else "Next ▶",
            custom_id=f"storybot:topics:{page}:{way}",
            style=discord.ButtonStyle.secondary,
            disabled=disabled,
        )
        super().__init__(button)
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TopicsPage:
        return cls(int(match["page"]), "prev" if match["way"] == "prev" else "next")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # discord.py only logs what a dynamic item raises; route it to the handler that tells the user
        try:
            async with interaction.client.in_flight.track():
                embed, view = topics_page(interaction.client.engine.kb, self.page)
                await interaction.response.edit_message(embed=embed, view=view)
        except Exception as exc:
            await report_interaction_error(interaction, exc)


@app_commands.command(name="topics", description="Browse the questions the bot can answer.")
@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
@app_commands.allowed_installs(guilds=True, users=False)
async def topics_command(interaction: discord.Interaction[StoryBot]) -> None:
    async with interaction.client.in_flight.track():
        embed, view = topics_page(interaction.client.engine.kb, 0)
        await interaction.response.send_message(embed=embed, view=view or discord.utils.MISSING, ephemeral=True)


@app_commands.command(name="about", description="What this bot is, where its answers come from, what it keeps.")
@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
@app_commands.allowed_installs(guilds=True, users=False)
async def about_command(interaction: discord.Interaction[StoryBot]) -> None:
    async with interaction.client.in_flight.track():
        await interaction.response.send_message(embed=about(interaction.client), ephemeral=True)


def about(bot: StoryBot) -> discord.Embed:
    """What the bot is, the stories it knows with their credit, the fact base, what it keeps, how to ask."""
    kb = bot.engine.kb
    settings = bot.config.discord
    embed = discord.Embed(
        title="About storybot",
        description=(
            "I answer questions about news stories from a fact base written from the articles. Every answer "
            "quotes the sentence of the story it comes from; when the story doesn't say, I say so."
        ),
        colour=render.COLOUR,
    )
    credits = "\n".join(f"• {render.credit(story, links=True)}" for story in kb.stories)
    embed.add_field(name="Stories", value=render.shorten_lines(credits, render.FIELD_LIMIT), inline=False)
    embed.add_field(name="Fact base", value=f"{kb.fact_count} facts · revision `{kb.revision}`", inline=False)
    ways = ["`/ask` with your question (`/topics` lists what I know)"]
    if settings.answer_mentions:
        ways.append("mention me in a channel with your question")
    if settings.answer_dms:
        ways.append("send me a direct message")
    embed.add_field(name="How to ask", value="; ".join(ways) + ".", inline=False)
    embed.add_field(name="What I store", value=stored(bot.config.records), inline=False)
    return embed
