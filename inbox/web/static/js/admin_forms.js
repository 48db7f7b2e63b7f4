// Small helpers the admin panels share: empty table rows and forms posted to the API.

import { el, toast } from "./core.js";

const $ = (id) => document.getElementById(id);

export function emptyRow(columns, text) {
  return el("tr", {}, el("td", { colspan: columns, class: "muted" }, text));
}

/** An API error with the fields it names, for a toast. */
export function describeError(error) {
  const details = Array.isArray(error.details) ? ` (${error.details.map((d) => `${d.field}: ${d.message}`).join("; ")})` : "";
  return `${error.message}${details}`;
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
