// Small helpers the admin panels share: empty table rows and forms posted to the API.

import { _, api, el, toast } from "./core.js";

const $ = (id) => document.getElementById(id);

export function emptyRow(columns, text) {
  return el("tr", {}, el("td", { colspan: columns, class: "muted" }, text));
}

/** An API error with the fields it names, for a toast. */
export function describeError(error) {
  const details = Array.isArray(error.details) ? ` (${error.details.map((d) => `${d.field}: ${d.message}`).join("; ")})` : "";
  return `${error.message}${details}`;
}

/** Ask, delete through the API, then `reload()`; a refusal becomes a toast. */
export async function confirmDelete(path, question, reload) {
  if (!confirm(question)) return;
  try {
    await api("DELETE", path);
    await reload();
  } catch (error) {
    toast(describeError(error), "error");
  }
}

/** Submit a form through `build(data, form)`, then `after(result)`; errors become toasts. */
export function onSubmit(formId, build, after) {
  const form = $(formId);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const result = await build(Object.fromEntries(new FormData(form)), form);
      form.reset();
      await after(result);
    } catch (error) {
      toast(describeError(error), "error");
    } finally {
      button.disabled = false;
    }
  });
}

/** A modal form: its title, fields and a Save button. `submit()` runs on Save; the dialog
 *  closes when it returns true and stays open (showing its own problems) otherwise. */
export function modalForm({ title, children, submit, submitLabel = _("Save"), wide = false }) {
  const dialog = el("dialog", { class: `dialog${wide ? " wide-dialog" : ""}` });
  const save = el("button", { type: "submit", class: "primary" }, submitLabel);
  const form = el("form", { class: "dialog-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      if (await submit()) dialog.close();
    } finally {
      save.disabled = false;
    }
  } },
  el("h2", {}, title),
  ...children,
  el("div", { class: "dialog-buttons" },
    el("button", { type: "button", onclick: () => dialog.close() }, _("Cancel")), save));
  dialog.append(form);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  form.querySelector("input, select, textarea")?.focus();
  return dialog;
}

/** Save through `request()`; true when it worked, else the problems are shown and false. */
export async function saved(request, problems, message) {
  try {
    await request();
    toast(message);
    return true;
  } catch (error) {
    if (error.details && Array.isArray(error.details)) problems.show(error.message, error.details);
    else toast(describeError(error), "error");
    return false;
  }
}
