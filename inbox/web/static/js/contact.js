// One person: details and attributes, tags, channels, every conversation and ticket, merge
// suggestions and merging, erasure on request. Live: a change elsewhere redraws the page.

import {
  _, api, el, fullTime, shortTime, timeElement, toast, initials, colourFor, channelDot, CHANNEL_LABELS, setupAvailability,
} from "./core.js";
import { Live } from "./live.js";
import { Bell } from "./bell.js";
import { csatNode, statusLabel, TICKET_STATUS_LABELS } from "./thread.js";
import { attributeDefinitions, attributeText, customerSince, tagChips, tagInput } from "./contact_card.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const $ = (id) => document.getElementById(id);
let contact = boot.contact;
let attributes = [];
let mergeCandidate = null;

const list = (value) => value.split(/[,;\n]/).map((part) => part.trim()).filter(Boolean);
const readOnly = () => Boolean(contact.merged_into || contact.erased_at);

// ---- drawing ------------------------------------------------------------------------------

function render() {
  document.title = `${contact.name} · ${_("Contacts")}`;
  $("contact-title").textContent = contact.name;
  $("contact-avatar").textContent = initials(contact.name);
  $("contact-avatar").style.background = colourFor(contact.name);
  $("contact-since").replaceChildren(customerSince(contact),
    contact.last_seen_at ? el("span", {}, " · ", _("last seen {when}", { when: shortTime(contact.last_seen_at) })) : "");
  renderBanner();
  renderForm();
  renderTags();
  $("contact-identities").replaceChildren(...(contact.identities.length
    ? contact.identities.map((identity) => el("li", {}, channelDot(identity.kind),
      el("span", {}, `${CHANNEL_LABELS[identity.kind] || identity.kind} · ${identity.channel_name || identity.channel_id}`),
      el("code", { class: "muted small" }, identity.external_id)))
    : [el("li", { class: "muted small" }, _("No channel yet: added by hand or imported."))]));
  $("merges-card").hidden = !contact.merges.length;
  $("contact-merges").replaceChildren(...contact.merges.map((merge) => el("li", {},
    el("a", { href: `/contacts/${merge.contact_id}` }, merge.name), " ",
    el("span", { class: "muted small" }, _("merged by {who}", { who: merge.by }), " · ", timeElement(merge.at, fullTime(merge.at))))));
  $("merge-card").hidden = readOnly();
  $("erase-contact")?.toggleAttribute("hidden", Boolean(contact.erased_at || contact.merged_into));
}

function renderBanner() {
  const banner = $("contact-banner");
  banner.hidden = !readOnly();
  if (contact.merged_into) {
    banner.replaceChildren(_("This record was merged into another contact and is read only."), " ",
      el("a", { href: `/contacts/${contact.merged_into}` }, _("Open that contact")));
  } else if (contact.erased_at) {
    banner.replaceChildren(_("This person's data was erased on {when}.", { when: fullTime(contact.erased_at) }));
  }
}

function renderForm() {
  const form = $("contact-form");
  form.name.value = contact.name;
  form.emails.value = contact.emails.join(", ");
  form.phones.value = contact.phones.join(", ");
  form.language.value = contact.language || "";
  form.timezone.value = contact.timezone || "";
  form.notes.value = contact.notes;
  $("attribute-fields").replaceChildren(...attributes.map(attributeField));
  for (const field of form.elements) field.disabled = readOnly();
}

function attributeField(definition) {
  const value = contact.attributes[definition.key];
  const name = `attr:${definition.key}`;
  let input;
  if (definition.type === "select") {
    input = el("select", { name }, el("option", { value: "" }, "—"), ...definition.options.map((o) => el("option", { value: o }, o)));
    input.value = value ?? "";
  } else {
    const type = { number: "number", date: "date" }[definition.type] || "text";
    input = el("input", { name, type, step: definition.type === "number" ? "any" : undefined, value: value ?? "" });
  }
  return el("label", { title: attributeText(definition, value) }, definition.label, input);
}

function renderTags() {
  const editable = !readOnly();
  $("contact-tags").replaceChildren(
    ...tagChips(contact.tags, editable ? (tag) => save({ tags: contact.tags.filter((t) => t !== tag) }) : null),
    editable ? tagInput((tag) => save({ tags: [...contact.tags, tag] })) : "");
  if (!contact.tags.length && !editable) $("contact-tags").append(el("span", { class: "muted small" }, "—"));
}

async function loadHistory() {
  const [conversations, tickets] = await Promise.all([
    api("GET", `/contacts/${contact.id}/conversations?limit=50&status=open,pending,snoozed,bot,resolved`),
    api("GET", `/contacts/${contact.id}/tickets?limit=50`),
  ]).catch((error) => {
    toast(error.message, "error");
    return [{ items: [] }, { items: [] }];
  });
  $("contact-conversations").replaceChildren(...(conversations.items.length
    ? conversations.items.map((c) => el("li", {}, el("a", { href: `/inbox?c=${c.id}&status=${c.status}` },
      channelDot(c.channel.kind), el("span", { class: "recent-text" }, c.last_message?.text || c.subject || "—"),
      el("span", { class: "status-pill", dataset: { status: c.status } }, statusLabel(c.status)),
      c.csat ? csatNode(c.csat) : null,
      timeElement(c.last_message_at, shortTime(c.last_message_at)))))
    : [el("li", { class: "muted small" }, _("No conversations yet."))]));
  $("contact-tickets").replaceChildren(...(tickets.items.length
    ? tickets.items.map((t) => el("li", {}, el("a", { href: `/tickets/${t.number}` },
      el("span", { class: "ticket-chip" }, t.number), el("span", { class: "recent-text" }, t.title),
      el("span", { class: "status-pill", dataset: { status: t.status } }, TICKET_STATUS_LABELS[t.status] || t.status),
      t.csat ? csatNode(t.csat) : null,
      timeElement(t.updated_at, shortTime(t.updated_at)))))
    : [el("li", { class: "muted small" }, _("No tickets yet."))]));
}

// ---- saving -------------------------------------------------------------------------------

async function save(changes) {
  $("contact-error").hidden = true;
  try {
    contact = await api("PATCH", `/contacts/${contact.id}`, changes);
    render();
    toast(_("Saved."));
    return true;
  } catch (error) {
    $("contact-error").textContent = error.details?.map?.((d) => `${d.field}: ${d.message}`).join("; ") || error.message;
    $("contact-error").hidden = false;
    return false;
  }
}

function formChanges(form) {
  const values = {};
  for (const definition of attributes) {
    const raw = form.elements[`attr:${definition.key}`].value.trim();
    const value = raw === "" ? null : definition.type === "number" ? Number(raw) : raw;
    if (value !== (contact.attributes[definition.key] ?? null)) values[definition.key] = value;
  }
  return {
    name: form.name.value.trim(),
    emails: list(form.emails.value),
    phones: list(form.phones.value),
    language: form.language.value || null,
    timezone: form.timezone.value.trim() || null,
    notes: form.notes.value,
    ...(Object.keys(values).length ? { attributes: values } : {}),
  };
}

// ---- merging ------------------------------------------------------------------------------

async function loadSuggestions() {
  if (readOnly()) return;
  const page = await api("GET", `/contacts/${contact.id}/suggestions`).catch(() => ({ items: [] }));
  $("merge-suggestions").replaceChildren(...page.items.map((s) => candidate(s.contact, s.reasons.join(", "))));
}

function candidate(other, why) {
  return el("li", {},
    el("a", { href: `/contacts/${other.id}` }, other.name),
    el("span", { class: "muted small" }, why),
    el("button", { type: "button", class: "small", onclick: () => askMerge(other) }, _("Merge here")));
}

let searchTimer = null;
function searchOthers(text) {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    if (!text.trim()) {
      $("merge-results").replaceChildren();
      return;
    }
    const page = await api("GET", `/contacts?q=${encodeURIComponent(text)}&limit=6`).catch(() => ({ items: [] }));
    const others = page.items.filter((c) => c.id !== contact.id);
    $("merge-results").replaceChildren(...(others.length
      ? others.map((c) => candidate(c, [...c.emails, ...c.phones].join(", ")))
      : [el("li", { class: "muted small" }, _("Nobody else matches."))]));
  }, 250);
}

function askMerge(other) {
  mergeCandidate = other;
  $("merge-explain").textContent = _("{other} will be merged into {name}.", { other: other.name, name: contact.name });
  $("merge-error").hidden = true;
  $("merge-dialog").showModal();
}

async function merge(event) {
  event.preventDefault();
  const button = event.target.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    contact = await api("POST", `/contacts/${contact.id}/merge`, { other_id: mergeCandidate.id });
    $("merge-dialog").close();
    toast(_("{other} was merged into this contact.", { other: mergeCandidate.name }));
    $("merge-search").value = "";
    $("merge-results").replaceChildren();
    render();
    loadHistory();
    loadSuggestions();
  } catch (error) {
    $("merge-error").textContent = error.message;
    $("merge-error").hidden = false;
  } finally {
    button.disabled = false;
  }
}

// ---- erasing ------------------------------------------------------------------------------

async function erase(event) {
  event.preventDefault();
  const form = event.target;
  if (form.confirm.value.trim() !== contact.name) {
    $("erase-error").textContent = _("Type the name exactly as shown.");
    $("erase-error").hidden = false;
    return;
  }
  try {
    contact = await api("DELETE", `/contacts/${contact.id}`);
    $("erase-dialog").close();
    toast(_("The person's data was erased."));
    render();
    loadHistory();
  } catch (error) {
    $("erase-error").textContent = error.message;
    $("erase-error").hidden = false;
  }
}

// ---- wiring -------------------------------------------------------------------------------

for (const button of document.querySelectorAll("dialog [data-close]")) {
  button.addEventListener("click", () => button.closest("dialog").close());
}
$("contact-form").addEventListener("submit", (event) => {
  event.preventDefault();
  save(formChanges(event.target));
});
$("merge-search").addEventListener("input", (event) => searchOthers(event.target.value));
$("merge-form").addEventListener("submit", merge);
$("erase-contact")?.addEventListener("click", () => {
  $("erase-name").textContent = contact.name;
  $("erase-form").reset();
  $("erase-error").hidden = true;
  $("erase-dialog").showModal();
});
$("erase-form").addEventListener("submit", erase);

const bell = new Bell();
new Live({
  onEvent: (event) => {
    if (event.type === "notification.created") bell.add(event.data);
    else if (event.type === "contact.updated" && event.data.id === contact.id) {
      contact = event.data;
      render();
      loadHistory();
    }
  },
  onReconnect: () => { bell.load(); loadHistory(); },
});
setupAvailability(boot.me);
attributeDefinitions().then((found) => {
  attributes = found;
  render();
});
render();
loadHistory();
loadSuggestions();
