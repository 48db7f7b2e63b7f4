// How a due date reads at a glance: overdue in red, due within a day in amber.

import { _, el, fullTime, shortTime } from "./core.js";

const HOUR = 3600000;

function span(ms) {
  const hours = Math.round(Math.abs(ms) / HOUR);
  return hours < 48 ? _("{n} h", { n: Math.max(1, hours) }) : _("{n} d", { n: Math.round(hours / 24) });
}

export function dueNode(ticket) {
  if (!ticket.due_at) return el("span", { class: "due muted" }, "—");
  const left = new Date(ticket.due_at) - Date.now();
  const done = ["resolved", "closed"].includes(ticket.status);
  let text = shortTime(ticket.due_at);
  let kind = "later";
  if (!done && left < 0) {
    text = _("overdue {span}", { span: span(left) });
    kind = "overdue";
  } else if (!done && left < 24 * HOUR) {
    text = _("in {span}", { span: span(left) });
    kind = "soon";
  }
  return el("time", { class: `due due-${kind}`, datetime: ticket.due_at, title: fullTime(ticket.due_at) }, text);
}
