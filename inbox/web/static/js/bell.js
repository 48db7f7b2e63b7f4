// The notification bell in the top bar: mentions and tickets given to me, live.

import { _, api, el, shortTime, timeElement, toast } from "./core.js";

const $ = (id) => document.getElementById(id);

function targetOf(item) {
  if (item.ticket_id) return `/tickets/${item.ticket_id}`;
  if (item.conversation_id) return `/inbox?view=all&status=open&c=${item.conversation_id}`;
  return null;
}

const KIND_LABELS = { mention: _("mentioned you"), assigned: _("gave you a ticket") };

export class Bell {
  constructor() {
    this.button = $("bell");
    this.panel = $("bell-panel");
    this.count = $("bell-count");
    this.items = [];
    this.unread = 0;
    if (!this.button) return;
    this.button.addEventListener("click", () => this.toggle());
    document.addEventListener("click", (event) => {
      if (!this.panel.hidden && !event.target.closest("#bell, #bell-panel")) this.panel.hidden = true;
    });
    this.load();
  }

  async load() {
    try {
      const page = await api("GET", "/notifications");
      this.items = page.items;
      this.unread = page.unread;
      this.render();
    } catch (error) {
      this.panel.replaceChildren(el("p", { class: "banner" }, error.message));
    }
  }

  /** A live `notification.created` event. */
  add(notification) {
    this.items.unshift(notification);
    this.unread += 1;
    this.render();
    toast(`${notification.actor.name || _("Someone")} ${KIND_LABELS[notification.kind] || ""}: ${notification.text}`);
  }

  toggle() {
    this.panel.hidden = !this.panel.hidden;
    this.button.setAttribute("aria-expanded", String(!this.panel.hidden));
  }

  render() {
    this.count.textContent = this.unread > 99 ? "99+" : String(this.unread);
    this.count.hidden = this.unread === 0;
    this.button.title = _("{n} unread notifications", { n: this.unread });
    const header = el("div", { class: "bell-header" },
      el("strong", {}, _("Notifications")),
      this.unread ? el("button", { type: "button", class: "link", onclick: () => this.readAll() }, _("Mark all read")) : null);
    const list = this.items.length === 0
      ? [el("p", { class: "muted bell-empty" }, _("Nothing yet. Mentions and tickets given to you show up here."))]
      : this.items.map((item) => this.itemNode(item));
    this.panel.replaceChildren(header, ...list);
  }

  itemNode(item) {
    const href = targetOf(item);
    return el("a", {
      class: `bell-item${item.read_at ? "" : " unread"}`, href: href || "#",
      onclick: (event) => { event.preventDefault(); this.open(item, href); },
    },
      el("span", { class: "bell-who" }, `${item.actor.name || _("Someone")} ${KIND_LABELS[item.kind] || ""}`),
      el("span", { class: "bell-text" }, item.text),
      timeElement(item.created_at, shortTime(item.created_at)));
  }

  async open(item, href) {
    if (!item.read_at) {
      await api("POST", `/notifications/${item.id}/read`).catch(() => null);
      item.read_at = new Date().toISOString();
      this.unread = Math.max(0, this.unread - 1);
      this.render();
    }
    if (href) location.href = href;
  }

  async readAll() {
    try {
      await api("POST", "/notifications/read-all");
      for (const item of this.items) item.read_at ??= new Date().toISOString();
      this.unread = 0;
      this.render();
    } catch (error) {
      toast(error.message, "error");
    }
  }
}
