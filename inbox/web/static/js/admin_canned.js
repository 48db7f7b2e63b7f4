// Admin → Rules and shortcuts → Canned responses: text agents insert with /shortcode.

import { _, api, el } from "./core.js";
import { confirmDelete, emptyRow, modalForm, saved } from "./admin_forms.js";
import { Problems } from "./rule_builder.js";

const $ = (id) => document.getElementById(id);
let context = null;

async function loadCanned() {
  const { items } = await api("GET", "/canned-responses");
  const teams = new Map(context.directory.teams.map((team) => [team.id, team.name]));
  $("canned-rows").replaceChildren(...(items.length ? items.map((item) => el("tr", {},
    el("td", {}, el("code", {}, `/${item.shortcode}`)),
    el("td", {}, el("strong", {}, item.title), el("div", { class: "muted small canned-text" }, item.text)),
    el("td", {}, item.team_id ? teams.get(item.team_id) || item.team_id : _("everybody")),
    el("td", {},
      el("button", { type: "button", class: "link", onclick: () => edit(item) }, _("Edit")),
      el("button", {
        type: "button", class: "link danger",
        onclick: () => confirmDelete(`/canned-responses/${item.id}`, _("Delete /{code}?", { code: item.shortcode }), loadCanned),
      }, _("Delete"))),
  )) : [emptyRow(4, _("No canned responses yet. Agents type / in the composer to use them."))]));
}

function edit(item) {
  const current = item || { shortcode: "", title: "", text: "", team_id: null };
  const problems = Problems.create();
  const shortcode = el("input", { required: true, maxlength: "30", value: current.shortcode, placeholder: "refund" });
  const title = el("input", { required: true, maxlength: "80", value: current.title });
  const text = el("textarea", { rows: "5", maxlength: "4000" }, current.text);
  const team = el("select", {}, el("option", { value: "" }, _("Everybody")),
    ...context.directory.teams.map((t) => el("option", { value: t.id }, t.name)));
  team.value = current.team_id || "";
  for (const [field, node] of Object.entries({ shortcode, title, text, team_id: team })) problems.register(field, node);
  const body = () => ({ shortcode: shortcode.value.trim(), title: title.value.trim(), text: text.value, team_id: team.value || null });
  modalForm({
    title: item ? _("Edit the canned response") : _("New canned response"),
    wide: true,
    children: [
      problems.summary,
      el("div", { class: "form-grid" }, el("label", {}, _("Shortcode"), shortcode), el("label", {}, _("Title"), title)),
      el("label", {}, _("Text"), text,
        el("span", { class: "muted small" }, _("Placeholders:"), " ", context.catalogue.placeholders.map((p) => `{{${p}}}`).join(" "))),
      el("label", {}, _("For"), team),
    ],
    submit: async () => {
      const ok = await saved(() => (item ? api("PATCH", `/canned-responses/${item.id}`, body()) : api("POST", "/canned-responses", body())), problems, _("Canned response saved."));
      if (ok) await loadCanned();
      return ok;
    },
  });
}

export async function setupCanned(catalogue, directory) {
  context = { catalogue, directory };
  $("new-canned").addEventListener("click", () => edit(null));
  await loadCanned();
}
