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
    setInterval(() => this.viewing && this.send({ type: "viewing", conversation_id: this.viewing }), 15000);
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.socket = new WebSocket(`${scheme}://${location.host}/ws`);
    this.show("connecting", _("Connecting…"));
    this.socket.addEventListener("open", () => {
      this.delay = 500;
      this.show("live", _("Live"));
      if (this.viewing) this.send({ type: "viewing", conversation_id: this.viewing });
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

  view(conversationId) {
    if (this.viewing === conversationId) return;
    this.viewing = conversationId;
    this.send(conversationId ? { type: "viewing", conversation_id: conversationId } : { type: "left" });
  }

  typing() {
    const now = Date.now();
    if (this.viewing && now - (this.lastTyping || 0) > 3000) {
      this.lastTyping = now;
      this.send({ type: "typing", conversation_id: this.viewing });
    }
  }

  show(state, text) {
    if (!this.status) return;
    this.status.dataset.state = state;
    this.status.textContent = text;
  }
}
