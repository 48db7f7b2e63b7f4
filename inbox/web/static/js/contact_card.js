// The contact card beside a conversation or a ticket: who the person is on every channel,
// their tags (added and removed in place), key attributes and latest conversations.

import { _, api, el, shortTime, timeElement, toast, channelDot, CHANNEL_LABELS } from "./core.js";
import { statusLabel } from "./thread.js";

const dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || "en", { dateStyle: "medium" });
const RECENT = 5;
let definitions = null;

/** The attributes admins defined (loaded once per page). */
export async function attributeDefinitions() {
  if (!definitions) definitions = api("GET", "/contact-attributes").then((page) => page.items).catch(() => []);
  return definitions;
}

/** An attribute's value as people read it. */
export function attributeText(definition, value) {
  if (value === undefined || value === null || value === "") return "—";
  if (definition?.type === "date") return dateFormat.format(new Date(`${value}T00:00:00`));
  return String(value);
}

export function customerSince(contact) {
  return el("span", {}, _("Customer since {date}", { date: dateFormat.format(new Date(contact.created_at)) }));
}

/** Chips for tags, each removable when `onRemove` is given. */
export function tagChips(tags, onRemove) {
  return tags.map((tag) => el("span", { class: "tag", dataset: { tag } }, tag,
    onRemove ? el("button", {
      type: "button", class: "tag-remove", "aria-label": _("Remove tag {tag}", { tag }),
      onclick: () => onRemove(tag),
    }, "×") : null));
}

/** An input that adds a tag on Enter. */
export function tagInput(onAdd) {
  return el("input", {
    class: "tag-input", placeholder: _("Add a tag"), "aria-label": _("Add a tag"), maxlength: "50",
    onkeydown: (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const tag = event.target.value.trim();
      if (tag) onAdd(tag);
      event.target.value = "";
    },
  });
}

export class ContactCard {
  /** `root` holds the card; `currentId` tells which conversation is on screen. */
  constructor(root, { currentId = () => null } = {}) {
    this.root = root;
    this.currentId = currentId;
    this.contact = null;
  }

  async show(contactId) {
    this.contactId = contactId;
    if (this.contact?.id !== contactId) {
      this.contact = null;
      this.root.replaceChildren(el("p", { class: "muted small" }, _("Loading…")));
    }
    try {
      const [contact, recent, attributes] = await Promise.all([
        api("GET", `/contacts/${contactId}`),
        api("GET", `/contacts/${contactId}/conversations?limit=${RECENT + 1}&status=open,pending,snoozed,bot,resolved`),
        attributeDefinitions(),
      ]);
      if (this.contactId !== contactId) return; // another person was asked for meanwhile
      this.contact = contact;
      this.render(contact, recent.items, attributes);
    } catch (error) {
      this.root.replaceChildren(el("p", { class: "error small" }, error.message));
    }
  }

  /** A live change to the person: draw it again if it is the one shown. */
  onContactEvent(data) {
    if (this.contact && data.id === this.contact.id) this.show(data.id);
  }

  render(contact, recent, attributes) {
    const fact = (label, value) => [el("dt", {}, label), el("dd", {}, value)];
    const onCard = attributes.filter((a) => a.on_card);
    const others = recent.filter((c) => c.id !== this.currentId()).slice(0, RECENT);
    this.root.replaceChildren(
      el("p", { class: "strong contact-card-name" },
        el("a", { href: `/contacts/${contact.id}`, title: _("Open the contact page") }, contact.name)),
      el("p", { class: "muted small" }, customerSince(contact)),
      el("dl", { class: "facts" },
        ...(contact.emails.length ? fact(_("Email"), contact.emails.join(", ")) : []),
        ...(contact.phones.length ? fact(_("Phone"), contact.phones.join(", ")) : []),
        ...fact(_("Channels"), el("span", { class: "identity-list" },
          ...(contact.identities.length
            ? contact.identities.map((i) => el("span", { class: "identity", title: `${CHANNEL_LABELS[i.kind] || i.kind} · ${i.channel_name || ""}` }, channelDot(i.kind)))
            : ["—"]))),
        ...onCard.flatMap((a) => fact(a.label, attributeText(a, contact.attributes[a.key]))),
      ),
      el("div", { class: "tag-editor", "aria-label": _("Tags") },
        ...tagChips(contact.tags, (tag) => this.saveTags(contact.tags.filter((t) => t !== tag))),
        tagInput((tag) => this.saveTags([...contact.tags, tag]))),
      el("h4", { class: "card-subtitle" }, _("Other conversations")),
      others.length
        ? el("ul", { class: "recent-conversations" }, ...others.map(recentItem))
        : el("p", { class: "muted small" }, _("No other conversations.")),
    );
  }

  async saveTags(tags) {
    if (!this.contact) return;
    try {
      this.contact = await api("PATCH", `/contacts/${this.contact.id}`, { tags });
      await this.show(this.contact.id);
      this.root.querySelector(".tag-input")?.focus();
    } catch (error) {
      toast(error.message, "error");
    }
  }
}

function recentItem(conversation) {
  const text = conversation.last_message?.text || conversation.subject || "—";
  return el("li", {},
    el("a", { href: `/inbox?c=${conversation.id}&status=${conversation.status}` },
      channelDot(conversation.channel.kind),
      el("span", { class: "recent-text" }, text),
      el("span", { class: "status-pill", dataset: { status: conversation.status } }, statusLabel(conversation.status)),
      timeElement(conversation.last_message_at, shortTime(conversation.last_message_at))));
}
