// Drawing a thread of messages: customers' messages, replies, notes, activity lines.
// Shared by the inbox and the ticket page.

import { _, api, fill, el, clockTime, dayLabel, fullTime, timeElement, toast } from "./core.js";

export const STATUS_LABELS = { open: _("Open"), bot: _("With the bot"), pending: _("Pending"), snoozed: _("Snoozed"), resolved: _("Resolved") };
export const PRIORITY_LABELS = { urgent: _("Urgent"), high: _("High"), medium: _("Medium"), low: _("Low") };
export const TICKET_STATUS_LABELS = {
  new: _("New"), open: _("Open"), pending: _("Pending"), on_hold: _("On hold"), resolved: _("Resolved"), closed: _("Closed"),
};
export const statusLabel = (status) => STATUS_LABELS[status] || status;

/** Answers and live events can arrive out of order: keep the highest revision seen. */
export const newer = (known, incoming) => !known || incoming.revision >= known.revision;

const BECAUSE = {
  created: _("Sent automatically because {by} made this a ticket."),
  status_changed: _("Sent automatically because {by} set the status to {status}."),
  assigned: _("Sent automatically because {by} gave the ticket an owner."),
  resolved: _("Sent automatically because {by} resolved the ticket."),
  escalated: _("Sent automatically because {by} escalated the ticket."),
  survey: _("Sent automatically: the ticket was resolved, so the customer is asked for a rating."),
};

/** The system's own writers, named in the reader's language (people keep their names). */
const SYSTEM_WRITERS = { "Customer update": _("Customer update"), "Satisfaction survey": _("Satisfaction survey") };
const senderName = (sender) => (sender.type === "system" && SYSTEM_WRITERS[sender.name]) || sender.name;

/** Why the system wrote to the customer on its own (a customer update, a survey). */
function becauseText({ update, by, status }) {
  return fill(BECAUSE[update] || _("Sent automatically."), { by: by || _("the system"), status: TICKET_STATUS_LABELS[status] || statusLabel(status) });
}

export class Thread {
  /**
   * `box` is the scrolling element; `directory` has agentsById and teamsById maps; `path()` is
   * the API path of the messages shown now.
   */
  constructor(box, directory, path) {
    this.box = box;
    this.directory = directory;
    this.path = path;
    this.messages = new Map();
    this.olderCursor = null;
  }

  /** Fetch the newest messages (or those before `cursor`) into the thread. */
  async fetchPage(cursor = null) {
    const path = this.path();
    const after = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page = await api("GET", `${path}?order=desc&limit=50${after}`);
    if (path !== this.path()) return; // another conversation or ticket was opened meanwhile
    for (const message of page.items) this.keep(message);
    this.olderCursor = page.next_cursor;
  }

  clear() {
    this.messages.clear();
    this.olderCursor = null;
  }

  keep(message) {
    if (newer(this.messages.get(message.id), message)) this.messages.set(message.id, message);
  }

  ordered() {
    return [...this.messages.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** The time of the newest message shown: a reply says it was written after seeing it. */
  seenUntil() {
    const ordered = this.ordered();
    return ordered.length ? ordered[ordered.length - 1].created_at : null;
  }

  loading() {
    this.box.replaceChildren(el("div", { class: "skeleton" }), el("div", { class: "skeleton" }));
  }

  render({ scroll } = {}) {
    const box = this.box;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const ordered = this.ordered();
    const nodes = [];
    if (this.olderCursor) {
      nodes.push(el("button", { type: "button", class: "load-more", onclick: () => this.loadOlder() }, _("Load older messages")));
    }
    let day = null;
    for (const message of ordered) {
      const thisDay = new Date(message.created_at).toDateString();
      if (thisDay !== day) {
        day = thisDay;
        nodes.push(el("div", { class: "day" }, dayLabel(message.created_at)));
      }
      nodes.push(this.messageNode(message));
    }
    if (ordered.length === 0) nodes.push(el("p", { class: "muted activity" }, _("No messages yet.")));
    box.replaceChildren(...nodes);
    if (scroll === "bottom" || atBottom) box.scrollTop = box.scrollHeight;
  }

  async loadOlder() {
    const fromBottom = this.box.scrollHeight - this.box.scrollTop;
    await this.fetchPage(this.olderCursor);
    this.render();
    this.box.scrollTop = this.box.scrollHeight - fromBottom;
  }

  /** Send a failed (or maybe undelivered) message again, or confirm that it arrived. */
  async deliveryAction(messageId, action) {
    try {
      this.keep(await api("POST", `/messages/${messageId}/${action}`));
      this.render();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  activityText(message) {
    const { agentsById, teamsById } = this.directory;
    const { field, from, to, note } = message.activity || {};
    const who = message.sender.name || _("The system");
    const name = (value) => {
      if (value === null || value === undefined) return field === "assignee_id" ? _("nobody") : "—";
      if (field === "assignee_id") return agentsById.get(value)?.name || value;
      if (field === "team_id") return teamsById.get(value)?.name || value;
      if (field === "priority") return PRIORITY_LABELS[value] || value;
      return statusLabel(value);
    };
    if (field === "csat") {
      const template = !to ? ACTIVITY_TEXT.csat_unsent : note ? ACTIVITY_TEXT.csat_comment : ACTIVITY_TEXT.csat;
      return fill(template, { who, to: `${"★".repeat(to || 0)} ${to}/5`, note: note || "" });
    }
    let template = ACTIVITY_TEXT[field] || ACTIVITY_TEXT.other;
    if (field === "assignee_id" && !to) template = ACTIVITY_TEXT.unassigned;
    else if (field === "assignee_id" && to === message.sender.id) template = ACTIVITY_TEXT.took;
    return fill(template, { who, from: name(from), to: field === "ticket" ? to : name(to), field, note: note || "" });
  }

  /** A note's text with each @mention of an agent highlighted. */
  withMentions(text) {
    const names = [...this.directory.agentsById.values()].map((agent) => agent.name).filter(Boolean)
      .sort((a, b) => b.length - a.length).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    if (!names.length) return text;
    const pattern = new RegExp(`(@(?:${names.join("|")}))`, "u");
    return text.split(pattern).map((part, index) => (index % 2 ? el("mark", { class: "mention" }, part) : part));
  }

  messageNode(message) {
    if (message.kind === "activity") {
      return el("div", { class: "activity", dataset: { id: message.id } }, this.activityText(message), " · ", clockTime(message.created_at));
    }
    const status = message.delivery?.status;
    const failed = status === "failed";
    const unsure = status === "unknown";
    const classes = ["bubble", message.kind === "note" ? "note" : message.direction, failed ? "failed" : "", unsure ? "unsure" : ""].join(" ");
    const who = message.kind === "note" ? _("{name} · private note", { name: senderName(message.sender) })
      : message.direction === "out" ? senderName(message.sender) : null;
    return el("div", { class: classes, dataset: { id: message.id } },
      who ? el("div", { class: "who" }, who) : null,
      message.subject && message.direction === "in" ? el("div", { class: "subject" }, message.subject) : null,
      ...message.attachments.map(attachmentNode),
      message.text ? el("div", { class: "text" }, message.kind === "note" ? this.withMentions(message.text) : message.text) : null,
      message.options?.length ? el("div", { class: "bot-choices", title: _("The buttons the customer saw") },
        ...message.options.map((label) => el("span", { class: "bot-choice" }, label))) : null,
      message.automated ? el("span", { class: "badge", title: _("Sent by a machine: never answered automatically") }, _("Automatic")) : null,
      message.sent_because ? el("div", { class: "because" }, becauseText(message.sent_because)) : null,
      message.quoted ? revealer(_("Show quoted text"), () => el("div", { class: "quoted" }, message.quoted)) : null,
      message.html ? revealer(_("Show formatted"), () => htmlFrame(message.html)) : null,
      el("div", { class: "foot" },
        message.edited_at ? el("span", { class: "edited" }, _("edited")) : null,
        timeElement(message.created_at, clockTime(message.created_at)),
        message.delivery ? deliveryNode(message) : null),
      failed ? el("div", { class: "delivery-error" }, message.delivery.error || _("Not delivered"),
        el("button", { type: "button", class: "delivery-retry", onclick: () => this.deliveryAction(message.id, "retry") }, _("Retry"))) : null,
      unsure ? el("div", { class: "delivery-error unsure" },
        _("May have been delivered: the platform did not answer. Check with the customer before sending it again."),
        el("button", { type: "button", class: "delivery-retry", onclick: () => this.deliveryAction(message.id, "retry") }, _("Send again")),
        el("button", { type: "button", class: "delivery-confirm", onclick: () => this.deliveryAction(message.id, "mark-sent") }, _("Mark as sent"))) : null,
    );
  }
}

const ACTIVITY_TEXT = {
  status: _("{who} changed the status from {from} to {to}"),
  assignee_id: _("{who} assigned the conversation to {to}"),
  unassigned: _("{who} unassigned the conversation"),
  took: _("{who} took the conversation"),
  team_id: _("{who} moved the conversation to team {to}"),
  priority: _("{who} set the priority to {to}"),
  ticket: _("{who} made this conversation ticket {to}"),
  customer_update: _("Customer update not sent: {note}"),
  csat: _("{who} rated the help {to}"),
  csat_comment: _("{who} rated the help {to}: “{note}”"),
  csat_unsent: _("Satisfaction survey not sent: {note}"),
  portal_notice: _("Told by email only, not on chat: {note}"),
  other: _("{who} changed {field}"),
};

/** A small toggle that shows extra content (quoted history, the formatted email) on demand. */
function revealer(label, build) {
  const holder = el("div", {});
  const button = el("button", { type: "button", class: "toggle", onclick: () => {
    const open = holder.childElementCount > 0;
    holder.replaceChildren(...(open ? [] : [build()]));
    button.textContent = open ? label : _("Hide");
  } }, label);
  return el("div", {}, button, holder);
}

/** Sanitised email HTML, in a sandbox that can run nothing and load nothing from here. */
function htmlFrame(markup) {
  const policy = "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'";
  return el("iframe", {
    class: "html-body", sandbox: "", referrerpolicy: "no-referrer", title: _("Formatted email"),
    srcdoc: `<!doctype html><meta http-equiv="Content-Security-Policy" content="${policy}"><base target="_blank">${markup}`,
  });
}

function safeUrl(url) {
  return url && (/^https?:\/\//.test(url) || url.startsWith("/static/") || url.startsWith("/api/v1/")) ? url : null;
}

const ATTACHMENT_LABELS = { image: _("Image"), file: _("File"), audio: _("Audio"), video: _("Video"), sticker: _("Sticker"), location: _("Location"), link: _("Link") };

/** The customer's rating: stars and the number, the comment in full or as the tooltip. */
export function csatNode(csat, { comment = false } = {}) {
  return el("span", { class: `csat csat-${csat.rating}`, title: comment ? fullTime(csat.at) : csat.comment || fullTime(csat.at) },
    `${"★".repeat(csat.rating)}${"☆".repeat(5 - csat.rating)} ${csat.rating}/5`,
    comment && csat.comment ? el("q", { class: "csat-comment" }, csat.comment) : null);
}

export function attachmentNode(attachment) {
  const url = safeUrl(attachment.url);
  const copy = attachment.stored_copy;
  if (copy && (copy.status === "failed" || copy.status === "removed")) return lostAttachmentNode(attachment);
  if (attachment.type === "image" && url) {
    return el("a", { class: "attachment", href: url, target: "_blank", rel: "noopener noreferrer", title: copyNote(copy) },
      el("img", { src: url, alt: attachment.name || _("image"), loading: "lazy" }));
  }
  const label = `${ATTACHMENT_LABELS[attachment.type] || attachment.type}${attachment.name ? `: ${attachment.name}` : ""}`;
  return url
    ? el("a", { class: "attachment file", href: url, target: "_blank", rel: "noopener noreferrer", title: copyNote(copy) }, label)
    : el("span", { class: "attachment file" }, label);
}

function copyNote(copy) {
  if (!copy || copy.status !== "pending") return "";
  return copy.error ? _("Not saved here yet; trying again ({error})", { error: copy.error }) : _("Saving a copy here…");
}

/** A file we could not keep (too large, gone from the platform) or deleted by retention: say why. */
function lostAttachmentNode(attachment) {
  const label = `${ATTACHMENT_LABELS[attachment.type] || attachment.type}${attachment.name ? `: ${attachment.name}` : ""}`;
  const why = attachment.stored_copy.status === "removed" ? _("Deleted") : _("Not kept");
  const source = safeUrl(attachment.source_url);
  return el("span", { class: "attachment file lost", dataset: { copy: attachment.stored_copy.status } },
    label, el("small", {}, ` · ${why}: ${attachment.stored_copy.error || ""}`),
    source && attachment.stored_copy.status === "failed"
      ? [" ", el("a", { href: source, target: "_blank", rel: "noopener noreferrer" }, _("Try the platform's link"))]
      : null);
}

const DELIVERY_LABELS = { queued: _("Sending…"), sent: _("Sent ✓"), delivered: _("Delivered ✓✓"), read: _("Read ✓✓"), failed: _("Failed"), unknown: _("May have been delivered") };

function deliveryNode(message) {
  const { status, attempts, error } = message.delivery;
  let text = DELIVERY_LABELS[status] || status;
  if (status === "queued" && attempts > 0 && error) text = _("Retrying (attempt {n}): {error}", { n: attempts, error });
  if (status === "sent" && error) text = text + " · " + _("delivery delayed");
  return el("span", { class: "delivery", dataset: { status }, title: error || "" }, text);
}
