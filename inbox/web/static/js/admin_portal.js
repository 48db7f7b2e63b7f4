// Admin → Customer portal: its name, colour, logo, email channel and reopening days, the
// ticket fields customers see, and the departments they choose from (with their FAQ).

import { _, api, channelIdentity, el, toast } from "./core.js";
import { confirmDelete, describeError, emptyRow, modalForm, saved } from "./admin_forms.js";
import { Problems } from "./rule_builder.js";

const $ = (id) => document.getElementById(id);
const data = { teams: [], categories: [], faqs: [], fields: [] };

function option(value, label, selected) {
  return el("option", { value, selected: selected || undefined }, label);
}

function checkboxes(name, items, chosen) {
  return items.map((item) => el("label", { class: "check" },
    el("input", { type: "checkbox", name, value: item.id, checked: chosen.includes(item.id) || undefined }), item.label));
}

async function loadSettings() {
  const [portal, channels] = await Promise.all([api("GET", "/portal"), api("GET", "/channels")]);
  const form = $("portal-form");
  $("portal-address").textContent = portal.url;
  $("portal-address").href = portal.url;
  for (const name of ["name", "colour", "logo_url", "support_hours", "reopen_days"]) {
    form.elements[name].value = portal[name] ?? "";
  }
  const emails = channels.items.filter((channel) => channel.kind === "email");
  form.elements.email_channel_id.replaceChildren(option("", _("None yet")),
    ...emails.map((channel) => option(channel.id, `${channel.name} · ${channelIdentity(channel)}`, channel.id === portal.email_channel_id)));
  $("portal-warning").hidden = Boolean(portal.email_channel_id);
  const fields = data.fields.map((field) => ({ id: field.key, label: field.label }));
  $("visible-fields").replaceChildren(
    el("legend", {}, _("Ticket fields customers see on their request")),
    ...(fields.length ? checkboxes("visible_fields", fields, portal.visible_fields)
      : [el("p", { class: "muted small" }, _("No custom ticket fields yet (Admin → Channels, people and tickets)."))]));
}

function settingsBody(form) {
  const value = (name) => form.elements[name].value.trim();
  return {
    name: value("name"),
    colour: value("colour"),
    logo_url: value("logo_url") || null,
    support_hours: value("support_hours") || null,
    email_channel_id: value("email_channel_id") || null,
    reopen_days: Number(value("reopen_days") || 0),
    visible_fields: [...form.querySelectorAll("input[name=visible_fields]:checked")].map((box) => box.value),
  };
}

async function loadDepartments() {
  const { items } = await api("GET", "/portal/departments");
  const faqs = new Map(data.faqs.map((faq) => [faq.id, faq.question]));
  $("department-rows").replaceChildren(...(items.length ? items.map((department) => el("tr", {},
    el("td", {}, el("strong", {}, department.name), department.visible ? null : el("span", { class: "muted small" }, ` (${_("hidden")})`),
      el("div", { class: "muted small" }, department.description || "")),
    el("td", {}, department.faq_ids.map((id) => faqs.get(id)).filter(Boolean).join(" · ") || "—"),
    el("td", {}, String(department.deflections)),
    el("td", {},
      el("button", { type: "button", class: "link", onclick: () => edit(department) }, _("Edit")),
      el("button", {
        type: "button", class: "link danger",
        onclick: () => confirmDelete(`/portal/departments/${department.id}`, _("Delete {name}?", { name: department.name }), loadDepartments),
      }, _("Delete"))),
  )) : [emptyRow(4, _("No departments yet: customers then write without choosing one."))]));
}

function edit(department) {
  const current = department || { name: "", description: "", team_id: null, category_id: null, faq_ids: [], field_keys: [], visible: true };
  const problems = Problems.create();
  const name = el("input", { required: true, maxlength: "80", value: current.name });
  const description = el("textarea", { rows: "2", maxlength: "500" }, current.description || "");
  const team = el("select", {}, option("", _("No team")),
    ...data.teams.map((t) => option(t.id, t.name, t.id === current.team_id)));
  const category = el("select", {}, option("", _("No category")),
    ...data.categories.map((c) => option(c.id, `${"· ".repeat(Math.max(0, c.level - 1))}${c.name}`, c.id === current.category_id)));
  const visible = el("input", { type: "checkbox", checked: current.visible || undefined });
  const faqs = el("div", { class: "check-list" },
    ...checkboxes("faq", data.faqs.map((f) => ({ id: f.id, label: f.question })), current.faq_ids));
  const fields = el("div", { class: "check-list" },
    ...checkboxes("field", data.fields.map((f) => ({ id: f.key, label: f.label })), current.field_keys));
  for (const [path, node] of Object.entries({ name, description, team_id: team, category_id: category, faq_ids: faqs, field_keys: fields })) {
    problems.register(path, node);
  }
  const ticked = (box) => [...box.querySelectorAll("input:checked")].map((input) => input.value);
  const body = () => ({
    name: name.value.trim(),
    description: description.value.trim() || null,
    team_id: team.value || null,
    category_id: category.value || null,
    faq_ids: ticked(faqs),
    field_keys: ticked(fields),
    visible: visible.checked,
  });
  modalForm({
    title: department ? _("Edit the department") : _("New department"),
    wide: true,
    children: [
      problems.summary,
      el("div", { class: "form-grid" }, el("label", {}, _("Name"), name), el("label", {}, _("Team"), team),
        el("label", {}, _("Category"), category), el("label", { class: "check" }, visible, _("Offered in the portal"))),
      el("label", {}, _("Description"), description),
      el("fieldset", {}, el("legend", {}, _("FAQ entries shown first")),
        data.faqs.length ? faqs : el("p", { class: "muted small" }, _("No FAQ entries yet (Admin → Bot and FAQ)."))),
      el("fieldset", {}, el("legend", {}, _("Ticket fields the form asks")),
        data.fields.length ? fields : el("p", { class: "muted small" }, _("No custom ticket fields yet."))),
    ],
    submit: async () => {
      const request = () => (department ? api("PATCH", `/portal/departments/${department.id}`, body()) : api("POST", "/portal/departments", body()));
      const ok = await saved(request, problems, _("Department saved."));
      if (ok) await loadDepartments();
      return ok;
    },
  });
}

async function loadSms() {
  const shown = await api("GET", "/portal/sms");
  const form = $("sms-form");
  const gateway = shown.gateway || {};
  form.elements.enabled.checked = shown.enabled;
  for (const name of ["url", "method", "encoding", "auth_header", "success_contains"]) {
    if (gateway[name] != null) form.elements[name].value = gateway[name];
  }
  if (gateway.body) form.elements.body.value = JSON.stringify(gateway.body);
  form.elements.auth_value.value = "";
  form.elements.auth_value.placeholder = shown.auth_value_set ? _("kept; type to replace") : "";
}

function smsBody(form) {
  let body;
  try {
    body = JSON.parse(form.elements.body.value || "{}");
  } catch {
    throw new Error(_("The body fields are not valid JSON."));
  }
  const value = (name) => form.elements[name].value.trim();
  const sent = {
    enabled: form.elements.enabled.checked,
    url: value("url"),
    method: value("method"),
    encoding: value("encoding"),
    body,
    auth_header: value("auth_header") || null,
    success_contains: value("success_contains") || null,
  };
  if (value("auth_value")) sent.auth_value = value("auth_value");
  return sent;
}

function setupSms() {
  const form = $("sms-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("PUT", "/portal/sms", smsBody(form));
      toast(_("SMS settings saved."));
      await loadSms();
    } catch (error) {
      toast(describeError(error), "error");
    }
  });
  $("sms-test").addEventListener("click", async () => {
    try {
      const sent = await api("POST", "/portal/sms/test", { phone: form.elements.test_phone.value.trim() });
      toast(_("Test SMS sent to {phone}.", { phone: sent.phone }));
    } catch (error) {
      toast(describeError(error), "error");
    }
  });
}

async function setup() {
  const [teams, categories, faqs, fields] = await Promise.all([
    api("GET", "/teams"), api("GET", "/categories"), api("GET", "/faqs"), api("GET", "/ticket-fields"),
  ]);
  Object.assign(data, { teams: teams.items, categories: categories.items, faqs: faqs.items, fields: fields.items });
  const form = $("portal-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("PUT", "/portal", settingsBody(form));
      toast(_("Portal saved."));
      await loadSettings();
    } catch (error) {
      toast(describeError(error), "error");
    }
  });
  $("new-department").addEventListener("click", () => edit(null));
  setupSms();
  await Promise.all([loadSettings(), loadDepartments(), loadSms()]);
}

setup().catch((error) => toast(describeError(error), "error"));
