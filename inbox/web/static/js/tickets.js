// The ticket lists: views, filters, search, saved views, bulk changes, the board; live.

import { _, api, el, shortTime, timeElement, toast, initials, colourFor, channelDot, setupAvailability } from "./core.js";
import { Live } from "./live.js";
import { Bell } from "./bell.js";
import { PRIORITY_LABELS, TICKET_STATUS_LABELS, newer } from "./thread.js";
import { dueNode } from "./due.js";
import { confirmChange, rememberChoice, rememberedChoice, withNotify } from "./customer_notice.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const me = boot.me;
const agentsById = new Map(boot.agents.map((agent) => [agent.id, agent]));
const $ = (id) => document.getElementById(id);
const OPEN = ["new", "open", "pending", "on_hold"];
const BOARD_COLUMNS = ["new", "open", "pending", "on_hold", "resolved"];
const FILTERS = ["priority", "team", "assignee", "category", "channel", "tag", "from", "to"];
const VIEW_TITLES = {
  mine: _("My open tickets"), team: _("My teams"), unassigned: _("Unassigned"), all: _("All open"),
  done: _("Resolved and closed"), saved: _("Saved view"),
};

const params = new URLSearchParams(location.search);
const state = {
  view: params.get("view") || "mine",
  q: params.get("q") || "",
  layout: params.get("layout") || localStorage.getItem("tickets.layout") || "list",
  filters: Object.fromEntries(FILTERS.map((name) => [name, params.get(name) || ""])),
  savedName: null,
  tickets: new Map(),
  order: [],
  nextCursor: null,
  selected: new Set(),
  focus: -1,
  loading: false,
  views: boot.views,
};

// ---- the query ------------------------------------------------------------------------

function statuses() {
  if (state.view === "done") return ["resolved", "closed"];
  return state.layout === "board" ? BOARD_COLUMNS : OPEN;
}

function apiQuery(cursor) {
  const query = new URLSearchParams({ limit: state.layout === "board" ? "100" : "50", status: statuses().join(",") });
  if (state.view === "mine" || state.view === "team") query.set("view", state.view);
  else query.set("view", "all");
  if (state.view === "unassigned") query.set("assignee", "none");
  const { filters } = state;
  for (const name of ["priority", "team", "category", "channel", "tag"]) if (filters[name]) query.set(name, filters[name]);
  if (filters.assignee) query.set("assignee", filters.assignee);
  if (filters.from) query.set("created_from", new Date(`${filters.from}T00:00:00`).toISOString());
  if (filters.to) query.set("created_to", new Date(`${filters.to}T23:59:59`).toISOString());
  if (state.q.trim()) query.set("q", state.q.trim());
  if (cursor) query.set("cursor", cursor);
  return query;
}

function syncUrl() {
  const query = new URLSearchParams({ view: state.view, layout: state.layout });
  if (state.q) query.set("q", state.q);
  for (const [name, value] of Object.entries(state.filters)) if (value) query.set(name, value);
  history.replaceState(null, "", `/tickets?${query}`);
}

// ---- loading --------------------------------------------------------------------------

async function load({ more = false } = {}) {
  if (state.loading && more) return;
  state.loading = true;
  const asked = apiQuery(more ? state.nextCursor : null).toString();
  state.asked = asked;
  if (!more) {
    state.tickets.clear();
    state.order = [];
    state.selected.clear();
    showLoading();
  }
  $("tickets-banner").hidden = true;
  try {
    const page = await api("GET", `/tickets?${asked}`);
    if (state.asked !== asked) return; // a newer query replaced this one
    for (const ticket of page.items) {
      state.tickets.set(ticket.id, ticket);
      state.order.push(ticket.id);
    }
    state.nextCursor = page.next_cursor;
    render();
  } catch (error) {
    $("ticket-rows").replaceChildren();
    $("ticket-board").replaceChildren();
    const banner = $("tickets-banner");
    banner.replaceChildren(el("span", {}, error.message), el("button", { type: "button", onclick: () => load() }, _("Try again")));
    banner.hidden = false;
  } finally {
    state.loading = false;
  }
}

function showLoading() {
  const skeleton = () => el("tr", { class: "skeleton-row", "aria-hidden": "true" }, el("td", { colspan: "8" }, el("div", { class: "skeleton" })));
  $("ticket-rows").replaceChildren(...Array.from({ length: 4 }, skeleton));
  $("ticket-board").replaceChildren(el("div", { class: "skeleton" }));
}

let reloadTimer = null;
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => load(), 400);
}

// ---- drawing --------------------------------------------------------------------------

function render() {
  renderSidebar();
  $("ticket-list-view").hidden = state.layout !== "list";
  $("ticket-board").hidden = state.layout !== "board";
  for (const button of document.querySelectorAll(".layout-switch button")) {
    button.setAttribute("aria-pressed", String(button.dataset.layout === state.layout));
  }
  $("tickets-title").textContent = state.savedName || VIEW_TITLES[state.view];
  if (state.layout === "list") renderList();
  else renderBoard();
  renderBulkBar();
}

function visibleTickets() {
  return state.order.map((id) => state.tickets.get(id)).filter(Boolean);
}

function renderList() {
  const tickets = visibleTickets();
  const rows = $("ticket-rows");
  if (tickets.length === 0) {
    rows.replaceChildren(el("tr", {}, el("td", { colspan: "8", class: "list-empty" },
      el("strong", {}, state.q ? _("No ticket matches your search") : _("No tickets here")),
      state.q ? _("Try fewer words; accents do not matter.") : _("Promote a conversation from the inbox, or pick another view."))));
  } else {
    rows.replaceChildren(...tickets.map((ticket, index) => ticketRow(ticket, index)));
  }
  $("tickets-more").hidden = !state.nextCursor;
  $("select-all").checked = tickets.length > 0 && tickets.every((t) => state.selected.has(t.id));
}

function assigneeChips(ticket) {
  return el("span", { class: "chips" }, ...ticket.assignee_ids.map((id) => {
    const agent = agentsById.get(id);
    const name = agent?.name || "?";
    const owner = id === ticket.owner_id;
    return el("span", { class: `assignee-chip${owner ? " owner" : ""}`, style: `background:${colourFor(name)}`, title: owner ? _("{name} (owner)", { name }) : name }, initials(name));
  }));
}

function ticketRow(ticket, index) {
  const open = () => { location.href = `/tickets/${ticket.number}`; };
  return el("tr", {
    class: `ticket-row${index === state.focus ? " focused" : ""}`, dataset: { id: ticket.id }, tabindex: "-1",
    onclick: (event) => { if (!event.target.closest("input, a")) open(); },
  },
    el("td", { class: "check" }, el("input", {
      type: "checkbox", "aria-label": _("Select {number}", { number: ticket.number }), checked: state.selected.has(ticket.id),
      onchange: (event) => toggleSelected(ticket.id, event.target.checked),
    })),
    el("td", { class: "title-cell" },
      el("a", { href: `/tickets/${ticket.number}`, class: "number" }, ticket.number),
      el("span", { class: "title" }, ticket.title),
      ticket.tags.length ? el("span", { class: "tags" }, ...ticket.tags.map((tag) => el("span", { class: "tag" }, tag))) : null),
    el("td", {}, ticket.channel ? channelDot(ticket.channel.kind) : null, " ", ticket.contact.name),
    el("td", {}, el("span", { class: "status-pill", dataset: { status: ticket.status } }, TICKET_STATUS_LABELS[ticket.status])),
    el("td", {}, el("span", { class: `priority priority-${ticket.priority}` }, PRIORITY_LABELS[ticket.priority])),
    el("td", {}, dueNode(ticket)),
    el("td", {}, assigneeChips(ticket)),
    el("td", { class: "muted" }, timeElement(ticket.updated_at, shortTime(ticket.updated_at))),
  );
}

function renderBoard() {
  const board = $("ticket-board");
  const columns = statuses().map((status) => {
    const cards = visibleTickets().filter((ticket) => ticket.status === status);
    return el("section", {
      class: "board-column", dataset: { status }, "aria-label": TICKET_STATUS_LABELS[status],
      ondragover: (event) => { event.preventDefault(); event.currentTarget.classList.add("drop-target"); },
      ondragleave: (event) => event.currentTarget.classList.remove("drop-target"),
      ondrop: (event) => {
        event.preventDefault();
        event.currentTarget.classList.remove("drop-target");
        moveTicket(event.dataTransfer.getData("text/plain"), status);
      },
    },
      el("h2", {}, TICKET_STATUS_LABELS[status], el("span", { class: "count" }, cards.length)),
      ...(cards.length ? cards.map(boardCard) : [el("p", { class: "muted small board-empty" }, _("Drop a ticket here"))]));
  });
  board.replaceChildren(...columns);
  if (state.nextCursor) board.append(el("p", { class: "muted small" }, _("Showing the first 100 tickets; narrow the filters to see the rest.")));
}

function boardCard(ticket) {
  return el("article", {
    class: "board-card", draggable: "true", dataset: { id: ticket.id }, tabindex: "0",
    ondragstart: (event) => { event.dataTransfer.setData("text/plain", ticket.id); event.dataTransfer.effectAllowed = "move"; },
    onkeydown: (event) => { if (event.key === "Enter") location.href = `/tickets/${ticket.number}`; },
  },
    el("div", { class: "row" },
      el("a", { href: `/tickets/${ticket.number}`, class: "number" }, ticket.number),
      el("span", { class: `priority priority-${ticket.priority}` }, PRIORITY_LABELS[ticket.priority])),
    el("div", { class: "title" }, ticket.title),
    el("div", { class: "row muted small" }, ticket.contact.name, dueNode(ticket), assigneeChips(ticket)));
}

/** Dragging a card to another column changes its status (put back if the server refuses). */
async function moveTicket(ticketId, status) {
  const ticket = state.tickets.get(ticketId);
  if (!ticket || ticket.status === status) return;
  const before = ticket.status;
  ticket.status = status;
  render();
  const notify = await confirmChange(`/tickets/${ticketId}/customer-update?status=${status}`, "status",
    _("Move {number} to {status}", { number: ticket.number, status: TICKET_STATUS_LABELS[status] }));
  if (notify === null) {  // cancelled: the card goes back
    ticket.status = before;
    render();
    return;
  }
  try {
    const updated = await api("PATCH", withNotify(`/tickets/${ticketId}`, notify), { status });
    state.tickets.set(updated.id, updated);
    toast(_("{number} is now {status}.", { number: updated.number, status: TICKET_STATUS_LABELS[status] }));
  } catch (error) {
    ticket.status = before;
    toast(refusal(error), "error");
  }
  render();
}

/** The server's refusal of a move, in the reader's words. */
function refusal(error) {
  if (error.code !== "invalid_transition" || !error.details) return error.message;
  const { from, to, allowed } = error.details;
  return _("A ticket that is {from} cannot become {to}; it can become {allowed}.", {
    from: TICKET_STATUS_LABELS[from] || from, to: TICKET_STATUS_LABELS[to] || to,
    allowed: allowed.map((status) => TICKET_STATUS_LABELS[status] || status).join(", "),
  });
}

// ---- sidebar, filters, saved views --------------------------------------------------------

function renderSidebar() {
  for (const button of document.querySelectorAll("#ticket-views button")) {
    button.setAttribute("aria-pressed", String(!state.savedName && button.dataset.view === state.view));
  }
  $("saved-views").replaceChildren(...(state.views.length ? state.views.map((view) => el("span", { class: "saved-view" },
    el("button", { type: "button", "aria-pressed": String(state.savedName === view.name), onclick: () => applyView(view) }, view.name),
    el("button", { type: "button", class: "link small", "aria-label": _("Delete view {name}", { name: view.name }), onclick: () => deleteView(view) }, "×"),
  )) : [el("p", { class: "muted small saved-empty" }, _("Set filters, then save them here."))]));
}

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([optionValue, label]) => el("option", { value: optionValue }, label)));
  select.value = value;
}

function categoryLabel(category) {
  const byId = new Map(boot.categories.map((c) => [c.id, c]));
  const names = [];
  for (let at = category; at; at = byId.get(at.parent_id)) names.unshift(at.name);
  return names.join(" › ");
}

function renderFilters() {
  const { filters } = state;
  $("filter-priority").value = filters.priority;
  fillSelect($("filter-team"), [["", _("Any team")], ["none", _("No team")], ...boot.teams.map((t) => [t.id, t.name])], filters.team);
  fillSelect($("filter-assignee"), [["", _("Anyone")], ["me", _("Me")], ["none", _("Nobody")], ...boot.agents.map((a) => [a.id, a.name])], filters.assignee);
  fillSelect($("filter-category"), [["", _("Any category")], ...boot.categories.map((c) => [c.id, categoryLabel(c)])], filters.category);
  fillSelect($("filter-channel"), [["", _("Any channel")], ...boot.channels.map((c) => [c.id, c.name])], filters.channel);
  $("filter-tag").value = filters.tag;
  $("filter-from").value = filters.from;
  $("filter-to").value = filters.to;
  $("ticket-search").value = state.q;
}

function setView(view) {
  state.view = view;
  state.savedName = null;
  refresh();
}

function refresh() {
  syncUrl();
  renderFilters();
  render();
  load();
}

function applyView(view) {
  const query = view.query;
  state.view = query.view === "team" ? "team" : query.view === "mine" ? "mine" : "all";
  state.q = query.q || "";
  state.filters = Object.fromEntries(FILTERS.map((name) => [name, query[name] || ""]));
  state.savedName = view.name;
  refresh();
}

async function saveView() {
  const name = prompt(_("Name this view:"));
  if (!name?.trim()) return;
  const query = { view: state.view === "team" || state.view === "mine" ? state.view : "all" };
  if (state.q) query.q = state.q;
  for (const [key, value] of Object.entries(state.filters)) if (value) query[key] = value;
  try {
    const view = await api("POST", "/ticket-views", { name: name.trim(), query });
    state.views = [...state.views, view].sort((a, b) => a.name.localeCompare(b.name));
    state.savedName = view.name;
    render();
    toast(_("View {name} saved.", { name: view.name }));
  } catch (error) {
    toast(error.message, "error");
  }
}

async function deleteView(view) {
  if (!confirm(_("Delete the view {name}?", { name: view.name }))) return;
  try {
    await api("DELETE", `/ticket-views/${view.id}`);
    state.views = state.views.filter((v) => v.id !== view.id);
    if (state.savedName === view.name) state.savedName = null;
    render();
  } catch (error) {
    toast(error.message, "error");
  }
}

// ---- bulk changes ---------------------------------------------------------------------

function toggleSelected(ticketId, on) {
  if (on) state.selected.add(ticketId);
  else state.selected.delete(ticketId);
  renderBulkBar();
  $("select-all").checked = visibleTickets().every((t) => state.selected.has(t.id));
}

function renderBulkBar() {
  const count = state.selected.size;
  $("bulk-notify-label").hidden = !$("bulk-status").value;
  $("bulk-bar").hidden = count === 0 || state.layout !== "list";
  $("bulk-count").textContent = _("{n} selected", { n: count });
}

async function applyBulk() {
  const changes = {};
  if ($("bulk-status").value) changes.status = $("bulk-status").value;
  if ($("bulk-priority").value) changes.priority = $("bulk-priority").value;
  const assignee = $("bulk-assignee").value;
  if (assignee) changes.assignee_ids = assignee === "none" ? [] : [assignee];
  if (Object.keys(changes).length === 0) {
    toast(_("Choose a status, priority or assignee to apply."), "error");
    return;
  }
  try {
    const path = withNotify("/tickets/bulk", !changes.status || $("bulk-notify").checked);
    const result = await api("POST", path, { ids: [...state.selected], changes });
    for (const ticket of result.updated) state.tickets.set(ticket.id, ticket);
    state.selected.clear();
    const failed = result.failed.map((f) => `${state.tickets.get(f.id)?.number || f.id}: ${f.message}`);
    toast(_("{n} tickets changed.", { n: result.updated.length }));
    if (failed.length) toast(failed.join("\n"), "error");
    load();
  } catch (error) {
    toast(error.message, "error");
  }
}

// ---- live -----------------------------------------------------------------------------

function onEvent(event) {
  if (event.type === "notification.created") {
    bell.add(event.data);
    return;
  }
  if (event.type !== "ticket.created" && event.type !== "ticket.updated") return;
  const ticket = event.data;
  const known = state.tickets.get(ticket.id);
  if (!known) {
    reloadSoon();
    return;
  }
  if (!newer(known, ticket)) return;
  if (statuses().includes(ticket.status)) state.tickets.set(ticket.id, ticket);
  else state.tickets.delete(ticket.id);
  render();
}

const bell = new Bell();
new Live({ onEvent, onReconnect: () => { load(); bell.load(); } });

// ---- keyboard -------------------------------------------------------------------------

function moveFocus(step) {
  const tickets = visibleTickets();
  if (!tickets.length) return;
  state.focus = Math.min(tickets.length - 1, Math.max(0, state.focus + step));
  renderList();
  document.querySelector(".ticket-row.focused")?.scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select, dialog") || event.ctrlKey || event.metaKey || event.altKey) return;
  const focused = visibleTickets()[state.focus];
  const actions = {
    j: () => moveFocus(1), k: () => moveFocus(-1), ArrowDown: () => moveFocus(1), ArrowUp: () => moveFocus(-1),
    Enter: () => focused && (location.href = `/tickets/${focused.number}`),
    x: () => focused && (toggleSelected(focused.id, !state.selected.has(focused.id)), renderList()),
    "/": () => $("ticket-search").focus(),
    b: () => setLayout(state.layout === "list" ? "board" : "list"),
    "?": () => $("ticket-shortcuts").showModal(),
  };
  const action = actions[event.key];
  if (action && (state.layout === "list" || !["j", "k", "x", "Enter"].includes(event.key))) {
    event.preventDefault();
    action();
  }
});

function setLayout(layout) {
  state.layout = layout;
  localStorage.setItem("tickets.layout", layout);
  refresh();
}

// ---- wiring ---------------------------------------------------------------------------

for (const button of document.querySelectorAll("#ticket-views button")) button.addEventListener("click", () => setView(button.dataset.view));
for (const button of document.querySelectorAll(".layout-switch button")) button.addEventListener("click", () => setLayout(button.dataset.layout));
const filterInputs = { priority: "filter-priority", team: "filter-team", assignee: "filter-assignee", category: "filter-category", channel: "filter-channel", tag: "filter-tag", from: "filter-from", to: "filter-to" };
for (const [name, id] of Object.entries(filterInputs)) {
  $(id).addEventListener("change", (event) => { state.filters[name] = event.target.value.trim(); state.savedName = null; refresh(); });
}
let searchTimer = null;
$("ticket-search").addEventListener("input", (event) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => { state.q = event.target.value; syncUrl(); load(); }, 250);
});
$("ticket-search").addEventListener("keydown", (event) => { if (event.key === "Escape") event.target.blur(); });
$("clear-filters").addEventListener("click", () => { state.filters = Object.fromEntries(FILTERS.map((n) => [n, ""])); state.q = ""; state.savedName = null; refresh(); });
$("save-view").addEventListener("click", saveView);
$("tickets-more").addEventListener("click", () => load({ more: true }));
$("select-all").addEventListener("change", (event) => { for (const t of visibleTickets()) toggleSelected(t.id, event.target.checked); renderList(); });
fillSelect($("bulk-status"), [["", _("Status…")], ...Object.entries(TICKET_STATUS_LABELS)], "");
fillSelect($("bulk-priority"), [["", _("Priority…")], ...Object.entries(PRIORITY_LABELS)], "");
fillSelect($("bulk-assignee"), [["", _("Assignee…")], ["none", _("Nobody")], ...boot.agents.filter((a) => a.active).map((a) => [a.id, a.name])], "");
$("bulk-apply").addEventListener("click", applyBulk);
$("folders-open").addEventListener("click", () => {
  const open = !$("tickets").classList.contains("show-folders");
  $("tickets").classList.toggle("show-folders", open);
  $("folders-open").setAttribute("aria-expanded", String(open));
});
$("tickets").addEventListener("click", (event) => {  // a view chosen, or a tap beside: it closes
  const inside = event.target.closest("#ticket-folders, #folders-open");
  if (!inside || (inside.id === "ticket-folders" && event.target.closest("button"))) {
    $("tickets").classList.remove("show-folders");
    $("folders-open").setAttribute("aria-expanded", "false");
  }
});
$("bulk-status").addEventListener("change", renderBulkBar);
$("bulk-notify").checked = rememberedChoice("bulk");
$("bulk-notify").addEventListener("change", (event) => rememberChoice("bulk", event.target.checked));
$("bulk-clear").addEventListener("click", () => { state.selected.clear(); render(); });

renderFilters();
render();
load();
setInterval(render, 30000); // due times count down
setupAvailability(me);
