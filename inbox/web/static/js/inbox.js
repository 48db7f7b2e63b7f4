// The shared inbox: conversation list, thread, composer, live updates, keyboard.

import {
  _, api, el, shortTime, timeElement, toast, initials, colourFor, channelDot, CHANNEL_LABELS, setupAvailability,
} from "./core.js";
import { Live, Viewers } from "./live.js";
import { Thread, PRIORITY_LABELS, statusLabel, newer } from "./thread.js";
import { Composer } from "./composer.js";
import { Bell } from "./bell.js";
import { ShortcutBar } from "./shortcuts.js";
import { responseDueNode } from "./due.js";
import { ContactCard, tagChips } from "./contact_card.js";
import { showPreview, withNotify } from "./customer_notice.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const me = boot.me;
const agentsById = new Map(boot.agents.map((agent) => [agent.id, agent]));
const teamsById = new Map(boot.teams.map((team) => [team.id, team]));
const channelsById = new Map(boot.channels.map((channel) => [channel.id, channel]));
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const state = {
  view: params.get("view") || localStorage.getItem("inbox.view") || "all",
  status: params.get("status") || "open",
  channel: params.get("channel") || null,
  q: params.get("q") || "",
  conversations: new Map(),
  nextCursor: null,
  loadingList: false,
  selectedId: params.get("c"),
  ticketNumbers: new Map(),
};

// ---- the list -------------------------------------------------------------------------

function listQuery(cursor) {
  const query = new URLSearchParams({ limit: "30" });
  if (state.q) query.set("q", state.q);
  else query.set("status", state.status);
  if (state.view === "mine") query.set("assignee", "me");
  if (state.view === "unassigned") query.set("assignee", "none");
  if (state.channel) query.set("channel", state.channel);
  if (cursor) query.set("cursor", cursor);
  return query;
}

function matchesFilters(conversation) {
  if (state.q) return state.conversations.has(conversation.id); // search results stay as found
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
  if (items.length === 0 && state.q) {
    list.replaceChildren(el("li", { class: "list-empty" },
      el("strong", {}, _("Nothing found")),
      _("No conversation matches these words. Names, phones and emails match as you type; message words match whole.")));
  } else if (items.length === 0) {
    list.replaceChildren(el("li", { class: "list-empty" },
      el("strong", {}, _("No conversations here")),
      _("New conversations will appear here as customers write.")));
  } else {
    list.replaceChildren(...items.map(conversationItem));
  }
  $("load-more").hidden = !state.nextCursor;
  $("list-title").textContent = state.q
    ? _("Search: {words}", { words: state.q })
    : `${VIEW_LABELS[state.view]} · ${statusLabel(state.status)}`;
}

const VIEW_LABELS = { mine: _("Mine"), unassigned: _("Unassigned"), all: _("All") };

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
        conversation.tags.length ? el("span", { class: "tags" }, ...tagChips(conversation.tags.slice(0, 2))) : null,
        responseDueNode(conversation),
        assignee ? el("span", { class: "assignee-chip", style: `background:${colourFor(assignee.name)}`, title: _("Assigned to {name}", { name: assignee.name }) }, initials(assignee.name)) : null,
        conversation.unread_count ? el("span", { class: "unread-badge", "aria-label": _("unread") }, conversation.unread_count) : null)),
  );
}

function upsertConversation(conversation) {
  const known = state.conversations.get(conversation.id) || (state.current?.id === conversation.id ? state.current : null);
  if (!newer(known, conversation)) return;
  if (matchesFilters(conversation)) state.conversations.set(conversation.id, conversation);
  else state.conversations.delete(conversation.id);
  renderList();
  if (conversation.id === state.selectedId) renderThreadHeader(conversation);
}

// ---- filters --------------------------------------------------------------------------

function renderFilters() {
  for (const button of document.querySelectorAll("#views button")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === state.view));
  }
  for (const button of document.querySelectorAll("#statuses button")) {
    button.setAttribute("aria-pressed", String(!state.q && button.dataset.status === state.status)); // a search covers every status
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
  showFolders(false);  // on a phone the drawer closes once a folder is chosen
  Object.assign(state, changes);
  localStorage.setItem("inbox.view", state.view);
  syncUrl();
  renderFilters();
  loadList();
}

function syncUrl() {
  const query = new URLSearchParams({ view: state.view, status: state.status });
  if (state.channel) query.set("channel", state.channel);
  if (state.q) query.set("q", state.q);
  if (state.selectedId) query.set("c", state.selectedId);
  history.replaceState(null, "", `/inbox?${query}`);
}

// ---- the thread -----------------------------------------------------------------------

/** Fetch the open conversation again after a shortcut; it may have left this agent's view. */
async function refreshCurrent() {
  const id = state.selectedId;
  try {
    const conversation = await api("GET", `/conversations/${id}`);
    upsertConversation(conversation);
    if (state.selectedId === id) renderThreadHeader(conversation);
  } catch (error) {
    if (error.status !== 404) return;
    state.conversations.delete(id);
    renderList();
    closeThread();
    toast(_("The conversation went to another team and left your inbox."));
  }
}

/** On a phone the folders are a drawer over the list. */
function showFolders(open) {
  $("inbox").classList.toggle("show-folders", open);
  $("folders-open").setAttribute("aria-expanded", String(open));
}

function closeThread() {
  state.selectedId = null;
  syncUrl();
  $("inbox").classList.remove("has-selection");
  $("thread").hidden = true;
  $("details").hidden = true;
  $("thread-empty").hidden = false;
}

async function select(conversationId) {
  state.selectedId = conversationId;
  thread.clear();
  viewers.watch(conversationId);
  composer.reset();
  composer.setContext({});
  syncUrl();
  for (const item of document.querySelectorAll(".conversation")) {
    item.setAttribute("aria-selected", String(item.dataset.id === conversationId));
  }
  document.querySelector(`.conversation[data-id="${conversationId}"]`)?.scrollIntoView({ block: "nearest" });
  $("inbox").classList.add("has-selection");
  $("thread-empty").hidden = true;
  $("thread").hidden = false;
  $("details").hidden = false;
  thread.loading();
  live.view({ conversation_id: conversationId });
  try {
    const [conversation] = await Promise.all([api("GET", `/conversations/${conversationId}`), thread.fetchPage()]);
    if (state.selectedId !== conversationId) return;
    renderThreadHeader(conversation);
    shortcutBar.show(conversationId);
    thread.render({ scroll: "bottom" });
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
  $("thread-tags").replaceChildren(...tagChips(conversation.tags));
  for (const button of document.querySelectorAll("#status-actions button")) {
    const target = button.dataset.setStatus;
    button.hidden = target === conversation.status || (conversation.status === "resolved" && target !== "open");
  }
  $("take-over").hidden = conversation.status !== "bot";
  $("give-back").hidden = !["open", "pending"].includes(conversation.status) || Boolean(conversation.ticket_id) || !channelsById.get(conversation.channel.id)?.bot;
  fillSelect($("assignee-select"), [["", _("Unassigned")], ...boot.agents.filter((a) => a.active).map((a) => [a.id, a.name])], conversation.assignee_id || "");
  fillSelect($("team-select"), [["", _("No team")], ...boot.teams.map((t) => [t.id, t.name])], conversation.team_id || "");
  $("priority-select").value = conversation.priority || "";
  composer.setContext({ window: conversation.reply_window || composer.window, kind: conversation.kind });
  renderTicketChip(conversation);
  renderDetails(conversation);
}

/** A ticketed conversation links to its ticket; the others offer to become one. */
async function renderTicketChip(conversation) {
  const chip = $("thread-ticket");
  $("promote").hidden = Boolean(conversation.ticket_id);
  chip.hidden = !conversation.ticket_id;
  if (!conversation.ticket_id) return;
  chip.href = `/tickets/${conversation.ticket_id}`;
  if (!state.ticketNumbers.has(conversation.ticket_id)) {
    chip.textContent = _("Ticket");
    const ticket = await api("GET", `/tickets/${conversation.ticket_id}`).catch(() => null);
    if (ticket) state.ticketNumbers.set(ticket.id, ticket.number);
  }
  chip.textContent = state.ticketNumbers.get(conversation.ticket_id) || _("Ticket");
}

function openPromote() {
  const conversation = state.current;
  if (!conversation || conversation.ticket_id) return;
  const form = $("promote-form");
  const firstCustomerText = thread.ordered().find((m) => m.direction === "in" && m.text)?.text || "";
  form.title.value = (conversation.subject || firstCustomerText.split("\n")[0] || conversation.contact.name).slice(0, 200);
  form.priority.value = conversation.priority || "medium";
  form.summary.value = "";
  $("promote-error").hidden = true;
  state.promoteNotify = showPreview($("promote-notice"), `/conversations/${conversation.id}/customer-update`, "promote");
  $("promote-dialog").showModal();
  form.title.select();
}

async function promote(event) {
  event.preventDefault();
  const form = $("promote-form");
  const body = { title: form.title.value.trim(), priority: form.priority.value };
  if (form.summary.value.trim()) body.summary = form.summary.value.trim();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const notify = (await state.promoteNotify)();
    const ticket = await api("POST", withNotify(`/conversations/${state.selectedId}/ticket`, notify), body);
    state.ticketNumbers.set(ticket.id, ticket.number);
    $("promote-dialog").close();
    toast(_("Ticket {number} opened.", { number: ticket.number }));
    upsertConversation(await api("GET", `/conversations/${state.selectedId}`));
  } catch (error) {
    const existing = error.details?.ticket;
    $("promote-error").replaceChildren(error.message, existing
      ? el("a", { href: `/tickets/${existing.id}` }, " ", _("Open {number}", { number: existing.number })) : "");
    $("promote-error").hidden = false;
  } finally {
    button.disabled = false;
  }
}

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([optionValue, label]) => el("option", { value: optionValue }, label)));
  select.value = value;
}

function renderDetails(conversation) {
  const card = `${conversation.id}:${conversation.contact.id}`;
  if (state.card !== card) {
    state.card = card;
    contactCard.show(conversation.contact.id);
  }
  const fact = (label, value) => [el("dt", {}, label), el("dd", {}, value)];
  const assignee = agentsById.get(conversation.assignee_id);
  const team = teamsById.get(conversation.team_id);
  $("conversation-facts").replaceChildren(
    ...fact(_("Channel"), `${CHANNEL_LABELS[conversation.channel.kind] || conversation.channel.kind} (${conversation.channel.name})`),
    ...fact(_("Status"), statusLabel(conversation.status)),
    ...fact(_("Assignee"), assignee ? assignee.name : _("Unassigned")),
    ...fact(_("Team"), team ? team.name : _("No team")),
    ...fact(_("Priority"), PRIORITY_LABELS[conversation.priority] || "—"),
    ...fact(_("Started"), timeElement(conversation.created_at, shortTime(conversation.created_at))),
    ...(conversation.tags.length ? fact(_("Tags"), el("span", { class: "tags" }, ...tagChips(conversation.tags))) : []),
    ...(conversation.snoozed_until ? fact(_("Snoozed until"), timeElement(conversation.snoozed_until, shortTime(conversation.snoozed_until))) : []),
  );
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

// ---- live events ----------------------------------------------------------------------

async function onEvent(event) {
  const data = event.data;
  if (event.type.startsWith("contact.")) {
    contactCard.onContactEvent(data);
    return;
  }
  if (event.type.startsWith("conversation.")) {
    upsertConversation(data);
    return;
  }
  if (!event.type.startsWith("message.")) return;
  if (data.conversation_id === state.selectedId) {
    thread.keep(data);
    if (data.direction === "in" && event.type === "message.created") {
      api("GET", `/conversations/${data.conversation_id}`).then(renderThreadHeader).catch(() => null);
    }
    thread.render();
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

const directory = { agentsById, teamsById };
const thread = new Thread($("messages"), directory, () => `/conversations/${state.selectedId}/messages`);
const viewers = new Viewers($("viewers"), "conversation_id");
const shortcutBar = new ShortcutBar($("shortcut-bar"), { kind: "conversation", directory: boot, onDone: refreshCurrent });
const bell = new Bell();
const contactCard = new ContactCard($("contact-card"), { currentId: () => state.selectedId });
const live = new Live({
  onEvent: (event) => (event.type === "notification.created" ? bell.add(event.data) : onEvent(event)),
  onPresence: (message) => viewers.onPresence(message),
  onViewers: (message) => viewers.onViewers(message),
  onReconnect: () => { loadList(); bell.load(); if (state.selectedId) select(state.selectedId); },
});
const composer = new Composer({
  agents: boot.agents.filter((agent) => agent.id !== me.id),
  post: (body) => api("POST", `/conversations/${state.selectedId}/messages`, body),
  seenUntil: () => thread.seenUntil(),
  onSent: (message) => { thread.keep(message); thread.render({ scroll: "bottom" }); },
  onTyping: () => live.typing(),
  renderCanned: (id) => api("POST", `/canned-responses/${id}/render`, { conversation_id: state.selectedId }).then((answer) => answer.text),
});

// ---- keyboard -------------------------------------------------------------------------

function move(step) {
  const ids = sortedConversations().map((c) => c.id);
  if (ids.length === 0) return;
  const index = ids.indexOf(state.selectedId);
  const next = index === -1 ? 0 : Math.min(ids.length - 1, Math.max(0, index + step));
  select(ids[next]);
}

document.addEventListener("keydown", (event) => {
  const typing = event.target.closest("input, textarea, select, dialog");
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const conversation = state.current && state.current.id === state.selectedId ? state.current : null;
  const actions = {
    j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
    r: () => conversation && composer.setMode("reply"), n: () => conversation && composer.setMode("note"),
    t: () => conversation && openPromote(),
    x: () => conversation && shortcutBar.escalate(),
    e: () => conversation && setStatus(conversation.status === "resolved" ? "open" : "resolved"),
    p: () => conversation && setStatus("pending"), z: () => conversation && setStatus("snoozed"),
    a: () => conversation && patch({ assignee_id: me.id }),
    "/": () => $("search").focus(),
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
$("assignee-select").addEventListener("change", (event) => patch({ assignee_id: event.target.value || null }));
$("team-select").addEventListener("change", (event) => patch({ team_id: event.target.value || null }));
$("priority-select").addEventListener("change", (event) => patch({ priority: event.target.value || null }));
$("promote").addEventListener("click", openPromote);
$("thread-back").addEventListener("click", closeThread);
$("folders-open").addEventListener("click", () => showFolders(!$("inbox").classList.contains("show-folders")));
$("inbox").addEventListener("click", (event) => {  // a tap beside the drawer closes it
  if ($("inbox").classList.contains("show-folders") && !event.target.closest("#folders, #folders-open")) showFolders(false);
});
$("take-over").addEventListener("click", () => patch({ status: "open", assignee_id: me.id }));
$("give-back").addEventListener("click", () => patch({ status: "bot", assignee_id: null }));
$("promote-form").addEventListener("submit", promote);
$("promote-cancel").addEventListener("click", () => $("promote-dialog").close());
$("load-more").addEventListener("click", () => loadList({ more: true }));
let searchTimer = null;
$("search").value = state.q;
$("search").addEventListener("input", (event) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => setFilter({ q: event.target.value.trim() }), 250);
});
$("search").addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    event.target.value = "";
    setFilter({ q: "" });
    event.target.blur();
  }
});
$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(searchTimer);
  setFilter({ q: $("search").value.trim() });
});
window.addEventListener("focus", () => {
  const conversation = state.conversations.get(state.selectedId);
  if (conversation?.unread_count) api("POST", `/conversations/${conversation.id}/read`).then(upsertConversation).catch(() => null);
});

renderFilters();
loadList().then(() => state.selectedId && select(state.selectedId));
setInterval(renderList, 30000); // response timers count down
setupAvailability(me);
