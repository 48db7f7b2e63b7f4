// One ticket: its thread and composer, every field, history, links and merging; live.

import { _, api, upload, el, fullTime, shortTime, timeElement, toast, setupAvailability } from "./core.js";
import { Live, Viewers } from "./live.js";
import { Bell } from "./bell.js";
import { Thread, PRIORITY_LABELS, TICKET_STATUS_LABELS, attachmentNode, csatNode, newer } from "./thread.js";
import { Composer } from "./composer.js";
import { dueNode, span, SLA_STATE_LABELS, SLA_TARGET_LABELS } from "./due.js";
import { ShortcutBar } from "./shortcuts.js";
import { ContactCard } from "./contact_card.js";
import { confirmChange, withNotify } from "./customer_notice.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const me = boot.me;
const agentsById = new Map(boot.agents.map((agent) => [agent.id, agent]));
const teamsById = new Map(boot.teams.map((team) => [team.id, team]));
const categoriesById = new Map(boot.categories.map((category) => [category.id, category]));
const $ = (id) => document.getElementById(id);
const contactCard = new ContactCard($("contact-card"));
let ticket = boot.ticket;

// ---- header and fields ------------------------------------------------------------------

function render() {
  document.title = `${ticket.number} · ${ticket.title}`;
  $("ticket-number").textContent = ticket.number;
  $("ticket-title").textContent = ticket.title;
  const pill = $("ticket-status");
  pill.dataset.status = ticket.status;
  pill.textContent = TICKET_STATUS_LABELS[ticket.status];
  renderFields();
  renderFacts();
  renderSla();
  renderLinks();
  const merged = Boolean(ticket.merged_into);
  $("merged-banner").hidden = !merged;
  if (merged) {
    $("merged-banner").replaceChildren(_("This ticket was merged and is read only."), " ",
      el("a", { href: `/tickets/${ticket.merged_into}` }, _("Open the ticket it was merged into")));
  }
  for (const control of document.querySelectorAll("#fields select, #fields input, #fields textarea, #link-form input, #merge-form input")) {
    control.disabled = merged;
  }
  $("composer").hidden = merged;
}

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([optionValue, label]) => el("option", { value: optionValue }, label)));
  select.value = value ?? "";
}

function categoryLabel(category) {
  const names = [];
  for (let at = category; at; at = categoriesById.get(at.parent_id)) names.unshift(at.name);
  return names.join(" › ");
}

function localInput(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  return new Date(when - when.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function renderFields() {
  fillSelect($("field-status"), Object.entries(TICKET_STATUS_LABELS), ticket.status);
  fillSelect($("field-priority"), Object.entries(PRIORITY_LABELS), ticket.priority);
  fillSelect($("field-team"), [["", _("No team")], ...boot.teams.map((t) => [t.id, t.name])], ticket.team_id);
  fillSelect($("field-owner"), [["", _("Nobody")], ...ticket.assignee_ids.map((id) => [id, agentsById.get(id)?.name || id])], ticket.owner_id);
  fillSelect($("field-category"), [["", _("No category")], ...boot.categories.map((c) => [c.id, categoryLabel(c)])], ticket.category_id);
  $("field-assignees").replaceChildren(...boot.agents.filter((a) => a.active || ticket.assignee_ids.includes(a.id)).map((agent) => el("label", { class: "check" },
    el("input", { type: "checkbox", value: agent.id, checked: ticket.assignee_ids.includes(agent.id), onchange: saveAssignees }),
    agent.name)));
  $("field-due").value = localInput(ticket.due_at);
  $("field-tags").value = ticket.tags.join(", ");
  $("field-deal").value = ticket.deal_ref || "";
  $("field-summary").value = ticket.summary || "";
  $("custom-fields").replaceChildren(...boot.fields.map(customInput));
  $("ticket-attachments").replaceChildren(...(ticket.attachments.length
    ? ticket.attachments.map(attachmentNode) : [el("span", { class: "muted small" }, _("None yet."))]));
}

async function attachFiles(files) {
  try {
    const uploaded = [];
    for (const file of files) uploaded.push(await upload(file));
    await saveFields({ attachment_ids: uploaded.map((file) => file.id) });
  } catch (error) {
    toast(error.message, "error");
  }
}

function customInput(field) {
  const value = ticket.custom[field.key] ?? "";
  const save = (raw) => {
    const typed = raw === "" ? null : field.type === "number" ? Number(raw) : raw;
    saveFields({ custom: { [field.key]: typed } });
  };
  let control;
  if (field.type === "select") {
    control = el("select", { onchange: (event) => save(event.target.value) },
      el("option", { value: "" }, "—"), ...field.options.map((option) => el("option", { value: option }, option)));
    control.value = value;
  } else {
    const type = { number: "number", date: "date" }[field.type] || "text";
    control = el("input", { type, value, step: field.type === "number" ? "any" : undefined, onchange: (event) => save(event.target.value) });
  }
  return el("label", {}, field.label + (field.required ? " *" : ""), control);
}

const SLA_TARGET_MEANING = {
  first_response: _("A person's first reply to the customer."),
  next_response: _("A reply each time the customer writes again."),
  resolution: _("The ticket resolved."),
};

/** The SLA card: each target's state and the business time left, from the server's calendar. */
async function renderSla() {
  const card = $("sla-card");
  card.hidden = !ticket.sla;
  if (!ticket.sla) return;
  const clocks = await api("GET", `/tickets/${ticket.id}/sla`).catch(() => null);
  if (!clocks?.sla) return;
  const pill = $("sla-state");
  pill.dataset.state = clocks.sla.state;
  pill.textContent = SLA_STATE_LABELS[clocks.sla.state] || "";
  $("sla-targets").replaceChildren(...Object.entries(clocks.sla.targets).map(([name, target]) => {
    const left = clocks.business_minutes_left[name];
    let text = SLA_STATE_LABELS[target.state];
    if (left !== undefined) {
      const amount = span(left * 60000);
      text = left < 0 ? _("overdue {span} (business time)", { span: amount }) : _("due in {span} (business time)", { span: amount });
    } else if (target.met_at) {
      const when = shortTime(target.met_at);
      text = target.late_minutes ? _("met at {time}, {span} late", { time: when, span: span(target.late_minutes * 60000) }) : _("met at {time}", { time: when });
    } else if (target.state === "paused") {
      text = _("paused while the ticket is {status}", { status: TICKET_STATUS_LABELS[ticket.status] || ticket.status });
    }
    return el("li", { class: `sla-target sla-${target.state}`, dataset: { target: name } },
      el("span", { class: "sla-name" }, SLA_TARGET_LABELS[name]),
      target.due_at && !target.met_at ? el("time", { datetime: target.due_at, title: fullTime(target.due_at) }, text, " · ", shortTime(target.due_at))
        : el("span", {}, text),
      el("span", { class: "muted small sla-means" }, SLA_TARGET_MEANING[name]),
      target.cycles ? el("span", { class: "muted small" }, _("{late} of {count} replies late", { late: target.late_cycles, count: target.cycles })) : null);
  }));
  $("sla-calendar").textContent = _("{policy}, counted in {calendar}", { policy: clocks.sla.policy_name, calendar: clocks.calendar });
}

function renderFacts() {
  if (contactCard.contactId !== ticket.contact.id) contactCard.show(ticket.contact.id);
  const fact = (label, value) => [el("dt", {}, label), el("dd", {}, value)];
  $("ticket-facts").replaceChildren(
    ...(ticket.channel ? fact(_("Channel"), ticket.channel.name) : fact(_("Channel"), _("none (notes only)"))),
    ...fact(_("Due"), dueNode(ticket)),
    ...fact(_("Opened"), timeElement(ticket.created_at, fullTime(ticket.created_at))),
    ...(ticket.resolved_at ? fact(_("Resolved"), timeElement(ticket.resolved_at, fullTime(ticket.resolved_at))) : []),
    ...fact(_("Conversations"), String(ticket.conversation_ids.length)),
    ...(ticket.csat ? fact(_("Satisfaction"), csatNode(ticket.csat, { comment: true })) : []),
  );
}

const NOTICE_STATUS = {
  queued: _("sending…"), sent: _("sent ✓"), failed: _("failed"), unknown: _("may not have arrived"),
};
const NOTICE_KINDS = { sign_in: _("sign-in link"), request_opened: _("request confirmed"), reply: _("answer") };

/** What the customer was told by email or SMS about this ticket, and whether it went. */
async function loadNotices() {
  const { items } = await api("GET", `/tickets/${ticket.id}/notices`).catch(() => ({ items: [] }));
  $("notices-box").hidden = items.length === 0;
  $("ticket-notices").replaceChildren(...items.map((notice) => el("li", { class: `notice-${notice.status}` },
    el("strong", {}, notice.via === "sms" ? "SMS" : _("Email")), " ",
    _("{what} to {to}", { what: NOTICE_KINDS[notice.kind] || notice.kind, to: notice.to }), " · ",
    timeElement(notice.created_at, fullTime(notice.created_at)), " · ",
    el("span", { class: "notice-status" }, NOTICE_STATUS[notice.status] || notice.status),
    notice.error ? el("div", { class: "muted small" }, notice.error) : null)));
}

/** One change at a time, as the agent makes it; a refusal puts the field back. */
async function saveFields(changes, notify = true) {
  const state = $("fields-saved");
  state.dataset.state = "saving";
  state.textContent = _("Saving…");
  try {
    const updated = await api("PATCH", withNotify(`/tickets/${ticket.id}`, notify), changes);
    if (newer(ticket, updated)) ticket = updated;
    state.dataset.state = "saved";
    state.textContent = _("Saved ✓ {time}", { time: shortTime(new Date().toISOString()) });
  } catch (error) {
    state.dataset.state = "failed";
    state.textContent = _("Not saved");
    toast(error.message, "error");
  }
  render();
}

/** Assignees change; when that gives the ticket a new owner, the customer may be told. */
async function saveAssignees() {
  const ids = [...document.querySelectorAll("#field-assignees input:checked")].map((box) => box.value);
  const owner = ids.includes(ticket.owner_id) ? ticket.owner_id : ids[0] || null;
  const notify = owner && owner !== ticket.owner_id
    ? await confirmChange(`/tickets/${ticket.id}/customer-update?owner_id=${owner}`, "owner_id", _("Change the owner"))
    : true;
  if (notify === null) render();
  else saveFields({ assignee_ids: ids }, notify);
}

function editTitle() {
  if (ticket.merged_into) return;
  const heading = $("ticket-title");
  const input = el("input", { class: "title-input", value: ticket.title, maxlength: "200", "aria-label": _("Title") });
  const finish = (keep) => {
    input.replaceWith(heading);
    const title = input.value.trim();
    if (keep && title && title !== ticket.title) saveFields({ title });
  };
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") finish(true);
    if (event.key === "Escape") finish(false);
  });
  input.addEventListener("blur", () => input.isConnected && finish(true));
  heading.replaceWith(input);
  input.select();
}

// ---- links and merging ------------------------------------------------------------------

const linked = new Map();

async function renderLinks() {
  const list = $("links");
  if (ticket.links.length === 0) {
    list.replaceChildren(el("li", { class: "muted small" }, _("No related tickets.")));
    return;
  }
  for (const id of ticket.links) {
    if (!linked.has(id)) linked.set(id, await api("GET", `/tickets/${id}`).catch(() => ({ id, number: "?", title: "" })));
  }
  list.replaceChildren(...ticket.links.map((id) => {
    const other = linked.get(id);
    return el("li", {},
      el("a", { href: `/tickets/${other.number}` }, other.number), " ", other.title, " ",
      el("button", { type: "button", class: "link small", "aria-label": _("Unlink {number}", { number: other.number }), onclick: () => unlink(other) }, "×"));
  }));
}

async function link(event) {
  event.preventDefault();
  const input = event.target.other;
  try {
    ticket = await api("POST", `/tickets/${ticket.id}/links`, { ticket_id: input.value.trim() });
    input.value = "";
    render();
  } catch (error) {
    toast(error.message, "error");
  }
}

async function unlink(other) {
  try {
    ticket = await api("DELETE", `/tickets/${ticket.id}/links/${other.id}`);
    render();
  } catch (error) {
    toast(error.message, "error");
  }
}

async function merge(event) {
  event.preventDefault();
  const into = event.target.into.value.trim();
  if (!confirm(_("Merge {number} into {into}? This ticket becomes read only.", { number: ticket.number, into }))) return;
  try {
    const survivor = await api("POST", `/tickets/${ticket.id}/merge`, { into });
    location.href = `/tickets/${survivor.number}`;
  } catch (error) {
    toast(error.message, "error");
  }
}

// ---- thread, history ----------------------------------------------------------------------

const thread = new Thread($("messages"), { agentsById, teamsById }, () => `/tickets/${ticket.id}/messages`);

async function loadThread() {
  thread.loading();
  try {
    thread.clear();
    await thread.fetchPage();
    thread.render({ scroll: "bottom" });
  } catch (error) {
    $("messages").replaceChildren(el("div", { class: "banner" }, error.message,
      el("button", { type: "button", onclick: loadThread }, _("Try again"))));
  }
}

/** Replies go to the ticket's latest conversation: its channel decides what is possible. */
async function loadReplyContext() {
  const latest = ticket.conversation_ids[ticket.conversation_ids.length - 1];
  $("start-on").hidden = Boolean(latest);
  if (!latest) {
    composer.setContext({ window: await reachWindow() });
    return;
  }
  const conversation = await api("GET", `/conversations/${latest}`).catch(() => null);
  composer.setContext({ window: conversation?.reply_window || null, kind: conversation?.kind || "message" });
}

/** A ticket without a conversation (a phone call): the reply starts one on a channel of the
 *  contact where the platform lets us write first; the others say why not. */
async function reachWindow() {
  const { items } = await api("GET", `/tickets/${ticket.id}/reach`).catch(() => ({ items: [] }));
  const reachable = items.filter((option) => option.possible);
  $("start-on-select").replaceChildren(...items.map((option) => el("option", {
    value: option.channel_id, disabled: !option.possible, title: option.note || "",
  }, `${option.channel_name} · ${option.recipient || "—"}${option.possible ? "" : ` (${option.note})`}`)));
  if (reachable.length) {
    $("start-on-select").value = reachable[0].channel_id;
    return { open: true, note: _("No conversation yet: your reply starts one on the channel you pick.") };
  }
  const reasons = items.map((option) => `${option.channel_name}: ${option.note}`).join(" ");
  $("start-on").hidden = true;
  const none = _("No channel can reach this customer first; add notes.");
  return { open: false, note: (none + " " + reasons).trim() };
}

const FIELD_LABELS = {
  created: _("opened the ticket"), status: _("Status"), priority: _("Priority"), title: _("Title"), summary: _("Summary"),
  team_id: _("Team"), assignee_ids: _("Assignees"), owner_id: _("Owner"), category_id: _("Category"), category_path: _("Category"),
  tags: _("Tags"), deal_ref: _("Deal / order"), due_at: _("Due"), custom: _("Custom fields"), attachments: _("Attachments"),
  link: _("Related ticket"), merged: _("merged in"), merged_into: _("merged into"),
};

function historyValue(field, value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) return "—";
  if (field === "status") return TICKET_STATUS_LABELS[value] || value;
  if (field === "priority") return PRIORITY_LABELS[value] || value;
  if (field === "team_id") return teamsById.get(value)?.name || value;
  if (field === "owner_id") return agentsById.get(value)?.name || value;
  if (field === "assignee_ids") return value.map((id) => agentsById.get(id)?.name || id).join(", ");
  if (field === "category_id") return categoryLabel(categoriesById.get(value)) || value;
  if (field === "due_at") return fullTime(value);
  if (field === "attachments") return value.map((a) => a.name).join(", ");
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${k}: ${v ?? "—"}`).join(", ");
  return String(value);
}

async function loadHistory() {
  const box = $("history");
  box.replaceChildren(el("li", { class: "skeleton" }));
  try {
    const page = await api("GET", `/tickets/${ticket.id}/history`);
    box.replaceChildren(...page.items.filter((entry) => entry.field !== "category_path").map((entry) => {
      const who = entry.actor.name || _("The system");
      const label = FIELD_LABELS[entry.field] || entry.field;
      const change = ["created", "merged", "merged_into"].includes(entry.field)
        ? `${who} ${label} ${entry.after ?? ""}`
        : `${who} · ${label}: ${historyValue(entry.field, entry.before)} → ${historyValue(entry.field, entry.after)}`;
      return el("li", {}, el("span", {}, change), timeElement(entry.at, shortTime(entry.at)));
    }).reverse());
  } catch (error) {
    box.replaceChildren(el("li", { class: "banner" }, error.message));
  }
}

function showTab(tab) {
  for (const button of document.querySelectorAll(".ticket-header [role=tab]")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === tab));
  }
  $("messages").hidden = tab !== "thread";
  $("history").hidden = tab !== "history";
  $("composer").hidden = tab !== "thread" || Boolean(ticket.merged_into);
  if (tab === "history") loadHistory();
}

// ---- live -------------------------------------------------------------------------------

const viewers = new Viewers($("viewers"), "ticket_id");
viewers.watch(ticket.id);
const bell = new Bell();
const live = new Live({
  onEvent: (event) => {
    if (event.type === "notification.created") bell.add(event.data);
    else if (event.type.startsWith("contact.")) contactCard.onContactEvent(event.data);
    else if (event.type === "notice.updated" && event.data.ticket_id === ticket.id) loadNotices();
    else if (event.type === "ticket.escalated" && event.data.ticket_id === ticket.id) {
      if (!$("history").hidden) loadHistory();
    } else if (["ticket.created", "ticket.updated", "csat.received"].includes(event.type) && event.data.id === ticket.id && newer(ticket, event.data)) {
      ticket = event.data;
      render();
      if (!$("history").hidden) loadHistory();
    } else if (event.type.startsWith("message.") && (ticket.conversation_ids.includes(event.data.conversation_id) || event.data.ticket_id === ticket.id)) {
      thread.keep(event.data);
      thread.render();
    }
  },
  onPresence: (message) => viewers.onPresence(message),
  onViewers: (message) => viewers.onViewers(message),
  onReconnect: () => { loadThread(); bell.load(); reloadTicket(); loadNotices(); },
});
live.view({ ticket_id: ticket.id });

const composer = new Composer({
  agents: boot.agents.filter((agent) => agent.id !== me.id),
  post: (body) => api("POST", `/tickets/${ticket.id}/messages`,
    !body.private && !$("start-on").hidden ? { ...body, channel_id: $("start-on-select").value } : body),
  seenUntil: () => thread.seenUntil(),
  onSent: (message) => {
    thread.keep(message);
    thread.render({ scroll: "bottom" });
    if (!$("start-on").hidden) reloadTicket().then(loadReplyContext);  // the reply started a conversation
  },
  onTyping: () => live.typing(),
  renderCanned: (id) => api("POST", `/canned-responses/${id}/render`, { ticket_id: ticket.id }).then((answer) => answer.text),
});

// ---- wiring -----------------------------------------------------------------------------

const simple = { "field-priority": "priority", "field-team": "team_id", "field-category": "category_id", "field-deal": "deal_ref", "field-summary": "summary" };
for (const [id, name] of Object.entries(simple)) {
  $(id).addEventListener("change", (event) => saveFields({ [name]: event.target.value.trim() || null }));
}

/** Status and owner changes may message the customer: say what first, and let the agent choose. */
const TOLD = { "field-status": ["status", _("Change the status")], "field-owner": ["owner_id", _("Change the owner")] };
for (const [id, [name, title]] of Object.entries(TOLD)) {
  $(id).addEventListener("change", async (event) => {
    const value = event.target.value || null;
    const notify = value ? await confirmChange(`/tickets/${ticket.id}/customer-update?${name}=${value}`, name, title) : true;
    if (notify === null) render();  // cancelled: the field shows the ticket's value again
    else saveFields({ [name]: value }, notify);
  });
}
$("field-due").addEventListener("change", (event) => saveFields({ due_at: event.target.value ? new Date(event.target.value).toISOString() : null }));
$("field-tags").addEventListener("change", (event) => saveFields({ tags: event.target.value.split(",").map((t) => t.trim()).filter(Boolean) }));
$("ticket-attach").addEventListener("change", (event) => { attachFiles([...event.target.files]); event.target.value = ""; });
$("ticket-title").addEventListener("click", editTitle);
$("ticket-title").addEventListener("keydown", (event) => { if (event.key === "Enter") editTitle(); });
$("link-form").addEventListener("submit", link);
$("ticket-shortcuts-open").addEventListener("click", () => $("ticket-page-shortcuts").showModal());
$("merge-form").addEventListener("submit", merge);
for (const button of document.querySelectorAll(".ticket-header [role=tab]")) button.addEventListener("click", () => showTab(button.dataset.tab));

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select, dialog") || event.ctrlKey || event.metaKey || event.altKey) return;
  const actions = {
    r: () => composer.setMode("reply"), n: () => composer.setMode("note"), u: () => { location.href = "/tickets"; },
    h: () => showTab($("history").hidden ? "history" : "thread"),
    x: () => shortcutBar.escalate(),
    "?": () => $("ticket-page-shortcuts").showModal(),
  };
  const action = actions[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});

/** Fetch the ticket again after a shortcut; it may have gone to a team this agent is not in. */
async function reloadTicket() {
  try {
    ticket = await api("GET", `/tickets/${ticket.id}`);
    render();
    if (!$("history").hidden) loadHistory();
  } catch (error) {
    if (error.status === 404) location.href = "/tickets";
  }
}

const shortcutBar = new ShortcutBar($("shortcut-bar"), { kind: "ticket", directory: boot, onDone: reloadTicket });
shortcutBar.show(ticket.id);
setInterval(renderSla, 60000); // business time left counts down

render();
loadThread();
loadReplyContext();
loadNotices();
setupAvailability(me);
