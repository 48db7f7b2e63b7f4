"""The bot in front of a channel (a worker event handler on `message.created`).

A new conversation on a channel whose bot is on goes to the `bot` status: the bot greets,
answers from the FAQ when the first message is a question it knows, or offers the department
menu. Choices come back as button presses or typed (a number or the option's label). A
department may ask one or two questions, then hands over: the conversation leaves `bot`, goes
to the department's team and is assigned by the team's method, with the answers in a note.
Asking for a person ("agent", "nhân viên"...) or missing too often hands over too. Out of
business hours the customer is told when the team will answer.

The bot never speaks in a conversation an agent has taken (it checks the status right before
each message), and an agent's reply takes the conversation from the bot. Each customer message
is handled once (its id is claimed in the conversation's bot state), and each bot message is
sent once (named by the message it answers).
"""

from __future__ import annotations

import re
from typing import Any

from bson import ObjectId

from automations.bot import config as bots
from automations.routing import assignment
from connectors import registry
from inbox import business_hours, clock
from inbox.events import Actor
from inbox.models.conversations import ConversationPatch, ConversationStatus
from inbox.portal import sign_in
from inbox.queue import CALL_EXTERNAL_BOT
from inbox.runtime import Runtime
from inbox.search import fold
from inbox.services import channels, conversations, messages, replies
from inbox.services import faqs as faq

BOT = Actor(type="bot", name="Bot")
PORTAL_LINK = "{{portal.link}}"
"""In the bot's texts or FAQ answers: a one-time link to the customer's requests in the portal."""
YES, NO = "yes", "no"
PHRASES = {
    "en": {
        "menu": "How can we help? Choose an option:",
        "solved": "Did this solve it?",
        "yes": "Yes",
        "no": "No",
        "glad": "Glad I could help! Write again any time.",
        "offers": "Did you mean one of these?",
        "missed": "Sorry, I did not get that.",
        "handing_over": "Thanks! A member of our team will reply here shortly.",
        "other": "Something else",
    },
    "vi": {
        "menu": "Bạn cần hỗ trợ gì? Vui lòng chọn:",
        "solved": "Câu trả lời này có giúp được bạn không?",
        "yes": "Có",
        "no": "Không",
        "glad": "Rất vui được giúp bạn! Cứ nhắn khi cần nhé.",
        "offers": "Có phải bạn muốn hỏi một trong những câu sau?",
        "missed": "Xin lỗi, mình chưa hiểu ý bạn.",
        "handing_over": "Cảm ơn bạn! Nhân viên của shop sẽ trả lời bạn tại đây trong giây lát.",
        "other": "Câu hỏi khác",
    },
}
WORDS = re.compile(r"\w+")
PAYLOAD = re.compile(r"^(menu:\d+|faq:[0-9a-f]{24}|yes|no)$")
YES_WORDS = {"yes", "y", "ok", "co", "dung", "roi", "duoc", "1"}
NO_WORDS = {"no", "n", "khong", "chua", "sai", "2"}


async def on_event(rt: Runtime, event: dict[str, Any]) -> None:
    data = event.get("data") or {}
    if event["type"] == "conversation.updated":
        await _maybe_handed_back(rt, event)
    elif not _a_conversation_message(event["type"], data):
        return
    elif data["direction"] == "out":
        if data["sender"]["type"] == "agent":
            await _maybe_taken(rt, data)
    elif not data.get("automated"):
        await _customer_wrote(rt, data)


def _a_conversation_message(kind: str, data: dict[str, Any]) -> bool:
    return (
        kind == "message.created"
        and data.get("kind") == "message"
        and bool(data.get("conversation_id") and data.get("channel_id"))
    )


async def _customer_wrote(rt: Runtime, data: dict[str, Any]) -> None:
    """Read only when the channel has a bot (most channels' messages cost one lookup)."""
    config = await bots.for_channel(rt, ObjectId(data["channel_id"]))
    if config is None or not config["enabled"]:
        return
    message = await messages.get(rt, ObjectId(data["id"]))
    # one turn at a time per conversation, whichever worker holds the customer's messages
    lock = rt.redis.lock(f"lock:bot:{message['conversation_id']}", timeout=60, blocking_timeout=60)
    async with lock:
        conversation = await conversations.get(rt, message["conversation_id"])
        if conversation.get("kind") == "comment":
            return  # page comments are public: no bot there
        if conversation["status"] == ConversationStatus.BOT:
            greeting = False
            if not await _claim(rt, conversation, message):
                return
        elif await _start(rt, conversation, message):
            greeting = True
            conversation = await conversations.get(rt, conversation["_id"])
        else:
            return
        if config.get("external_url"):
            await rt.queue.enqueue(CALL_EXTERNAL_BOT, str(message["_id"]))
            return
        turn = Turn(rt, config, conversation, message, await language_of(rt, conversation))
        await (turn.greet() if greeting else turn.answer())


async def _maybe_handed_back(rt: Runtime, event: dict[str, Any]) -> None:
    """An agent (or a rule) gave the conversation back to the bot: it offers the menu again."""
    status = (event.get("changes") or {}).get("status") or {}
    if status.get("to") != ConversationStatus.BOT or event["actor"]["type"] == "bot":
        return
    conversation = await conversations.get(rt, event["subject"]["id"])
    config = await bots.for_channel(rt, conversation["channel_id"])
    if config is None or not config["enabled"]:
        return
    fresh = {"step": "menu", "failures": 0, "handled": None}
    where = {"_id": conversation["_id"]}
    await rt.store["conversations"].update_one(where, {"$set": {"bot": fresh}})
    language = await language_of(rt, conversation)
    turn = Turn(rt, config, {**conversation, "bot": fresh}, None, language, f"back:{event['_id']}")
    await turn.menu()
    await turn.flush()


async def language_of(rt: Runtime, conversation: dict[str, Any]) -> str:
    contact = await rt.store["contacts"].find_one({"_id": conversation["contact_id"]})
    return (contact or {}).get("language") or ""


async def _start(rt: Runtime, conversation: dict[str, Any], message: dict[str, Any]) -> bool:
    """A conversation nobody has touched yet goes to the bot, once."""
    claimed = await rt.store["conversations"].update_one(
        {
            "_id": conversation["_id"],
            "bot": None,
            "status": ConversationStatus.OPEN,
            "assignee_id": None,
            "ticket_id": None,
        },
        {"$set": {"bot": {"step": "menu", "failures": 0, "handled": message["_id"]}}},
    )
    if claimed.modified_count == 0:
        return False
    patch = ConversationPatch(status=ConversationStatus.BOT)
    await conversations.update(rt, await conversations.get(rt, conversation["_id"]), patch, BOT)
    return True


async def _claim(rt: Runtime, conversation: dict[str, Any], message: dict[str, Any]) -> bool:
    claimed = await rt.store["conversations"].update_one(
        {"_id": conversation["_id"], "bot.handled": {"$ne": message["_id"]}},
        {"$set": {"bot.handled": message["_id"]}},
    )
    return claimed.modified_count == 1


async def _maybe_taken(rt: Runtime, message: dict[str, Any]) -> None:
    """An agent answered while the bot held the conversation: it is theirs now."""
    conversation = await conversations.get(rt, ObjectId(message["conversation_id"]))
    if conversation["status"] != ConversationStatus.BOT:
        return
    sender = message["sender"]
    actor = Actor(type="agent", id=sender.get("id"), name=sender.get("name"))
    fields: dict[str, Any] = {"status": ConversationStatus.OPEN}
    if not conversation.get("assignee_id") and sender.get("id"):
        fields["assignee_id"] = sender["id"]
    await conversations.update(rt, conversation, ConversationPatch(**fields), actor)


async def _note_handover(rt: Runtime, conversation: dict[str, Any], code: str) -> None:
    """Why the bot let go, for the reports (set before the status change they count)."""
    await rt.store["conversations"].update_one(
        {"_id": conversation["_id"]}, {"$set": {"bot_handover": code}}
    )


class Turn:
    """The bot's answer to one customer message."""

    def __init__(
        self,
        rt: Runtime,
        config: dict[str, Any],
        conversation: dict[str, Any],
        message: dict[str, Any] | None,
        language: str,
        key: str | None = None,
    ) -> None:
        self.rt, self.config, self.conversation, self.message = rt, config, conversation, message
        self.language = "vi" if language.startswith("vi") else "en"
        self.state = conversation.get("bot") or {"step": "menu", "failures": 0}
        self.text = ((message or {}).get("text") or "").strip()
        # a tapped Zalo button comes back as a text message carrying the button's payload
        self.payload = (message or {}).get("payload") or (
            self.text if PAYLOAD.match(self.text) else ""
        )
        self.key = key or str((message or {})["_id"])
        """Names this turn's message, so a repeated turn sends nothing twice."""
        self.pending: list[str] = []
        self.options: list[dict[str, str]] | None = None
        self.sent = 0

    # ---- what the customer did -------------------------------------------------------------

    async def greet(self) -> None:
        await self._acknowledge()
        self.say(self.config["greeting"])
        if not (self.config["use_faq"] and self.text and await self._answer_from_faq(first=True)):
            await self.menu()
        await self.flush()

    async def answer(self) -> None:
        await self._acknowledge()
        await self._answer()
        await self.flush()

    async def _answer(self) -> None:
        if self._asks_for_a_person():
            await self.hand_off(None, "asked for a person", "asked_for_person")
            return
        step = self.state.get("step", "menu")
        if step == "question":
            await self._answered_question()
        elif step == "faq_confirm":
            await self._confirmed()
        elif step == "faq_pick" and await self._picked_faq():
            pass
        elif (index := self._chosen_option()) is not None:
            await self.choose(index)
        elif not (self.config["use_faq"] and await self._answer_from_faq(first=False)):
            await self._missed()

    # ---- steps ------------------------------------------------------------------------------

    async def menu(self) -> None:
        options = [
            {"label": o["label"], "payload": f"menu:{i}"}
            for i, o in enumerate(self.config["options"])
        ]
        await self.remember(step="menu")
        if options:
            prompt = self.config["menu_prompt"] or self.phrase("menu")
            self.say(prompt, options)

    async def choose(self, index: int) -> None:
        option = self.config["options"][index]
        await self.remember(option=index, answers=[], asked=0)
        if option["questions"]:
            await self.remember(step="question")  # before asking: the answer may come fast
            self.say(option["questions"][0])
        else:
            await self.hand_off(index, f"chose {option['label']}", "chose_option")

    async def _answered_question(self) -> None:
        option = self.config["options"][self.state["option"]]
        asked = self.state.get("asked", 0)
        answers = [*self.state.get("answers", []), [option["questions"][asked], self.text]]
        await self.remember(answers=answers, asked=asked + 1)
        if asked + 1 < len(option["questions"]):
            self.say(option["questions"][asked + 1])
            return
        entry = faq.match(self.text, await faq.list_all(self.rt)).answer
        if self.config["use_faq"] and entry is not None:
            await self._give(entry)  # a question the FAQ answers; "no" goes to this team
        else:
            await self.hand_off(self.state["option"], f"chose {option['label']}", "chose_option")

    async def _answer_from_faq(self, first: bool) -> bool:
        entries = await faq.list_all(self.rt)
        found = faq.match(self.text, entries)
        if found.answer is not None:
            await self.remember(option=None)  # not within a department's questions
            await self._give(found.answer)
            return True
        if found.offers and not first:
            options = [
                {"label": e["question"][:40], "payload": f"faq:{e['_id']}"} for e in found.offers
            ]
            await self.remember(step="faq_pick", offers=[str(e["_id"]) for e in found.offers])
            self.say(self.phrase("offers"), options)
            return True
        if not first:
            await faq.record_miss(self.rt, self.conversation["_id"], self.text)
        return False

    async def _give(self, entry: dict[str, Any]) -> None:
        await self.remember(step="faq_confirm", faq_id=str(entry["_id"]))
        self.say(entry["answer"])
        yes_no = [
            {"label": self.phrase("yes"), "payload": YES},
            {"label": self.phrase("no"), "payload": NO},
        ]
        self.say(self.phrase("solved"), yes_no)

    async def _picked_faq(self) -> bool:
        offers = self.state.get("offers", [])
        chosen = self.payload.removeprefix("faq:") if self.payload.startswith("faq:") else None
        if chosen is None and self.text.isdigit() and 0 < int(self.text) <= len(offers):
            chosen = offers[int(self.text) - 1]
        if chosen not in offers:
            return False
        entry = await self.rt.store["faqs"].find_one({"_id": ObjectId(chosen)})
        if entry is None:
            return False
        await self._give(entry)
        return True

    async def _confirmed(self) -> None:
        said = self.payload or fold(self.text)
        if said == YES or said in YES_WORDS:
            await self.remember(step="done")
            self.say(self.phrase("glad"))
            await self.flush()
            patch = ConversationPatch(status=ConversationStatus.RESOLVED)
            await conversations.update(self.rt, await self._fresh(), patch, BOT)
        elif said == NO or said in NO_WORDS:
            await self.hand_off(
                self.state.get("option"), "the FAQ answer did not help", "faq_not_helpful"
            )
        else:
            await self.remember(step="menu")
            await self._answer()

    async def _missed(self) -> None:
        failures = self.state.get("failures", 0) + 1
        await self.remember(failures=failures)
        if failures >= self.config["max_failures"]:
            await self.hand_off(
                None, f"the bot did not understand {failures} times", "not_understood"
            )
            return
        self.say(self.phrase("missed"))
        await self.menu()

    async def hand_off(self, option: int | None, reason: str, code: str) -> None:
        """Leave the bot: to the option's team (assigned by its method), the answers noted,
        the reason's `code` kept for the reports."""
        conversation = await self._fresh()
        if conversation["status"] != ConversationStatus.BOT:
            return
        team_id = self.config["options"][option]["team_id"] if option is not None else None
        await self.remember(step="handed_off")
        closed = not await self._open_now()
        if closed and self.config.get("out_of_hours"):
            self.say(self.config["out_of_hours"])
        else:
            self.say(self.config.get("in_hours") or self.phrase("handing_over"))
        await self.flush()
        lines = [f"Bot: {reason}."] + [f"{q} {a}" for q, a in self.state.get("answers", [])]
        await messages.insert_note(self.rt, conversation, "\n".join(lines), BOT, [], [])
        await _note_handover(self.rt, conversation, code)
        patch = ConversationPatch(status=ConversationStatus.OPEN)
        conversation = await conversations.update(self.rt, conversation, patch, BOT)
        if team_id is not None:
            await assignment.assign_conversation(self.rt, conversation, BOT, ObjectId(team_id))

    # ---- helpers ------------------------------------------------------------------------------

    def say(self, text: str, options: list[dict[str, str]] | None = None) -> None:
        """Add to this turn's message (sent by `flush`, as one message so nothing arrives out
        of order); the last buttons offered go with it."""
        self.pending.append(text)
        if options:
            self.options = options

    async def flush(self) -> None:
        """Send what the turn says, unless an agent has taken the conversation meanwhile."""
        text, options = "\n\n".join(self.pending), self.options
        self.pending, self.options = [], None
        conversation = await self._fresh()
        if not text or conversation["status"] != ConversationStatus.BOT:
            return
        if PORTAL_LINK in text:  # "View your requests": a link that signs this customer in
            link = await sign_in.link_for(self.rt, conversation["contact_id"], "/portal")
            text = text.replace(PORTAL_LINK, link)
        self.sent += 1
        key = f"bot:{self.key}:{self.sent}"
        await replies.send_automatic(self.rt, conversation, text, BOT, key, options)

    async def remember(self, **changes: Any) -> None:
        self.state = {**self.state, **changes}
        sets = {f"bot.{name}": value for name, value in changes.items()}
        await self.rt.store["conversations"].update_one(
            {"_id": self.conversation["_id"]}, {"$set": sets}
        )

    def phrase(self, name: str) -> str:
        return PHRASES[self.language][name]

    def _asks_for_a_person(self) -> bool:
        said = f" {' '.join(WORDS.findall(fold(self.text)))} "
        return any(f" {fold(w)} " in said for w in self.config["handoff_words"])

    def _chosen_option(self) -> int | None:
        options = self.config["options"]
        if self.payload.startswith("menu:"):
            index = self.payload.removeprefix("menu:")
            return int(index) if index.isdigit() and int(index) < len(options) else None
        if self.text.isdigit() and 0 < int(self.text) <= len(options):
            return int(self.text) - 1
        said = fold(self.text)
        return next((i for i, o in enumerate(options) if fold(o["label"]) == said), None)

    async def _open_now(self) -> bool:
        calendar = await business_hours.load(
            self.rt,
            ObjectId(self.config["calendar_id"]) if self.config.get("calendar_id") else None,
        )
        return calendar.is_open(clock.now())

    async def _acknowledge(self) -> None:
        """Stop the spinner of a pressed button (Telegram answers callback queries)."""
        if self.message is None or self.message.get("inbound_kind") != "postback":
            return
        channel = await channels.load(self.rt, self.conversation["channel_id"])
        await registry.for_channel(channel).acknowledge_choice(channel, self.message["external_id"])

    async def _fresh(self) -> dict[str, Any]:
        return await conversations.get(self.rt, self.conversation["_id"])
