// The shared inbox: conversation list, thread, composer, live updates, keyboard.

import {
  _, fill, api, upload, el, shortTime, clockTime, fullTime, dayLabel, timeElement, toast, initials,
  colourFor, channelDot, CHANNEL_LABELS, setupAvailability,
} from "./core.js";
import { Live } from "./live.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const me = boot.me;
const agentsById = new Map(boot.agents.map((agent) => [agent.id, agent]));
const teamsById = new Map(boot.teams.map((team) => [team.id, team]));
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const state = {
  view: params.get("view") || localStorage.getItem("inbox.view") || "all",
  status: params.get("status") || "open",
  channel: params.get("channel") || null,
  conversations: new Map(),
  nextCursor: null,
  loadingList: false,
  selectedId: params.get("c"),
  messages: new Map(),
  olderCursor: null,
  customerWroteAt: null,
  mode: "reply",
  viewers: new Map(),
  files: [],
};

// ---- the list -------------------------------------------------------------------------

function listQuery(cursor) {
  const query = new URLSearchParams({ status: state.status, limit: "30" });
  if (state.view === "mine") query.set("assignee", "me");
  if (state.view === "unassigned") query.set("assignee", "none");
  if (state.channel) query.set("channel", state.channel);
  if (cursor) query.set("cursor", cursor);
  return query;
}

function matchesFilters(conversation) {
  if (conversation.status !== state.status) return false;
  if (state.view === "mine" && conversation.assignee_id !== me.id) return false;
  if (state.view === "unassigned" && conversation.assignee_id) return false;
  if (state.channel && conversation.channel.id !== state.channel) return false;
  return true;
}

async function loadList({ more = false } = {}) {
  if (state.loadingList) return;
  state.loadingList = true;
  const list = $("conversation-list");
  if (!more) {
    state.conversations.clear();
    list.replaceChildren(...Array.from({ length: 5 }, () => el("li", { class: "skeleton", "aria-hidden": "true" })));
  }
  $("list-banner").hidden = true;
  try {
    const page = await api("GET", `/conversations?${listQuery(more ? state.nextCursor : null)}`);
    for (const conversation of page.items) state.conversations.set(conversation.id, conversation);
    state.nextCursor = page.next_cursor;
    renderList();
  } catch (error) {
    list.replaceChildren();
    showListError(error.message);
  } finally {
    state.loadingList = false;
  }
}

function showListError(message) {
  const banner = $("list-banner");
  banner.replaceChildren(el("span", {}, message), el("button", { type: "button", onclick: () => loadList() }, _("Try again")));
  banner.hidden = false;
}

function sortedConversations() {
  return [...state.conversations.values()].sort((a, b) => b.last_message_at.localeCompare(a.last_message_at));
}

function renderList() {
  const list = $("conversation-list");
  const items = sortedConversations();
  if (items.length === 0) {
    list.replaceChildren(el("li", { class: "list-empty" },
      el("strong", {}, _("No conversations here")),
      _("New conversations will appear here as customers write.")));
  } else {
    list.replaceChildren(...items.map(conversationItem));
  }
  $("load-more").hidden = !state.nextCursor;
  $("list-title").textContent = `${VIEW_LABELS[state.view]} · ${statusLabel(state.status)}`;
}

const STATUS_LABELS = { open: _("Open"), bot: _("With the bot"), pending: _("Pending"), snoozed: _("Snoozed"), resolved: _("Resolved") };
const PRIORITY_LABELS = { urgent: _("Urgent"), high: _("High"), medium: _("Medium"), low: _("Low") };
const VIEW_LABELS = { mine: _("Mine"), unassigned: _("Unassigned"), all: _("All") };
const statusLabel = (status) => STATUS_LABELS[status] || status;

function conversationItem(conversation) {
  const last = conversation.last_message;
  const assignee = agentsById.get(conversation.assignee_id);
  const preview = !last ? "" : last.direction === "out" ? _("You: {text}", { text: last.text }) : last.text;
  return el("li", {
    class: `conversation${conversation.unread_count ? " unread" : ""}`,
    role: "option",
    "aria-selected": String(conversation.id === state.selectedId),
    dataset: { id: conversation.id },
    onclick: () => select(conversation.id),
  },
    el("span", { class: "avatar", style: `background:${colourFor(conversation.contact.name)}`, "aria-hidden": "true" },
      initials(conversation.contact.name), channelDot(conversation.channel.kind)),
    el("div", { class: "body" },
      el("div", { class: "row" },
        el("span", { class: "name" }, conversation.contact.name),
        conversation.priority && ["urgent", "high"].includes(conversation.priority)
          ? el("span", { class: `priority priority-${conversation.priority}` }, PRIORITY_LABELS[conversation.priority]) : null,
        el("span", { class: "time" }, timeElement(conversation.last_message_at, shortTime(conversation.last_message_at)))),
      el("div", { class: "row" },
        el("span", { class: "preview" }, preview || "—"),
        assignee ? el("span", { class: "assignee-chip", style: `background:${colourFor(assignee.name)}`, title: _("Assigned to {name}", { name: assignee.name }) }, initials(assignee.name)) : null,
        conversation.unread_count ? el("span", { class: "unread-badge", "aria-label": _("unread") }, conversation.unread_count) : null)),
  );
}

/** Answers and live events can arrive out of order: keep the highest revision seen. */
const newer = (known, incoming) => !known || incoming.revision >= known.revision;

function upsertConversation(conversation) {
  const known = state.conversations.get(conversation.id) || (state.current?.id === conversation.id ? state.current : null);
  if (!newer(known, conversation)) return;
  if (matchesFilters(conversation)) state.conversations.set(conversation.id, conversation);
  else state.conversations.delete(conversation.id);
  renderList();
  if (conversation.id === state.selectedId) renderThreadHeader(conversation);
}

function keepMessage(message) {
  if (newer(state.messages.get(message.id), message)) state.messages.set(message.id, message);
}

// ---- filters --------------------------------------------------------------------------

function renderFilters() {
  for (const button of document.querySelectorAll("#views button")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === state.view));
  }
  for (const button of document.querySelectorAll("#statuses button")) {
    button.setAttribute("aria-pressed", String(button.dataset.status === state.status));
  }
  $("channels").replaceChildren(
    el("button", { type: "button", "aria-pressed": String(!state.channel), onclick: () => setFilter({ channel: null }) }, _("All channels")),
    ...boot.channels.map((channel) => el("button", {
      type: "button", "aria-pressed": String(state.channel === channel.id),
      onclick: () => setFilter({ channel: channel.id }),
    }, channelDot(channel.kind), el("span", { class: "label" }, channel.name))),
  );
}

function setFilter(changes) {
  Object.assign(state, changes);
  localStorage.setItem("inbox.view", state.view);
  syncUrl();
  renderFilters();
  loadList();
}

function syncUrl() {
  const query = new URLSearchParams({ view: state.view, status: state.status });
  if (state.channel) query.set("channel", state.channel);
  if (state.selectedId) query.set("c", state.selectedId);
  history.replaceState(null, "", `/inbox?${query}`);
}

// ---- the thread -----------------------------------------------------------------------

async function select(conversationId) {
  state.selectedId = conversationId;
  state.messages.clear();
  state.viewers.clear();
  state.window = null;
  state.files = [];
  renderFiles();
  syncUrl();
  for (const item of document.querySelectorAll(".conversation")) {
    item.setAttribute("aria-selected", String(item.dataset.id === conversationId));
  }
  document.querySelector(`.conversation[data-id="${conversationId}"]`)?.scrollIntoView({ block: "nearest" });
  $("inbox").classList.add("has-selection");
  $("thread-empty").hidden = true;
  $("thread").hidden = false;
  $("details").hidden = false;
  $("messages").replaceChildren(el("div", { class: "skeleton" }), el("div", { class: "skeleton" }));
  renderViewers();
  live.view(conversationId);
  try {
    const [conversation, page] = await Promise.all([
      api("GET", `/conversations/${conversationId}`),
      api("GET", `/conversations/${conversationId}/messages?order=desc&limit=50`),
    ]);
    if (state.selectedId !== conversationId) return;
    renderThreadHeader(conversation);
    for (const message of page.items.reverse()) keepMessage(message);
    state.olderCursor = page.next_cursor;
    state.customerWroteAt = conversation.last_customer_message_at;
    renderMessages({ scroll: "bottom" });
    if (conversation.unread_count) {
      const read = await api("POST", `/conversations/${conversationId}/read`);
      upsertConversation(read);
    }
  } catch (error) {
    $("messages").replaceChildren(el("div", { class: "banner" }, error.message,
      el("button", { type: "button", onclick: () => select(conversationId) }, _("Try again"))));
  }
}

function renderThreadHeader(conversation) {
  state.current = conversation;
  $("thread-contact").textContent = conversation.contact.name;
  const badge = $("thread-channel");
  badge.className = `channel-badge channel-${conversation.channel.kind}`;
  badge.textContent = `${CHANNEL_LABELS[conversation.channel.kind] || conversation.channel.kind} · ${conversation.channel.name}`;
  const pill = $("thread-status");
  pill.dataset.status = conversation.status;
  pill.textContent = statusLabel(conversation.status);
  for (const button of document.querySelectorAll("#status-actions button")) {
    const target = button.dataset.setStatus;
    button.hidden = target === conversation.status || (conversation.status === "resolved" && target !== "open");
  }
  fillSelect($("assignee-select"), [["", _("Unassigned")], ...boot.agents.filter((a) => a.active).map((a) => [a.id, a.name])], conversation.assignee_id || "");
  fillSelect($("team-select"), [["", _("No team")], ...boot.teams.map((t) => [t.id, t.name])], conversation.team_id || "");
  $("priority-select").value = conversation.priority || "";
  if (conversation.reply_window) state.window = conversation.reply_window;
  renderComposerState();
  renderDetails(conversation);
}

/** The messaging window and the comment mode shape what the composer may do. */
function renderComposerState() {
  const conversation = state.current;
  const replyWindow = state.window;
  const note = $("window-note");
  const replying = state.mode === "reply";
  const closed = replying && replyWindow && !replyWindow.open;
  note.hidden = !replying || !replyWindow || !replyWindow.note;
  note.className = `window-note${closed ? " closed" : ""}`;
  note.textContent = replyWindow?.note || "";
  if (replyWindow?.open && replyWindow.closes_at) {
    note.textContent += " " + _("Replies possible until {time}.", { time: fullTime(replyWindow.closes_at) });
  }
  $("composer-send").disabled = Boolean(closed);
  $("comment-mode").hidden = !(replying && conversation?.kind === "comment");
}

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([optionValue, label]) => el("option", { value: optionValue }, label)));
  select.value = value;
}

function renderDetails(conversation) {
  $("contact-name").textContent = conversation.contact.name;
  const fact = (label, value) => [el("dt", {}, label), el("dd", {}, value)];
  $("contact-facts").replaceChildren(
    ...fact(_("Channel"), `${CHANNEL_LABELS[conversation.channel.kind] || conversation.channel.kind} (${conversation.channel.name})`),
    ...fact(_("Customer since"), timeElement(conversation.created_at, shortTime(conversation.created_at))),
  );
  const assignee = agentsById.get(conversation.assignee_id);
  const team = teamsById.get(conversation.team_id);
  $("conversation-facts").replaceChildren(
    ...fact(_("Status"), statusLabel(conversation.status)),
    ...fact(_("Assignee"), assignee ? assignee.name : _("Unassigned")),
    ...fact(_("Team"), team ? team.name : _("No team")),
    ...fact(_("Priority"), PRIORITY_LABELS[conversation.priority] || "—"),
    ...fact(_("Started"), timeElement(conversation.created_at, shortTime(conversation.created_at))),
    ...(conversation.snoozed_until ? fact(_("Snoozed until"), timeElement(conversation.snoozed_until, shortTime(conversation.snoozed_until))) : []),
  );
}

function renderMessages({ scroll } = {}) {
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const ordered = [...state.messages.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
  const nodes = [];
  if (state.olderCursor) {
    nodes.push(el("button", { type: "button", class: "load-more", onclick: loadOlder }, _("Load older messages")));
  }
  let day = null;
  for (const message of ordered) {
    const thisDay = new Date(message.created_at).toDateString();
    if (thisDay !== day) {
      day = thisDay;
      nodes.push(el("div", { class: "day" }, dayLabel(message.created_at)));
    }
    nodes.push(messageNode(message));
  }
  if (ordered.length === 0) nodes.push(el("p", { class: "muted activity" }, _("No messages yet.")));
  box.replaceChildren(...nodes);
  if (scroll === "bottom" || atBottom) box.scrollTop = box.scrollHeight;
}

async function loadOlder() {
  const id = state.selectedId;
  const page = await api("GET", `/conversations/${id}/messages?order=desc&limit=50&cursor=${encodeURIComponent(state.olderCursor)}`);
  if (state.selectedId !== id) return;
  for (const message of page.items) keepMessage(message);
  state.olderCursor = page.next_cursor;
  const box = $("messages");
  const fromBottom = box.scrollHeight - box.scrollTop;
  renderMessages();
  box.scrollTop = box.scrollHeight - fromBottom;
}

const ACTIVITY_TEXT = {
  status: _("{who} changed the status from {from} to {to}"),
  assignee_id: _("{who} assigned the conversation to {to}"),
  unassigned: _("{who} unassigned the conversation"),
  took: _("{who} took the conversation"),
  team_id: _("{who} moved the conversation to team {to}"),
  priority: _("{who} set the priority to {to}"),
  other: _("{who} changed {field}"),
};

function activityText(message) {
  const { field, from, to } = message.activity || {};
  const who = message.sender.name || _("The system");
  const name = (value) => {
    if (value === null || value === undefined) return field === "assignee_id" ? _("nobody") : "—";
    if (field === "assignee_id") return agentsById.get(value)?.name || value;
    if (field === "team_id") return teamsById.get(value)?.name || value;
    if (field === "priority") return PRIORITY_LABELS[value] || value;
    return statusLabel(value);
  };
  let template = ACTIVITY_TEXT[field] || ACTIVITY_TEXT.other;
  if (field === "assignee_id" && !to) template = ACTIVITY_TEXT.unassigned;
  else if (field === "assignee_id" && to === message.sender.id) template = ACTIVITY_TEXT.took;
  return fill(template, { who, from: name(from), to: name(to), field });
}

function messageNode(message) {
  if (message.kind === "activity") {
    return el("div", { class: "activity", dataset: { id: message.id } }, activityText(message), " · ", clockTime(message.created_at));
  }
  const failed = message.delivery?.status === "failed";
  const classes = ["bubble", message.kind === "note" ? "note" : message.direction, failed ? "failed" : ""].join(" ");
  const who = message.kind === "note" ? _("{name} · private note", { name: message.sender.name }) : message.direction === "out" ? message.sender.name : null;
  return el("div", { class: classes, dataset: { id: message.id } },
    who ? el("div", { class: "who" }, who) : null,
    message.subject && message.direction === "in" ? el("div", { class: "subject" }, message.subject) : null,
    ...message.attachments.map(attachmentNode),
    message.text ? el("div", { class: "text" }, message.text) : null,
    message.automated ? el("span", { class: "badge", title: _("Sent by a machine: never answered automatically") }, _("Automatic")) : null,
    message.quoted ? revealer(_("Show quoted text"), () => el("div", { class: "quoted" }, message.quoted)) : null,
    message.html ? revealer(_("Show formatted"), () => htmlFrame(message.html)) : null,
    el("div", { class: "foot" },
      message.edited_at ? el("span", { class: "edited" }, _("edited")) : null,
      timeElement(message.created_at, clockTime(message.created_at)),
      message.delivery ? deliveryNode(message) : null),
    failed ? el("div", { class: "delivery-error" }, message.delivery.error || _("Not delivered"),
      el("button", { type: "button", class: "delivery-retry", onclick: () => retry(message.id) }, _("Retry"))) : null,
  );
}

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
  return url && (/^https?:\/\//.test(url) || url.startsWith("/static/")) ? url : null;
}

function attachmentNode(attachment) {
  const url = safeUrl(attachment.url);
  if (attachment.type === "image" && url) {
    return el("a", { class: "attachment", href: url, target: "_blank", rel: "noopener noreferrer" },
      el("img", { src: url, alt: attachment.name || _("image"), loading: "lazy" }));
  }
  const label = `${ATTACHMENT_LABELS[attachment.type] || attachment.type}${attachment.name ? `: ${attachment.name}` : ""}`;
  return url
    ? el("a", { class: "attachment file", href: url, target: "_blank", rel: "noopener noreferrer" }, label)
    : el("span", { class: "attachment file" }, label);
}

const DELIVERY_LABELS = { queued: _("Sending…"), sent: _("Sent ✓"), delivered: _("Delivered ✓✓"), read: _("Read ✓✓"), failed: _("Failed") };
const ATTACHMENT_LABELS = { image: _("Image"), file: _("File"), audio: _("Audio"), video: _("Video"), sticker: _("Sticker"), location: _("Location") };

function deliveryNode(message) {
  const { status, attempts, error } = message.delivery;
  let text = DELIVERY_LABELS[status] || status;
  if (status === "queued" && attempts > 0 && error) text = _("Retrying (attempt {n}): {error}", { n: attempts, error });
  return el("span", { class: "delivery", dataset: { status }, title: error || "" }, text);
}

async function retry(messageId) {
  try {
    keepMessage(await api("POST", `/messages/${messageId}/retry`));
    renderMessages();
  } catch (error) {
    toast(error.message, "error");
  }
}

// ---- changing a conversation -----------------------------------------------------------

async function patch(changes) {
  if (!state.selectedId) return;
  try {
    upsertConversation(await api("PATCH", `/conversations/${state.selectedId}`, changes));
  } catch (error) {
    toast(error.message, "error");
  }
}

function tomorrowMorning() {
  const when = new Date();
  when.setDate(when.getDate() + 1);
  when.setHours(9, 0, 0, 0);
  return when.toISOString();
}

function setStatus(status) {
  patch(status === "snoozed" ? { status, snoozed_until: tomorrowMorning() } : { status });
}

// ---- composer -------------------------------------------------------------------------

function setMode(mode) {
  state.mode = mode;
  $("composer").classList.toggle("note", mode === "note");
  for (const tab of document.querySelectorAll(".composer-tabs button")) {
    tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
  }
  $("composer-text").placeholder = mode === "note" ? _("Write a private note (only agents see it)…") : _("Write a reply…");
  $("composer-send").textContent = mode === "note" ? _("Add note") : _("Send");
  renderComposerState();
  $("composer-text").focus();
}

async function send(event) {
  event?.preventDefault();
  const textarea = $("composer-text");
  const text = textarea.value.trim();
  const ready = state.files.filter((file) => file.id);
  if ((!text && ready.length === 0) || !state.selectedId) return;
  if (state.files.some((file) => !file.id)) {
    toast(_("Wait for the files to finish uploading."), "error");
    return;
  }
  const isNote = state.mode === "note";
  if (!isNote && state.composeStartedAt && state.customerWroteAt > state.composeStartedAt
      && !confirm(_("The customer wrote again since you started this reply. Send it anyway?"))) return;
  const button = $("composer-send");
  button.disabled = true;
  try {
    const body = { text: text || null, private: isNote, attachment_ids: ready.map((file) => file.id) };
    if (!isNote && state.current?.kind === "comment") body.mode = $("comment-mode-select").value;
    keepMessage(await api("POST", `/conversations/${state.selectedId}/messages`, body));
    textarea.value = "";
    state.files = [];
    renderFiles();
    state.composeStartedAt = null;
    renderMessages({ scroll: "bottom" });
  } catch (error) {
    toast(error.message, "error");
  } finally {
    button.disabled = false;
    textarea.focus();
  }
}

function renderFiles() {
  $("composer-files").replaceChildren(...state.files.map((file) => el("span", { class: `file-chip${file.id ? "" : " uploading"}` },
    file.id ? file.name : _("Uploading {name}…", { name: file.name }),
    el("button", { type: "button", "aria-label": _("Remove"), onclick: () => { state.files = state.files.filter((f) => f !== file); renderFiles(); } }, "×"))));
}

async function attach(fileList) {
  for (const file of fileList) {
    const entry = { name: file.name, id: null };
    state.files.push(entry);
    renderFiles();
    try {
      Object.assign(entry, await upload(file));
    } catch (error) {
      state.files = state.files.filter((f) => f !== entry);
      toast(`${file.name}: ${error.message}`, "error");
    }
    renderFiles();
  }
}

// ---- presence -------------------------------------------------------------------------

function renderViewers() {
  const now = Date.now();
  const others = [...state.viewers.values()].filter((viewer) => now - viewer.seen < 45000);
  const bar = $("viewers");
  if (others.length === 0) {
    bar.hidden = true;
    return;
  }
  const typing = others.filter((viewer) => viewer.state === "typing" && now - viewer.seen < 6000).map((v) => v.name);
  const viewing = others.filter((viewer) => !typing.includes(viewer.name)).map((v) => v.name);
  const parts = [];
  if (typing.length) parts.push(_("{names} typing…", { names: typing.join(", ") }));
  if (viewing.length) parts.push(_("{names} also viewing", { names: viewing.join(", ") }));
  bar.textContent = parts.join(" · ");
  bar.hidden = false;
}

// ---- live events ----------------------------------------------------------------------

async function onEvent(event) {
  const data = event.data;
  if (event.type.startsWith("conversation.")) {
    upsertConversation(data);
    return;
  }
  if (!event.type.startsWith("message.")) return;
  if (data.conversation_id === state.selectedId) {
    keepMessage(data);
    if (data.direction === "in" && event.type === "message.created") {
      state.customerWroteAt = data.created_at;
      api("GET", `/conversations/${data.conversation_id}`).then(renderThreadHeader).catch(() => null);
    }
    renderMessages();
  }
  if (event.type !== "message.created" || data.kind === "activity") return;
  const conversation = state.conversations.get(data.conversation_id);
  if (!conversation) {
    const fresh = await api("GET", `/conversations/${data.conversation_id}`).catch(() => null);
    if (fresh) upsertConversation(fresh);
    return;
  }
  if (data.kind === "message") {
    conversation.last_message = { text: data.text || `[${data.attachments[0]?.type || ""}]`, direction: data.direction, kind: data.kind, created_at: data.created_at };
    conversation.last_message_at = data.created_at;
    if (data.direction === "in") {
      if (data.conversation_id === state.selectedId && document.hasFocus()) {
        api("POST", `/conversations/${data.conversation_id}/read`).catch(() => null);
      } else {
        conversation.unread_count += 1;
      }
    }
  }
  renderList();
}

function onPresence(message) {
  if (message.conversation_id !== state.selectedId) return;
  if (message.state === "left") state.viewers.delete(message.agent.id);
  else state.viewers.set(message.agent.id, { name: message.agent.name, state: message.state, seen: Date.now() });
  renderViewers();
}

function onViewers(message) {
  if (message.conversation_id !== state.selectedId) return;
  for (const agent of message.agents) state.viewers.set(agent.id, { name: agent.name, state: agent.state, seen: agent.at * 1000 });
  renderViewers();
}

const live = new Live({
  onEvent, onPresence, onViewers,
  onReconnect: () => { loadList(); if (state.selectedId) select(state.selectedId); },
});
setInterval(renderViewers, 5000);

// ---- keyboard -------------------------------------------------------------------------

function move(step) {
  const ids = sortedConversations().map((c) => c.id);
  if (ids.length === 0) return;
  const index = ids.indexOf(state.selectedId);
  const next = index === -1 ? 0 : Math.min(ids.length - 1, Math.max(0, index + step));
  select(ids[next]);
}

document.addEventListener("keydown", (event) => {
  const typing = event.target.closest("input, textarea, select");
  if (event.target.id === "composer-text") {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) send(event);
    else if (event.key === "Escape") event.target.blur();
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const conversation = state.current && state.current.id === state.selectedId ? state.current : null;
  const actions = {
    j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
    r: () => conversation && setMode("reply"), n: () => conversation && setMode("note"),
    e: () => conversation && setStatus(conversation.status === "resolved" ? "open" : "resolved"),
    p: () => conversation && setStatus("pending"), z: () => conversation && setStatus("snoozed"),
    a: () => conversation && patch({ assignee_id: me.id }),
    "?": () => $("shortcuts").showModal(),
  };
  const action = actions[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});

// ---- wiring ---------------------------------------------------------------------------

for (const button of document.querySelectorAll("#views button")) button.addEventListener("click", () => setFilter({ view: button.dataset.view }));
for (const button of document.querySelectorAll("#statuses button")) button.addEventListener("click", () => setFilter({ status: button.dataset.status }));
for (const button of document.querySelectorAll("#status-actions button")) button.addEventListener("click", () => setStatus(button.dataset.setStatus));
for (const tab of document.querySelectorAll(".composer-tabs button")) tab.addEventListener("click", () => setMode(tab.dataset.mode));
$("assignee-select").addEventListener("change", (event) => patch({ assignee_id: event.target.value || null }));
$("team-select").addEventListener("change", (event) => patch({ team_id: event.target.value || null }));
$("priority-select").addEventListener("change", (event) => patch({ priority: event.target.value || null }));
$("composer").addEventListener("submit", send);
$("composer-attach").addEventListener("change", (event) => { attach([...event.target.files]); event.target.value = ""; });
$("composer").addEventListener("dragover", (event) => event.preventDefault());
$("composer").addEventListener("drop", (event) => { event.preventDefault(); attach([...event.dataTransfer.files]); });
$("composer-text").addEventListener("paste", (event) => {
  const pasted = [...(event.clipboardData?.files || [])];
  if (pasted.length) { event.preventDefault(); attach(pasted); }
});
$("composer-text").addEventListener("input", () => {
  state.composeStartedAt ??= new Date().toISOString();
  if (state.mode === "reply") live.typing();
});
$("load-more").addEventListener("click", () => loadList({ more: true }));
window.addEventListener("focus", () => {
  const conversation = state.conversations.get(state.selectedId);
  if (conversation?.unread_count) api("POST", `/conversations/${conversation.id}/read`).then(upsertConversation).catch(() => null);
});

renderFilters();
loadList().then(() => state.selectedId && select(state.selectedId));
setupAvailability(me);
