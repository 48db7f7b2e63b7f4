// How a due time reads at a glance: a ticket's own due date, or its next SLA target with the
// target's state (on track, warning, breached, met, paused); overdue in red, close in amber.

import { _, el, fullTime, shortTime } from "./core.js";

const MINUTE = 60000;
const HOUR = 60 * MINUTE;

export const SLA_STATE_LABELS = {
  on_track: _("on track"), warning: _("due soon"), breached: _("breached"), met: _("met"),
  stopped: _("not needed"), paused: _("paused"),
};
export const SLA_TARGET_LABELS = {
  first_response: _("First response"), next_response: _("Next response"), resolution: _("Resolution"),
};

/** "2h 10m", "35m", "3d": a span for a countdown. */
export function span(ms) {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / MINUTE));
  if (minutes < 60) return _("{n}m", { n: minutes });
  if (minutes < 48 * 60) {
    const rest = minutes % 60;
    return rest ? _("{h}h {m}m", { h: Math.floor(minutes / 60), m: rest }) : _("{h}h", { h: minutes / 60 });
  }
  return _("{n}d", { n: Math.round(minutes / 1440) });
}

/** "in 2h 10m" or "overdue 35m". */
export function countdown(iso) {
  const left = new Date(iso) - Date.now();
  return left < 0 ? _("overdue {span}", { span: span(left) }) : _("in {span}", { span: span(left) });
}

function slaDue(ticket) {
  const due = ticket.sla?.next_due_at;
  if (!due || (ticket.due_at && new Date(ticket.due_at) < new Date(due))) return null;
  return due;
}

/** The ticket's most pressing due time: its SLA's next target when sooner, else its due date. */
export function dueNode(ticket) {
  const done = ["resolved", "closed"].includes(ticket.status);
  const sla = slaDue(ticket);
  if (sla && !done) {
    const state = new Date(sla) <= Date.now() ? "breached" : ticket.sla.state;
    return el("time", {
      class: `due sla sla-${state}`, datetime: sla,
      title: `${ticket.sla.policy_name} · ${SLA_STATE_LABELS[state] || state} · ${fullTime(sla)}`,
    }, countdown(sla));
  }
  if (ticket.sla?.state && (done || !ticket.due_at)) {
    return el("span", { class: `due sla sla-${ticket.sla.state}`, title: ticket.sla.policy_name }, SLA_STATE_LABELS[ticket.sla.state]);
  }
  if (!ticket.due_at) return el("span", { class: "due muted" }, "—");
  const left = new Date(ticket.due_at) - Date.now();
  let kind = "later";
  if (!done && left < 0) kind = "overdue";
  else if (!done && left < 24 * HOUR) kind = "soon";
  const text = kind === "later" ? shortTime(ticket.due_at) : countdown(ticket.due_at);
  return el("time", { class: `due due-${kind}`, datetime: ticket.due_at, title: fullTime(ticket.due_at) }, text);
}

/** A conversation's first-response timer (conversations that are not tickets). */
export function responseDueNode(conversation) {
  const due = conversation.response_due_at;
  if (!due || conversation.ticket_id || !["open", "pending", "bot"].includes(conversation.status)) return null;
  const left = new Date(due) - Date.now();
  const state = left < 0 ? "breached" : left < 30 * MINUTE ? "warning" : "on_track";
  return el("time", {
    class: `due sla sla-${state}`, datetime: due,
    title: _("First response due {time} (business hours)", { time: fullTime(due) }),
  }, countdown(due));
}
