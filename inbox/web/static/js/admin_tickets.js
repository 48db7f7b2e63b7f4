// Admin → Tickets and contacts: the category tree, custom fields, contact attributes and the
// customer update templates.

import { _, api, el, toast } from "./core.js";
import { confirmDelete, describeError, emptyRow, onSubmit } from "./admin_forms.js";

const $ = (id) => document.getElementById(id);
const TYPE_LABELS = { text: _("Text"), number: _("Number"), date: _("Date"), select: _("Choice") };
const UPDATE_LABELS = {
  created: _("Ticket created"), status_changed: _("Status changed"), assigned: _("Owner assigned"), resolved: _("Ticket resolved"),
  escalated: _("Sent to a specialist team"),
  survey: _("Satisfaction survey (after resolving, with 1–5 buttons or email links)"),
};
const LANGUAGE_LABELS = { en: "English", vi: "Tiếng Việt" };

// ---- categories -----------------------------------------------------------------------

async function loadCategories() {
  const { items } = await api("GET", "/categories");
  const children = new Map();
  for (const category of items) children.set(category.parent_id, [...(children.get(category.parent_id) || []), category]);
  const ordered = [];
  const walk = (parentId) => {
    for (const category of children.get(parentId) || []) {
      ordered.push(category);
      walk(category.id);
    }
  };
  walk(null);
  $("category-rows").replaceChildren(...(ordered.length ? ordered.map((category) => el("tr", {},
    el("td", { style: `padding-left:${12 + (category.level - 1) * 24}px` }, category.level > 1 ? "└ " : "", category.name),
    el("td", {}, el("button", {
      type: "button", class: "link",
      onclick: () => confirmDelete(`/categories/${category.id}`, _("Delete the category {name}?", { name: category.name }), loadCategories),
    }, _("Delete"))),
  )) : [emptyRow(2, _("No categories yet."))]));
  $("category-form").elements.parent_id.replaceChildren(
    el("option", { value: "" }, _("(top level)")),
    ...ordered.filter((c) => c.level < 3).map((c) => el("option", { value: c.id }, `${"— ".repeat(c.level - 1)}${c.name}`)),
  );
}

// ---- custom fields (tickets) and contact attributes --------------------------------------

/** The list and form of admin-defined fields kept at `path`; `flag` is their yes/no column. */
function fieldDefinitions(path, prefix, flag) {
  const load = async () => {
    const { items } = await api("GET", path);
    $(`${prefix}-rows`).replaceChildren(...(items.length ? items.map((field) => el("tr", {},
      el("td", {}, field.label), el("td", {}, el("code", {}, field.key)), el("td", {}, TYPE_LABELS[field.type]),
      el("td", {}, field.options.join(", ") || "—"), el("td", {}, field[flag] ? _("Yes") : _("No")),
      el("td", {}, el("button", {
        type: "button", class: "link",
        onclick: () => confirmDelete(`${path}/${field.key}`, _("Remove the field {label}? Values already stored stay.", { label: field.label }), load),
      }, _("Remove"))),
    )) : [emptyRow(6, _("No custom fields yet."))]));
  };
  onSubmit(`${prefix}-form`,
    (data) => api("POST", path, {
      key: data.key, label: data.label, type: data.type, [flag]: data[flag] === "on",
      options: data.type === "select" ? data.options.split(",").map((o) => o.trim()).filter(Boolean) : [],
    }),
    () => load());
  return load();
}

// ---- customer updates -----------------------------------------------------------------

async function loadUpdates() {
  const { items } = await api("GET", "/customer-updates");
  $("customer-updates").replaceChildren(...items.map(updateCard));
}

function updateCard(setting) {
  const enabled = el("input", { type: "checkbox", checked: setting.enabled });
  const areas = Object.fromEntries(Object.keys(LANGUAGE_LABELS).map((language) => [language,
    el("textarea", { rows: "3", maxlength: "1000", "aria-label": `${UPDATE_LABELS[setting.event]} (${LANGUAGE_LABELS[language]})` }, setting.templates[language] || "")]));
  const save = el("button", { type: "button", class: "primary", onclick: async () => {
    save.disabled = true;
    try {
      const templates = Object.fromEntries(Object.entries(areas).map(([language, area]) => [language, area.value]));
      await api("PUT", `/customer-updates/${setting.event}`, { enabled: enabled.checked, templates });
      toast(_("Saved."));
    } catch (error) {
      toast(describeError(error), "error");
    } finally {
      save.disabled = false;
    }
  } }, _("Save"));
  return el("article", { class: "card update-card", dataset: { event: setting.event } },
    el("header", {}, el("h3", {}, UPDATE_LABELS[setting.event]), el("label", { class: "check" }, enabled, _("Send"))),
    ...Object.entries(areas).map(([language, area]) => el("label", {}, LANGUAGE_LABELS[language], area)),
    el("div", { class: "dialog-buttons" }, save));
}

export async function setupTicketSettings() {
  onSubmit("category-form",
    (data) => api("POST", "/categories", { name: data.name, parent_id: data.parent_id || null }),
    () => loadCategories());
  await Promise.all([
    loadCategories(),
    fieldDefinitions("/ticket-fields", "field", "required"),
    fieldDefinitions("/contact-attributes", "attribute", "on_card"),
    loadUpdates(),
  ]);
}
