// Admin → Rules → Shortcuts: buttons agents see on conversations and tickets, each asking for
// a few inputs (target team or level, a summary) and then running its actions.

import { _, api, el } from "./core.js";
import { confirmDelete, emptyRow, modalForm, saved } from "./admin_forms.js";
import { Problems, actionList } from "./rule_builder.js";

const $ = (id) => document.getElementById(id);
export const INPUT_LABELS = { team_id: _("Target team"), level: _("Target level"), summary: _("Summary") };

let context = null;

async function loadShortcuts() {
  const { items } = await api("GET", "/macros");
  $("shortcut-rows").replaceChildren(...(items.length ? items.map((macro) => el("tr", {},
    el("td", {}, el("strong", {}, macro.name), macro.description ? el("div", { class: "muted small" }, macro.description) : null),
    el("td", {}, macro.inputs.map((i) => INPUT_LABELS[i.key] + (i.required ? "" : ` (${_("optional")})`)).join(", ") || "—"),
    el("td", {}, String(macro.actions.length)),
    el("td", {},
      el("button", { type: "button", class: "link", onclick: () => edit(macro) }, _("Edit")),
      el("button", { type: "button", class: "link danger", onclick: () => confirmDelete(`/macros/${macro.id}`, _("Delete the shortcut {name}?", { name: macro.name }), loadShortcuts) }, _("Delete"))),
  )) : [emptyRow(4, _("No shortcuts yet. An escalation shortcut is a good first one."))]));
}

function edit(macro) {
  const { catalogue, directory } = context;
  const current = macro || {
    name: "", description: "", inputs: [{ key: "team_id", required: false }, { key: "level", required: false }, { key: "summary", required: true }],
    actions: [{ type: "escalate", summary: "{{inputs.summary}}" }],
  };
  const problems = Problems.create();
  const name = el("input", { required: true, maxlength: "80", value: current.name });
  const description = el("input", { maxlength: "300", value: current.description || "" });
  const asked = new Map(current.inputs.map((i) => [i.key, i.required]));
  const inputs = Object.entries(INPUT_LABELS).map(([key, label]) => {
    const ask = el("input", { type: "checkbox", checked: asked.has(key) });
    const required = el("input", { type: "checkbox", checked: asked.get(key) ?? false });
    return { key, ask, required, node: el("div", { class: "input-choice" }, el("label", { class: "check" }, ask, label), el("label", { class: "check small" }, required, _("required"))) };
  });
  const then = actionList(catalogue, directory, problems, current.actions);
  problems.register("name", name);
  const inputsBox = el("fieldset", { class: "rule-section" }, el("legend", {}, _("Ask the agent for")), ...inputs.map((i) => i.node),
    el("p", { class: "muted small" }, _("Actions may use {{inputs.summary}} and {{inputs.team}}; an escalation without a team or level takes them from the inputs.")));
  problems.register("inputs", inputsBox);
  const body = () => ({
    name: name.value.trim(), description: description.value.trim() || null,
    inputs: inputs.filter((i) => i.ask.checked).map((i) => ({ key: i.key, required: i.required.checked })),
    actions: then.read(),
  });
  modalForm({
    title: macro ? _("Edit the shortcut") : _("New shortcut"),
    wide: true,
    children: [
      problems.summary,
      el("label", {}, _("Label on the button"), name),
      el("label", {}, _("Description"), description),
      inputsBox,
      el("fieldset", { class: "rule-section" }, el("legend", {}, _("Then")), then.node),
    ],
    submit: async () => {
      const ok = await saved(() => (macro ? api("PATCH", `/macros/${macro.id}`, body()) : api("POST", "/macros", body())), problems, _("Shortcut saved."));
      if (ok) await loadShortcuts();
      return ok;
    },
  });
}

export async function setupShortcuts(catalogue, directory) {
  context = { catalogue, directory };
  $("new-shortcut").addEventListener("click", () => edit(null));
  await loadShortcuts();
}
