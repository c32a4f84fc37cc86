"""Questions by message: every DM to the bot, and server messages whose text mentions the bot.

Without the privileged message-content intent Discord still sends the text of DMs and of messages that
mention the bot, which is all this needs. "Mentions" means the bot's own ``<@id>`` in the text: a reply
that only pings the bot, @everyone, @here and role mentions put nothing of the kind there.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.discordbot import deadline, feedback, render
from bot.engine import Reply

if TYPE_CHECKING:
    from bot.discordbot.app import StoryBot

log = logging.getLogger(__name__)

ASKING = (discord.MessageType.default, discord.MessageType.reply)
_ANY_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b")


def question_in(content: str, bot_id: int, *, direct: bool) -> str | None:
    """The question a message asks, with every mention stripped; None when it does not ask the bot."""
    if not direct and not re.search(rf"<@!?{bot_id}>", content):
        return None
    return " ".join(_ANY_MENTION.sub(" ", content).split())


async def on_message(bot: StoryBot, message: discord.Message) -> None:
    """Answer a DM or a mention with the same reply /ask gives; declines in servers are kept short."""
    me = bot.user
    if me is None or message.author.bot or message.author.id == me.id or message.type not in ASKING:
        return
    direct = message.guild is None
    if not (bot.config.discord.answer_dms if direct else bot.config.discord.answer_mentions):
        return  # switched off in the config
    question = question_in(message.content, me.id, direct=direct)
    if question is None:
        return
    perms = _permissions(message, me)
    if not _may_send(message.channel, perms):
        log.info("cannot answer in channel %s: no permission to send there", message.channel.id)
        return
    verdict = bot.cooldown.check(message.author.id, once=True)
    if not verdict.allowed:
        if verdict.notify:  # once, not once per extra message
            await _send(message, perms, content=render.cooldown_notice(verdict.retry_after))
        return
    engine = bot.engine
    reply = engine.answer(question) if deadline.quick(engine) else await asyncio.to_thread(engine.answer, question)
    await _respond(bot, message, perms, reply, direct=direct)
    feedback.record(bot, message.author.id, reply, direct=direct)


async def _respond(
    bot: StoryBot, message: discord.Message, perms: discord.Permissions, reply: Reply, *, direct: bool
) -> None:
    question = reply.question
    if reply.answered:
        out = render.answer(reply, embed=perms.embed_links, asked=False)
        await _send(message, perms, content=out.content, embed=out.embed, view=feedback.votes(reply))
        return
    log.debug("declined a %s (%s): %r", "DM" if direct else "mention", reply.reason or reply.status, question)
    text = render.decline(reply, max_question_length=bot.config.matching.max_question_length, echo=direct)
    if not reply.suggestions:
        await _send(message, perms, content=text)
        return
    key, view = bot.offers.open(message.author.id, reply)
    sent = await _send(message, perms, content=text, view=view)
    bot.offers.attach(key, lambda disabled: sent.edit(view=disabled))


def _permissions(message: discord.Message, me: discord.ClientUser) -> discord.Permissions:
    # a DM has no guild, no member and no roles; its channel knows what a bot may do there
    if message.guild is None:
        return message.channel.permissions_for(me)  # type: ignore[arg-type]
    member = message.guild.me
    return message.channel.permissions_for(member) if member else discord.Permissions.none()  # type: ignore[arg-type]


def _may_send(channel: Any, perms: discord.Permissions) -> bool:
    sending = perms.send_messages_in_threads if isinstance(channel, discord.Thread) else perms.send_messages
    return perms.view_channel and sending


async def _send(message: discord.Message, perms: discord.Permissions, **kwargs: Any) -> discord.Message:
    # a reply needs Read Message History; without it, post to the channel instead of failing
    if perms.read_message_history:
        return await message.reply(mention_author=False, **kwargs)
    return await message.channel.send(**kwargs)
