// The rule builder's parts: nested condition groups and ordered action lists, drawn from the
// server's catalogue (/rules/catalogue) so the forms offer exactly what the API accepts.
// Each part returns {node, read()}; read() gives the JSON the API takes. Problems the API
// reports (field paths such as "conditions.all.0.value") are shown next to the input.

import { _, el, fill } from "./core.js";

export const EVENT_LABELS = {
  "conversation.created": _("A conversation starts"),
  "conversation.updated": _("A conversation changes"),
  "message.created": _("A message arrives or is sent"),
  "ticket.created": _("A ticket is created"),
  "ticket.updated": _("A ticket changes"),
  "ticket.escalated": _("A ticket is escalated"),
  "sla.warning": _("An SLA target is close"),
  "sla.breached": _("An SLA target is missed"),
  "csat.received": _("A satisfaction rating arrives"),
  "ticket.time_in_status": _("A ticket stays in a status too long"),
};

const OPERATOR_LABELS = {
  equals: _("is"), not_equals: _("is not"), in: _("is one of"), contains: _("contains"),
  starts_with: _("starts with"), matches: _("matches the pattern"), greater_than: _("is more than"),
  less_than: _("is less than"), is_empty: _("is empty"), changed: _("changed"), changed_to: _("changed to"),
  within_business_hours: _("is within business hours"),
};
const NO_VALUE = new Set(["is_empty", "changed", "within_business_hours"]);

const ACTION_LABELS = {
  assign_team: _("Assign to a team"), assign_agent: _("Assign to an agent"), set_priority: _("Set the priority"),
  set_status: _("Set the status"), add_tag: _("Add a tag"), remove_tag: _("Remove a tag"),
  send_reply: _("Reply to the customer"), add_note: _("Add an internal note"), promote_to_ticket: _("Make it a ticket"),
  escalate: _("Escalate"), notify: _("Notify agents"), snooze: _("Snooze"), resolve: _("Resolve"),
  call_webhook: _("Call a webhook"), hand_off: _("Hand over to an agent"), start_bot: _("Give back to the bot"),
};

const PARAM_LABELS = {
  team_id: _("Team"), agent_id: _("Agent"), agent_ids: _("Agents"), mentions: _("Mention"), method: _("How"),
  target: _("On"), priority: _("Priority"), status: _("Status"), tag: _("Tag"), template: _("Message"),
  title: _("Title"), level: _("Level"), summary: _("Summary"), text: _("Text"), hours: _("Hours"),
  url: _("URL"), secret: _("Signing secret"), next_level: _("One level up"), team_lead: _("The team's lead"),
};
const PARAM_VALUE_LABELS = {
  conversation: _("the conversation"), ticket: _("the ticket"),
  named: _("the agent named"), round_robin: _("in turn (round robin)"), least_loaded: _("the least busy agent"),
  team_default: _("as the team is set to"),
};
const LONG_TEXT = new Set(["template", "text", "summary"]);
const TEMPLATED = new Set([...LONG_TEXT, "title"]);

const FIELD_LABELS = {
  "conversation.status": _("Conversation · status"), "conversation.priority": _("Conversation · priority"),
  "conversation.team_id": _("Conversation · team"), "conversation.assignee_id": _("Conversation · assigned agent"),
  "conversation.tags": _("Conversation · tags"), "conversation.kind": _("Conversation · kind"),
  "conversation.subject": _("Conversation · subject"), "conversation.unread_count": _("Conversation · unread messages"),
  "conversation.has_ticket": _("Conversation · is a ticket"),
  "message.text": _("Message · text"), "message.direction": _("Message · direction"), "message.kind": _("Message · kind"),
  "message.sender_type": _("Message · written by"), "message.attachment_count": _("Message · number of attachments"),
  "message.automated": _("Message · sent by a machine"),
  "contact.name": _("Contact · name"), "contact.language": _("Contact · language"), "contact.emails": _("Contact · emails"),
  "contact.phones": _("Contact · phones"), "contact.tags": _("Contact · tags"),
  "ticket.number": _("Ticket · number"), "ticket.title": _("Ticket · title"), "ticket.summary": _("Ticket · summary"),
  "ticket.status": _("Ticket · status"), "ticket.priority": _("Ticket · priority"), "ticket.team_id": _("Ticket · team"),
  "ticket.assignee_ids": _("Ticket · assignees"), "ticket.owner_id": _("Ticket · owner"), "ticket.tags": _("Ticket · tags"),
  "ticket.category_path": _("Ticket · category"), "ticket.escalation_level": _("Ticket · escalation level"),
  "ticket.deal_ref": _("Ticket · deal or order"), "ticket.due_at": _("Ticket · due"),
  "channel.id": _("Channel"), "channel.kind": _("Channel · kind"), "channel.name": _("Channel · name"),
  "sla.target": _("SLA · target"), "csat.rating": _("Satisfaction · rating"), "csat.comment": _("Satisfaction · comment"),
  now: _("Now"),
};

/** The words for the values of choice fields (the API keeps its names). */
export const VALUE_LABELS = {
  open: _("Open"), pending: _("Pending"), snoozed: _("Snoozed"), resolved: _("Resolved"), bot: _("With the bot"),
  new: _("New"), on_hold: _("On hold"), closed: _("Closed"),
  urgent: _("Urgent"), high: _("High"), medium: _("Medium"), low: _("Low"),
  message: _("a message"), comment: _("a page comment"), note: _("an internal note"), activity: _("an activity"),
  in: _("from the customer"), out: _("to the customer"),
  contact: _("the customer"), agent: _("an agent"), system: _("the system"),
  telegram: "Telegram", facebook: "Facebook", zalo: "Zalo", email: _("Email"), portal: _("Portal"),
  first_response: _("first response"), next_response: _("next response"), resolution: _("resolution"),
};

/** The readable name of a field path: "ticket.priority" → "Ticket · priority". */
export function fieldLabel(name) {
  if (FIELD_LABELS[name]) return FIELD_LABELS[name];
  const [subject, ...rest] = name.split(".");
  return `${subject} · ${rest.join(".").replaceAll("_", " ")}`;
}

/** A choice's words; `bot` is the bot as a writer, a conversation with the bot as a status. */
function valueLabel(field, value) {
  if (value === "bot" && field === "message.sender_type") return _("the bot");
  return VALUE_LABELS[value] || value.replaceAll("_", " ");
}

/** A value as people read it: names for ids, words for choices, "empty" for nothing. */
function shownValue(name, value, directory) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return _("empty");
  if (Array.isArray(value)) return value.map((item) => shownValue(name, item, directory)).join(", ");
  if (typeof value === "boolean") return value ? _("yes") : _("no");
  if (typeof value === "number") return String(value);
  if (name.endsWith("_id") || name.endsWith("_ids") || name === "mentions" || name === "channel.id") {
    const found = idOptions(name.replace(/s$/, ""), directory).find(([id]) => id === value);
    if (found) return found[1];
  }
  if (PARAM_VALUE_LABELS[value] && !name.includes(".")) return PARAM_VALUE_LABELS[value];
  if (VALUE_LABELS[value]) return valueLabel(name, value);
  return `«${value}»`;
}

/** A condition that did not hold, from the run log's data, in the reader's words. */
export function unmetText(unmet, directory) {
  const wanted = NO_VALUE.has(unmet.operator) ? "" : ` ${shownValue(unmet.field, unmet.value, directory)}`;
  return _("{condition}: it was {value}", {
    condition: `${fieldLabel(unmet.field)} ${OPERATOR_LABELS[unmet.operator] || unmet.operator}${wanted}`,
    value: shownValue(unmet.field, unmet.was, directory),
  });
}

/** An action and its settings in the reader's words ("Add a tag: Tag «vip»"). */
export function actionText(action, directory) {
  const settings = Object.entries(action).filter(([key, value]) => !["type", "secret"].includes(key) && value !== null && value !== undefined)
    .map(([key, value]) => `${PARAM_LABELS[key] || key} ${shownValue(key, value, directory)}`);
  const name = ACTION_LABELS[action.type] || action.type;
  return settings.length ? `${name}: ${settings.join(", ")}` : name;
}

export const actionName = (type) => ACTION_LABELS[type] || type;

/** A sentence the server wrote as {text, values}, in the reader's language: the text from
 * the catalogue, API names among the values as words. */
export function inWords({ text, values }) {
  const shown = Object.fromEntries(Object.entries(values || {}).map(([key, value]) =>
    [key, typeof value === "string" ? PARAM_VALUE_LABELS[value] || VALUE_LABELS[value] || value : value]));
  return fill(_(text), shown);
}

/** Options for an id: teams, agents or channels, by what the field or parameter names. */
function idOptions(name, directory) {
  if (name.endsWith("team_id")) return directory.teams.map((t) => [t.id, t.name]);
  if (name.startsWith("channel")) return directory.channels.map((c) => [c.id, c.name]);
  return directory.agents.map((a) => [a.id, a.name]);
}

/** A <select> of [value, label] pairs with `value` chosen (several, when `multiple`). */
export function select(options, value, attributes = {}) {
  const node = el("select", attributes, ...options.map(([key, label]) => el("option", { value: key }, label)));
  if (value !== undefined && value !== null) node.value = Array.isArray(value) ? value[0] : String(value);
  if (attributes.multiple && Array.isArray(value)) for (const option of node.options) option.selected = value.includes(option.value);
  return node;
}

/** The values chosen in a <select multiple>. */
export const selected = (node) => [...node.selectedOptions].map((o) => o.value);

/** Where the API's problem messages go: each input registers its path. */
export class Problems {
  constructor(summary) {
    this.summary = summary;
    this.inputs = new Map();
  }

  /** Problems with a new summary box, to place at the top of a form. */
  static create() {
    return new Problems(el("div", { class: "error problem-summary", role: "alert", hidden: true }));
  }

  register(path, node) {
    this.inputs.set(path, node);
    node.dataset.path = path;
  }

  clear() {
    for (const node of document.querySelectorAll(".field-problem")) node.remove();
    for (const node of this.inputs.values()) node.removeAttribute("aria-invalid");
    this.summary.replaceChildren();
    this.summary.hidden = true;
  }

  /** Show each problem at its input (or its closest registered parent path) and in the summary. */
  show(message, details) {
    this.clear();
    this.summary.hidden = false;
    const list = el("ul", {}, ...(details || []).map((d) => el("li", {}, el("code", {}, d.field), " ", d.message)));
    this.summary.append(el("strong", {}, message), list);
    this.summary.scrollIntoView({ block: "nearest" });
    for (const problem of details || []) {
      const node = this.closest(problem.field);
      if (!node) continue;
      node.setAttribute("aria-invalid", "true");
      node.after(el("span", { class: "field-problem" }, problem.message));
    }
  }

  closest(path) {
    for (let parts = path.split("."); parts.length; parts.pop()) {
      const node = this.inputs.get(parts.join("."));
      if (node && node.isConnected) return node;
    }
    return null;
  }
}

// ---- conditions ------------------------------------------------------------------------

/** A group of conditions: "all"/"any" of rows and nested groups. */
export function conditionGroup(catalogue, directory, problems, tree, path = "conditions", depth = 1) {
  const kind = "any" in (tree || {}) ? "any" : "all";
  const items = (tree && tree[kind]) || [];
  const mode = select([["all", _("All of these")], ["any", _("Any of these")]], kind, { "aria-label": _("Match") });
  const list = el("div", { class: "condition-items" });
  const parts = [];
  const body = el("fieldset", { class: `condition-group depth-${depth}` });

  const renumber = () => parts.forEach((part, index) => part.setPath(`${path}.${mode.value}.${index}`));
  const add = (part) => {
    parts.push(part);
    list.append(part.node);
    renumber();
  };
  const removeButton = (part) => el("button", {
    type: "button", class: "link danger", "aria-label": _("Remove"), onclick: () => {
      parts.splice(parts.indexOf(part), 1);
      part.node.remove();
      renumber();
    },
  }, "✕");
  const addRow = (leaf) => {
    const part = conditionRow(catalogue, directory, problems, leaf);
    part.node.append(removeButton(part));
    add(part);
  };
  const addGroup = (group) => {
    const part = conditionGroup(catalogue, directory, problems, group, path, depth + 1);
    part.node.querySelector(".group-head").append(removeButton(part));
    add(part);
  };
  for (const item of items) ("all" in item || "any" in item) ? addGroup(item) : addRow(item);
  mode.addEventListener("change", renumber);

  body.append(
    el("div", { class: "group-head" }, mode),
    list,
    el("div", { class: "group-buttons" },
      el("button", { type: "button", onclick: () => addRow(null) }, _("+ Condition")),
      depth < 4 ? el("button", { type: "button", onclick: () => addGroup({ all: [] }) }, _("+ Group")) : null),
  );
  const part = {
    node: body,
    read: () => ({ [mode.value]: parts.map((p) => p.read()) }),
    setPath(newPath) {
      path = newPath;
      problems.register(path, mode);
      renumber();
    },
  };
  part.setPath(path);
  if (!items.length && depth === 1) body.prepend(el("p", { class: "muted small group-hint" }, _("No conditions: the rule acts on every event of its kind.")));
  return part;
}

function conditionRow(catalogue, directory, problems, leaf) {
  const names = Object.keys(catalogue.fields);
  const field = select(names.map((n) => [n, fieldLabel(n)]), leaf?.field || "message.text", { "aria-label": _("Field") });
  const operator = el("select", { "aria-label": _("Operator") });
  const valueHolder = el("span", { class: "condition-value" });
  let readValue = () => null;
  let path = "";

  const drawOperators = (wanted) => {
    const kind = catalogue.fields[field.value].kind;
    const usable = Object.entries(catalogue.operators).filter(([name, kinds]) => kinds.includes(kind)
      && (name !== "within_business_hours" || field.value === "now"));
    operator.replaceChildren(...usable.map(([name]) => el("option", { value: name }, OPERATOR_LABELS[name] || name)));
    if (wanted && usable.some(([name]) => name === wanted)) operator.value = wanted;
  };
  const drawValue = (value) => {
    const spec = catalogue.fields[field.value];
    const many = operator.value === "in";
    let input = null;
    if (operator.value === "within_business_hours") {
      const calendars = (directory.calendars || []).map((c) => [c.id, c.name]);
      input = select([["", _("(the default calendar)")], ...calendars], value || "", { "aria-label": _("Calendar") });
      readValue = () => input.value || null;
    } else if (NO_VALUE.has(operator.value)) {
      readValue = () => null;
    } else if (spec.kind === "choice" || spec.kind === "id" || field.value.endsWith("_ids")) {
      const options = spec.kind === "choice" ? spec.choices.map((c) => [c, valueLabel(field.value, c)]) : idOptions(field.value, directory);
      input = select(options, value, { multiple: many, "aria-label": _("Value") });
      readValue = () => (many ? selected(input) : input.value);
    } else if (spec.kind === "bool") {
      input = select([["true", _("yes")], ["false", _("no")]], value === undefined ? "true" : String(value), { "aria-label": _("Value") });
      readValue = () => input.value === "true";
    } else if (spec.kind === "number" && !many) {
      input = el("input", { type: "number", step: "any", value: value ?? "", "aria-label": _("Value") });
      readValue = () => (input.value === "" ? null : Number(input.value));
    } else if (spec.kind === "time") {
      input = el("input", { type: "datetime-local", "aria-label": _("Value") });
      if (value) input.value = new Date(value).toISOString().slice(0, 16);
      readValue = () => (input.value ? new Date(input.value).toISOString() : null);
    } else {
      const shown = Array.isArray(value) ? value.join(", ") : (value ?? "");
      input = el("input", { type: "text", value: shown, "aria-label": _("Value"), placeholder: many ? _("comma, separated") : "" });
      readValue = () => {
        if (!many) return input.value;
        const items = input.value.split(",").map((v) => v.trim()).filter(Boolean);
        return spec.kind === "number" ? items.map(Number) : items;
      };
    }
    valueHolder.replaceChildren(...(input ? [input] : []));
    if (input) problems.register(`${path}.value`, input);
  };

  drawOperators(leaf?.operator);
  field.addEventListener("change", () => {
    drawOperators(operator.value);
    drawValue(undefined);
  });
  operator.addEventListener("change", () => drawValue(undefined));
  const node = el("div", { class: "condition-row" }, field, operator, valueHolder);
  return {
    node,
    read: () => {
      const out = { field: field.value, operator: operator.value };
      const value = readValue();
      if (!NO_VALUE.has(operator.value) || value !== null) out.value = value;
      return out;
    },
    setPath(newPath) {
      path = newPath;
      problems.register(path, node);
      problems.register(`${path}.field`, field);
      problems.register(`${path}.operator`, operator);
      drawValue(valueHolder.firstChild ? readValue() : leaf?.value);
    },
  };
}

// ---- actions ---------------------------------------------------------------------------

/** An ordered list of actions, each with its type and the parameters that type takes. */
export function actionList(catalogue, directory, problems, actions, path = "actions") {
  const list = el("ol", { class: "action-items" });
  const parts = [];
  const renumber = () => parts.forEach((part, index) => part.setPath(`${path}.${index}`));
  const move = (part, by) => {
    const index = parts.indexOf(part);
    const to = index + by;
    if (to < 0 || to >= parts.length) return;
    parts.splice(index, 1);
    parts.splice(to, 0, part);
    list.replaceChildren(...parts.map((p) => p.node));
    renumber();
  };
  const add = (action) => {
    const part = actionRow(catalogue, directory, problems, action);
    part.node.querySelector(".action-buttons").append(
      el("button", { type: "button", class: "link", "aria-label": _("Move up"), onclick: () => move(part, -1) }, "↑"),
      el("button", { type: "button", class: "link", "aria-label": _("Move down"), onclick: () => move(part, 1) }, "↓"),
      el("button", {
        type: "button", class: "link danger", "aria-label": _("Remove"), onclick: () => {
          parts.splice(parts.indexOf(part), 1);
          part.node.remove();
          renumber();
        },
      }, "✕"),
    );
    parts.push(part);
    list.append(part.node);
    renumber();
  };
  for (const action of actions || []) add(action);
  const node = el("div", { class: "action-list" }, list,
    el("button", { type: "button", onclick: () => add({ type: "add_tag" }) }, _("+ Action")));
  problems.register(path, list);
  return { node, read: () => parts.map((p) => p.read()) };
}

function actionRow(catalogue, directory, problems, action) {
  const types = Object.keys(catalogue.actions);
  const type = select(types.map((t) => [t, ACTION_LABELS[t] || t]), action.type, { "aria-label": _("Action") });
  const params = el("div", { class: "action-params" });
  let readers = {};
  let path = "";

  const draw = (values) => {
    readers = {};
    params.replaceChildren(...catalogue.actions[type.value].map((param) => {
      const [input, read] = paramInput(param, values[param.name], directory);
      readers[param.name] = read;
      problems.register(`${path}.${param.name}`, input);
      const hint = TEMPLATED.has(param.name)
        ? el("span", { class: "muted small" }, _("Placeholders:"), " ", catalogue.placeholders.map((p) => `{{${p}}}`).join(" "))
        : null;
      return el("label", { class: LONG_TEXT.has(param.name) ? "wide" : "" }, PARAM_LABELS[param.name] || param.name, input, hint);
    }));
  };
  type.addEventListener("change", () => draw({}));
  const node = el("li", { class: "action-row" }, el("div", { class: "action-head" }, type, el("span", { class: "action-buttons" })), params);
  return {
    node,
    read: () => {
      const out = { type: type.value };
      for (const [name, read] of Object.entries(readers)) {
        const value = read();
        if (value !== null && value !== "" && !(Array.isArray(value) && !value.length)) out[name] = value;
      }
      return out;
    },
    setPath(newPath) {
      const current = path ? this.read() : action;
      path = newPath;
      problems.register(path, type);
      draw(current);
    },
  };
}

/** One parameter's input and how to read it back. */
function paramInput(param, value, directory) {
  const initial = value ?? param.default;
  const optional = param.required ? [] : [["", _("(default)")]];
  if (param.name.endsWith("_ids") || param.name === "mentions") {
    const input = select(directory.agents.map((a) => [a.id, a.name]), initial || [], { multiple: true });
    return [input, () => selected(input)];
  }
  if (param.name.endsWith("_id")) {
    const input = select([...optional, ...idOptions(param.name, directory)], initial);
    return [input, () => input.value || null];
  }
  if (param.name === "level") {
    const input = select([["", _("(from the team)")], ...[0, 1, 2, 3].map((l) => [String(l), `L${l}`])], initial);
    return [input, () => (input.value === "" ? null : Number(input.value))];
  }
  if (param.type === "choice") {
    const input = select([...optional, ...param.choices.map((c) => [c, PARAM_VALUE_LABELS[c] || valueLabel(param.name, c)])], initial);
    return [input, () => input.value || null];
  }
  if (param.type === "number" || param.type === "integer") {
    const input = el("input", { type: "number", step: param.type === "integer" ? "1" : "any", min: "0", value: initial ?? "" });
    return [input, () => (input.value === "" ? null : Number(input.value))];
  }
  if (LONG_TEXT.has(param.name)) {
    const input = el("textarea", { rows: "2", maxlength: "2000" }, initial ?? "");
    return [input, () => input.value];
  }
  const kind = param.name === "secret" ? "password" : param.name === "url" ? "url" : "text";
  const input = el("input", { type: kind, value: initial ?? "" });
  return [input, () => input.value];
}
