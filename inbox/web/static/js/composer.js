// The composer: replies and private notes, attachments, @mentions, /canned responses and the
// collision check.
// Shared by the inbox and the ticket page; they pass in how to post.

import { _, api, upload, el, fullTime, toast, ApiError } from "./core.js";

const $ = (id) => document.getElementById(id);
const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();

export class Composer {
  /**
   * post(body) sends the message and returns it; seenUntil() is the time of the newest message
   * the agent sees; agents are the people one may @mention; renderCanned(id) fills a canned
   * response's placeholders for the open conversation or ticket.
   */
  constructor({ post, seenUntil, agents, onSent, onTyping, renderCanned }) {
    Object.assign(this, { post, seenUntil, agents, onSent, onTyping, renderCanned });
    this.canned = null;
    this.mode = "reply";
    this.files = [];
    this.mentioned = new Map();
    this.window = null;
    this.kind = "message";
    this.form = $("composer");
    this.text = $("composer-text");
    this.popup = el("ul", { class: "mention-list", role: "listbox", hidden: true });
    this.text.after(this.popup);
    this.wire();
  }

  wire() {
    for (const tab of this.form.querySelectorAll(".composer-tabs button")) {
      tab.addEventListener("click", () => this.setMode(tab.dataset.mode));
    }
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.send(); });
    $("composer-attach").addEventListener("change", (event) => { this.attach([...event.target.files]); event.target.value = ""; });
    this.form.addEventListener("dragover", (event) => event.preventDefault());
    this.form.addEventListener("drop", (event) => { event.preventDefault(); this.attach([...event.dataTransfer.files]); });
    this.text.addEventListener("paste", (event) => {
      const pasted = [...(event.clipboardData?.files || [])];
      if (pasted.length) { event.preventDefault(); this.attach(pasted); }
    });
    this.text.addEventListener("input", () => {
      if (this.mode === "reply") this.onTyping?.();
      this.suggest();
    });
    this.text.addEventListener("keydown", (event) => this.onKey(event));
  }

  /** What the channel allows now (messaging windows) and whether it is a comment thread. */
  setContext({ window = null, kind = "message" } = {}) {
    this.window = window;
    this.kind = kind;
    this.render();
  }

  reset() {
    this.files = [];
    this.mentioned.clear();
    this.renderFiles();
    this.closePopup();
  }

  setMode(mode) {
    this.mode = mode;
    this.form.classList.toggle("note", mode === "note");
    for (const tab of this.form.querySelectorAll(".composer-tabs button")) {
      tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
    }
    this.text.placeholder = mode === "note" ? _("Write a private note; @name tells a colleague…") : _("Write a reply…");
    $("composer-send").textContent = mode === "note" ? _("Add note") : _("Send");
    this.render();
    this.text.focus();
  }

  render() {
    const note = $("window-note");
    const replying = this.mode === "reply";
    const closed = replying && this.window && !this.window.open;
    note.hidden = !replying || !this.window || !this.window.note;
    note.className = `window-note${closed ? " closed" : ""}`;
    note.textContent = this.window?.note || "";
    if (this.window?.open && this.window.closes_at) {
      note.textContent += " " + _("Replies possible until {time}.", { time: fullTime(this.window.closes_at) });
    }
    $("composer-send").disabled = Boolean(closed);
    $("comment-mode").hidden = !(replying && this.kind === "comment");
  }

  body() {
    const text = this.text.value.trim();
    const body = { text: text || null, private: this.mode === "note", attachment_ids: this.files.map((f) => f.id) };
    if (this.mode === "note") {
      body.mentions = [...this.mentioned].filter(([name]) => text.includes(`@${name}`)).map(([, id]) => id);
    } else {
      if (this.kind === "comment") body.mode = $("comment-mode-select").value;
      body.seen_until = this.seenUntil();
    }
    return body;
  }

  async send() {
    const body = this.body();
    if (!body.text && body.attachment_ids.length === 0) return;
    if (this.files.some((file) => !file.id)) {
      toast(_("Wait for the files to finish uploading."), "error");
      return;
    }
    const button = $("composer-send");
    button.disabled = true;
    const written = this.text.value;
    try {
      this.onSent(await this.postConfirmed(body));
      if (this.text.value === written) this.text.value = "";  // keep what was typed meanwhile
      this.reset();
    } catch (error) {
      if (error) toast(error.message, "error");
    } finally {
      button.disabled = false;
      this.text.focus();
    }
  }

  /** A reply after a newer customer message needs the agent's confirmation (null: declined). */
  async postConfirmed(body) {
    try {
      return await this.post(body);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== "customer_wrote_again") throw error;
      const latest = (error.details?.new_messages || []).map((m) => m.text).filter(Boolean).join("\n");
      const question = _("The customer wrote again since you opened this:") + `\n\n${latest}\n\n` + _("Send your reply anyway?");
      if (!confirm(question)) throw null;
      return await this.post({ ...body, confirm: true });
    }
  }

  // ---- attachments ----------------------------------------------------------------------

  renderFiles() {
    $("composer-files").replaceChildren(...this.files.map((file) => el("span", { class: `file-chip${file.id ? "" : " uploading"}` },
      file.id ? file.name : _("Uploading {name}…", { name: file.name }),
      el("button", { type: "button", "aria-label": _("Remove"), onclick: () => { this.files = this.files.filter((f) => f !== file); this.renderFiles(); } }, "×"))));
  }

  async attach(fileList) {
    for (const file of fileList) {
      const entry = { name: file.name, id: null };
      this.files.push(entry);
      this.renderFiles();
      try {
        Object.assign(entry, await upload(file));
      } catch (error) {
        this.files = this.files.filter((f) => f !== entry);
        toast(`${file.name}: ${error.message}`, "error");
      }
      this.renderFiles();
    }
  }

  // ---- suggestions: @mentions and /canned responses ------------------------------------

  suggest() {
    if (this.mentionQuery() !== null) this.suggestMentions();
    else if (this.cannedQuery() !== null) this.suggestCanned();
    else this.closePopup();
  }

  cannedQuery() {
    if (!this.renderCanned) return null;
    const before = this.text.value.slice(0, this.text.selectionStart);
    const match = before.match(/(?:^|\s)\/([a-z0-9_-]{0,30})$/);
    return match ? match[1] : null;
  }

  async suggestCanned() {
    if (this.canned === null) {
      this.canned = [];
      this.canned = (await api("GET", "/canned-responses").catch(() => ({ items: [] }))).items;
    }
    const query = this.cannedQuery();
    if (query === null) return this.closePopup();
    const found = this.canned.filter((c) => c.shortcode.startsWith(query) || fold(c.title).includes(fold(query))).slice(0, 8);
    if (found.length === 0) return this.closePopup();
    this.showChoices(found.map((item) => ({
      label: `/${item.shortcode}`, detail: ` ${item.title}`, pick: () => this.insertCanned(item),
    })));
  }

  async insertCanned(item) {
    try {
      const text = await this.renderCanned(item.id);
      const caret = this.text.selectionStart;
      const before = this.text.value.slice(0, caret).replace(/\/[a-z0-9_-]*$/, text);
      this.text.value = before + this.text.value.slice(caret);
      this.text.selectionStart = this.text.selectionEnd = before.length;
      this.text.focus();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  showChoices(choices) {
    this.choices = choices;
    this.choice = 0;
    this.renderPopup();
  }

  mentionQuery() {
    if (this.mode !== "note") return null;
    const before = this.text.value.slice(0, this.text.selectionStart);
    const match = before.match(/(?:^|\s)@([\p{L}\p{N}._-]{0,30})$/u);
    return match ? match[1] : null;
  }

  suggestMentions() {
    const query = this.mentionQuery();
    if (query === null) return this.closePopup();
    const wanted = fold(query);
    const found = this.agents.filter((agent) => agent.active && fold(agent.name).split(/\s+/).some((word) => word.startsWith(wanted)))
      .slice(0, 6);
    if (found.length === 0) return this.closePopup();
    this.showChoices(found.map((agent) => ({ label: agent.name, detail: ` ${agent.email}`, pick: () => this.mention(agent) })));
  }

  renderPopup() {
    this.popup.replaceChildren(...this.choices.map((choice, index) => el("li", {
      role: "option", "aria-selected": String(index === this.choice),
      onmousedown: (event) => { event.preventDefault(); this.pick(choice); },
    }, choice.label, el("span", { class: "muted small" }, choice.detail))));
    this.popup.hidden = false;
  }

  closePopup() {
    this.popup.hidden = true;
    this.choices = null;
  }

  pick(choice) {
    this.closePopup();
    choice.pick();
  }

  mention(agent) {
    const caret = this.text.selectionStart;
    const before = this.text.value.slice(0, caret).replace(/@[\p{L}\p{N}._-]*$/u, `@${agent.name} `);
    this.text.value = before + this.text.value.slice(caret);
    this.text.selectionStart = this.text.selectionEnd = before.length;
    this.mentioned.set(agent.name, agent.id);
    this.afterMention = true;  // the space is there already: a typed one is not doubled
  }

  onKey(event) {
    const afterMention = this.afterMention;
    this.afterMention = false;
    if (afterMention && event.key === " " && this.text.value[this.text.selectionStart - 1] === " ") {
      event.preventDefault();
      return;
    }
    if (this.choices) {
      const moves = { ArrowDown: 1, ArrowUp: -1 };
      if (event.key in moves) {
        event.preventDefault();
        this.choice = (this.choice + moves[event.key] + this.choices.length) % this.choices.length;
        this.renderPopup();
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        this.pick(this.choices[this.choice]);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        this.closePopup();
        return;
      }
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      this.send();
    } else if (event.key === "Escape") {
      this.text.blur();
    }
  }
}

