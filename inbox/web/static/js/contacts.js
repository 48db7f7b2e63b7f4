// The contact list: search as you type, filters, new contact, CSV import with a preview, export.

import { _, api, el, shortTime, timeElement, toast, initials, colourFor, channelDot, setupAvailability } from "./core.js";
import { Bell } from "./bell.js";
import { attributeDefinitions, tagChips } from "./contact_card.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const DAY = 86400000;

const state = {
  q: params.get("q") || "",
  tag: params.get("tag") || "",
  channel: params.get("channel") || "",
  attribute: params.get("attribute") || "",
  seen: params.get("seen") || "",
  nextCursor: null,
  loading: false,
};

function filters() {
  const query = new URLSearchParams();
  for (const name of ["q", "tag", "channel", "attribute"]) if (state[name]) query.set(name, state[name]);
  const days = Number(state.seen);
  if (days > 0) query.set("seen_after", new Date(Date.now() - days * DAY).toISOString());
  if (days < 0) query.set("seen_before", new Date(Date.now() + days * DAY).toISOString());
  return query;
}

async function load({ more = false } = {}) {
  if (state.loading) return;
  state.loading = true;
  const rows = $("contact-rows");
  if (!more) rows.replaceChildren(...Array.from({ length: 4 }, () => el("tr", { class: "skeleton-row" }, el("td", { colspan: "6" }, el("div", { class: "skeleton" })))));
  $("contacts-banner").hidden = true;
  const query = filters();
  query.set("limit", "50");
  if (more && state.nextCursor) query.set("cursor", state.nextCursor);
  try {
    const page = await api("GET", `/contacts?${query}`);
    if (!more) rows.replaceChildren();
    rows.append(...page.items.map(row));
    if (!rows.children.length) {
      rows.append(el("tr", {}, el("td", { colspan: "6", class: "list-empty" },
        el("strong", {}, state.q || state.tag || state.channel || state.attribute || state.seen ? _("No contact matches") : _("No contacts yet")),
        _("Contacts appear as customers write on any channel, or add one by hand."))));
    }
    state.nextCursor = page.next_cursor;
    $("contacts-more").hidden = !state.nextCursor;
  } catch (error) {
    rows.replaceChildren();
    $("contacts-banner").replaceChildren(el("span", {}, error.message), el("button", { type: "button", onclick: () => load() }, _("Try again")));
    $("contacts-banner").hidden = false;
  } finally {
    state.loading = false;
  }
  syncUrl();
}

function row(contact) {
  const kinds = [...new Set(contact.identities.map((i) => i.kind))];
  return el("tr", { dataset: { id: contact.id } },
    el("td", {}, el("a", { class: "contact-link", href: `/contacts/${contact.id}` },
      el("span", { class: "avatar small", style: `background:${colourFor(contact.name)}`, "aria-hidden": "true" }, initials(contact.name)),
      contact.name)),
    el("td", {}, contact.emails.join(", ") || "—"),
    el("td", {}, contact.phones.join(", ") || "—"),
    el("td", {}, ...(kinds.length ? kinds.map(channelDot) : ["—"])),
    el("td", {}, el("span", { class: "tags" }, ...tagChips(contact.tags))),
    el("td", {}, contact.last_seen_at ? timeElement(contact.last_seen_at, shortTime(contact.last_seen_at)) : "—"));
}

function syncUrl() {
  const query = new URLSearchParams();
  for (const name of ["q", "tag", "channel", "attribute", "seen"]) if (state[name]) query.set(name, state[name]);
  history.replaceState(null, "", `/contacts${query.size ? `?${query}` : ""}`);
  const exportLink = $("export-contacts");
  if (exportLink) exportLink.href = `/api/v1/contacts/export?${filters()}`;
}

function setFilter(changes) {
  Object.assign(state, changes);
  load();
}

// ---- filters ----------------------------------------------------------------------------

async function setupFilters() {
  const search = $("contact-search");
  search.value = state.q;
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => setFilter({ q: search.value.trim() }), 250);
  });
  $("filter-tag").value = state.tag;
  $("filter-tag").addEventListener("change", (event) => setFilter({ tag: event.target.value.trim() }));
  const channel = $("filter-channel");
  channel.append(...boot.channels.map((c) => el("option", { value: c.id }, `${c.name} (${c.kind})`)));
  channel.value = state.channel;
  channel.addEventListener("change", () => setFilter({ channel: channel.value }));
  $("filter-seen").value = state.seen;
  $("filter-seen").addEventListener("change", (event) => setFilter({ seen: event.target.value }));
  const key = $("filter-attribute-key");
  const value = $("filter-attribute-value");
  key.append(...(await attributeDefinitions()).map((a) => el("option", { value: a.key }, a.label)));
  [key.value, value.value] = state.attribute ? state.attribute.split(/:(.*)/s) : ["", ""];
  value.hidden = !key.value;
  const attributeChanged = () => {
    value.hidden = !key.value;
    setFilter({ attribute: key.value && value.value.trim() ? `${key.value}:${value.value.trim()}` : "" });
  };
  key.addEventListener("change", attributeChanged);
  value.addEventListener("change", attributeChanged);
}

// ---- new contact ------------------------------------------------------------------------

async function createContact(event) {
  event.preventDefault();
  const form = event.target;
  const body = { name: form.name.value.trim() };
  if (form.email.value.trim()) body.emails = [form.email.value.trim()];
  if (form.phone.value.trim()) body.phones = [form.phone.value.trim()];
  try {
    const contact = await api("POST", "/contacts", body);
    location.href = `/contacts/${contact.id}`;
  } catch (error) {
    $("new-contact-error").textContent = error.details?.map?.((d) => `${d.field}: ${d.message}`).join("; ") || error.message;
    $("new-contact-error").hidden = false;
  }
}

// ---- import -----------------------------------------------------------------------------

let importText = null;

async function previewImport() {
  const file = $("import-form").file.files[0];
  $("import-run").disabled = true;
  $("import-error").hidden = true;
  if (!file) return;
  importText = await file.text();
  $("import-preview").replaceChildren(el("p", { class: "muted small" }, _("Checking every row…")));
  try {
    showResult(await api("POST", "/contacts/import", { csv: importText, dry_run: true }));
    $("import-run").disabled = false;
  } catch (error) {
    $("import-preview").replaceChildren();
    $("import-error").textContent = error.message;
    $("import-error").hidden = false;
  }
}

function showResult(result) {
  const summary = result.dry_run
    ? _("{created} to create, {updated} to update, {failed} with errors (left out).", result)
    : _("Imported: {created} created, {updated} updated, {failed} left out.", result);
  const ACTIONS = { create: _("create"), update: _("update"), error: _("error") };
  $("import-preview").replaceChildren(
    el("p", { class: "strong" }, summary),
    el("div", { class: "table-scroll import-rows" }, el("table", { class: "ticket-table" },
      el("thead", {}, el("tr", {}, el("th", {}, _("Line")), el("th", {}, _("Action")), el("th", {}, _("Name")), el("th", {}, _("Problems")))),
      el("tbody", {}, ...result.rows.map((r) => el("tr", { class: `import-${r.action}` },
        el("td", {}, r.row), el("td", {}, ACTIONS[r.action]), el("td", {}, r.name || "—"), el("td", {}, r.errors.join("; ") || "")))))));
}

async function runImport(event) {
  event.preventDefault();
  if (!importText) return;
  $("import-run").disabled = true;
  try {
    const result = await api("POST", "/contacts/import", { csv: importText, dry_run: false });
    showResult(result);
    toast(_("Imported: {created} created, {updated} updated, {failed} left out.", result));
    importText = null;
    load();
  } catch (error) {
    $("import-error").textContent = error.message;
    $("import-error").hidden = false;
    $("import-run").disabled = false;
  }
}

// ---- wiring -----------------------------------------------------------------------------

for (const button of document.querySelectorAll("dialog [data-close]")) {
  button.addEventListener("click", () => button.closest("dialog").close());
}
$("new-contact").addEventListener("click", () => $("new-contact-dialog").showModal());
$("new-contact-form").addEventListener("submit", createContact);
$("import-contacts")?.addEventListener("click", () => {
  $("import-form").reset();
  $("import-preview").replaceChildren();
  $("import-run").disabled = true;
  $("import-dialog").showModal();
});
$("import-form").file.addEventListener("change", previewImport);
$("import-form").addEventListener("submit", runImport);
$("contacts-more").addEventListener("click", () => load({ more: true }));
document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select, dialog") || event.ctrlKey || event.metaKey) return;
  if (event.key === "/") {
    event.preventDefault();
    $("contact-search").focus();
  }
});

new Bell();
setupAvailability(boot.me);
setupFilters().then(() => load());
