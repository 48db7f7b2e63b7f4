// The live connection: events and presence over /ws, reconnecting with backoff.

import { _ } from "./core.js";

export class Live {
  constructor({ onEvent, onPresence, onViewers, onReconnect }) {
    this.handlers = { onEvent, onPresence, onViewers, onReconnect };
    this.status = document.getElementById("live-status");
    this.delay = 500;
    this.viewing = null;
    this.connectedOnce = false;
    this.connect();
    setInterval(() => this.viewing && this.send({ type: "viewing", ...this.viewing }), 15000);
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.socket = new WebSocket(`${scheme}://${location.host}/ws`);
    this.show("connecting", _("Connecting…"));
    this.socket.addEventListener("open", () => {
      this.delay = 500;
      this.show("live", _("Live"));
      if (this.viewing) this.send({ type: "viewing", ...this.viewing });
      if (this.connectedOnce) this.handlers.onReconnect?.();
      this.connectedOnce = true;
    });
    this.socket.addEventListener("message", (message) => this.dispatch(JSON.parse(message.data)));
    this.socket.addEventListener("close", () => {
      this.show("offline", _("Reconnecting…"));
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 15000);
    });
  }

  dispatch(message) {
    if (message.type === "presence") this.handlers.onPresence?.(message);
    else if (message.type === "viewers") this.handlers.onViewers?.(message);
    else if (message.type && message.type.includes(".")) this.handlers.onEvent?.(message);
  }

  send(message) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** Tell the others what this agent looks at: {conversation_id: id}, {ticket_id: id} or null. */
  view(place) {
    if (JSON.stringify(this.viewing) === JSON.stringify(place)) return;
    this.viewing = place;
    this.send(place ? { type: "viewing", ...place } : { type: "left" });
  }

  typing() {
    const now = Date.now();
    if (this.viewing && now - (this.lastTyping || 0) > 3000) {
      this.lastTyping = now;
      this.send({ type: "typing", ...this.viewing });
    }
  }

  show(state, text) {
    if (!this.status) return;
    this.status.dataset.state = state;
    this.status.textContent = text;
  }
}

/** Who else is looking at (or typing in) the same conversation or ticket, from presence messages. */
export class Viewers {
  constructor(bar, key) {
    this.bar = bar;
    this.key = key; // "conversation_id" or "ticket_id"
    this.id = null;
    this.people = new Map();
    setInterval(() => this.render(), 5000);
  }

  watch(id) {
    this.id = id;
    this.people.clear();
    this.render();
  }

  onPresence(message) {
    if (message[this.key] !== this.id) return;
    if (message.state === "left") this.people.delete(message.agent.id);
    else this.people.set(message.agent.id, { name: message.agent.name, state: message.state, seen: Date.now() });
    this.render();
  }

  onViewers(message) {
    if (message[this.key] !== this.id) return;
    for (const agent of message.agents) this.people.set(agent.id, { name: agent.name, state: agent.state, seen: agent.at * 1000 });
    this.render();
  }

  render() {
    const now = Date.now();
    const others = [...this.people.values()].filter((viewer) => now - viewer.seen < 45000);
    if (others.length === 0) {
      this.bar.hidden = true;
      return;
    }
    const typing = others.filter((viewer) => viewer.state === "typing" && now - viewer.seen < 6000).map((v) => v.name);
    const viewing = others.filter((viewer) => !typing.includes(viewer.name)).map((v) => v.name);
    const parts = [];
    if (typing.length) parts.push(_("{names} typing…", { names: typing.join(", ") }));
    if (viewing.length) parts.push(_("{names} also viewing", { names: viewing.join(", ") }));
    this.bar.textContent = parts.join(" · ");
    this.bar.hidden = false;
  }
}
