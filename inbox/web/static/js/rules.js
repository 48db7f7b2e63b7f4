// Admin → Rules: the ordered rule list (drag or Alt+↑/↓ to reorder, a switch to enable), the
// builder, each rule's run log and dry runs. Shortcuts live in the second tab (admin_shortcuts.js).

import { _, api, el, fullTime, setupAvailability, shortTime, toast } from "./core.js";
import { describeError } from "./admin_forms.js";
import { EVENT_LABELS, Problems, actionList, actionName, actionText, conditionGroup, inWords, unmetText } from "./rule_builder.js";
import { setupShortcuts } from "./admin_shortcuts.js";
import { setupCanned } from "./admin_canned.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const $ = (id) => document.getElementById(id);
const TIME_EVENT = "ticket.time_in_status";
const RUN_LABELS = { matched: _("matched"), not_matched: _("did not match"), skipped: _("skipped"), stopped: _("stopped"), running: _("running") };

let catalogue = null;
let rules = [];
let openId = null;

// ---- the list ---------------------------------------------------------------------------

async function loadRules() {
  ({ items: rules } = await api("GET", "/rules"));
  drawList();
}

function drawList() {
  const list = $("rule-list");
  if (!rules.length) {
    list.replaceChildren(el("li", { class: "list-empty" }, el("strong", {}, _("No rules yet")), _("Rules assign, tag, escalate and answer for you. Create the first one.")));
    return;
  }
  list.replaceChildren(...rules.map(ruleItem));
}

function ruleItem(rule) {
  const toggle = el("input", {
    type: "checkbox", class: "switch", checked: rule.enabled, "aria-label": _("Enabled"),
    onclick: (event) => event.stopPropagation(),
    onchange: async () => {
      try {
        Object.assign(rule, await api("PATCH", `/rules/${rule.id}`, { enabled: toggle.checked }));
        toast(rule.enabled ? _("Rule enabled.") : _("Rule disabled."));
      } catch (error) {
        toggle.checked = !toggle.checked;
        toast(describeError(error), "error");
      }
    },
  });
  const item = el("li", {
    class: "rule-item", draggable: "true", tabindex: "0", "aria-current": rule.id === openId ? "true" : null,
    dataset: { id: rule.id },
    onclick: () => openRule(rule.id),
    onkeydown: (event) => {
      if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
        event.preventDefault();
        moveRule(rule.id, event.key === "ArrowUp" ? -1 : 1);
      } else if (event.key === "Enter") {
        openRule(rule.id);
      }
    },
  },
  el("span", { class: "drag-handle", "aria-hidden": "true" }, "⋮⋮"),
  el("span", { class: "rule-text" }, el("span", { class: "rule-name" }, rule.name), el("span", { class: "muted small" }, EVENT_LABELS[rule.event] || rule.event)),
  rule.stop_processing ? el("span", { class: "badge", title: _("Later rules skip the event when this one matches") }, _("stops")) : null,
  toggle);
  item.addEventListener("dragstart", (event) => {
    event.dataTransfer.setData("text/plain", rule.id);
    item.classList.add("dragging");
  });
  item.addEventListener("dragend", () => item.classList.remove("dragging"));
  item.addEventListener("dragover", (event) => {
    event.preventDefault();
    item.classList.add("drop-before");
  });
  item.addEventListener("dragleave", () => item.classList.remove("drop-before"));
  item.addEventListener("drop", (event) => {
    event.preventDefault();
    item.classList.remove("drop-before");
    const moved = event.dataTransfer.getData("text/plain");
    if (moved && moved !== rule.id) placeBefore(moved, rule.id);
  });
  return item;
}

function moveRule(id, by) {
  const index = rules.findIndex((r) => r.id === id);
  const to = index + by;
  if (to < 0 || to >= rules.length) return;
  const ids = rules.map((r) => r.id);
  [ids[index], ids[to]] = [ids[to], ids[index]];
  saveOrder(ids, id);
}

function placeBefore(movedId, beforeId) {
  const ids = rules.map((r) => r.id).filter((id) => id !== movedId);
  ids.splice(ids.indexOf(beforeId), 0, movedId);
  saveOrder(ids, movedId);
}

async function saveOrder(ids, focusId) {
  const previous = rules;
  rules = ids.map((id) => previous.find((r) => r.id === id));
  drawList();
  document.querySelector(`.rule-item[data-id="${focusId}"]`)?.focus();
  try {
    ({ items: rules } = await api("POST", "/rules/reorder", { ids }));
    drawList();
    document.querySelector(`.rule-item[data-id="${focusId}"]`)?.focus();
  } catch (error) {
    rules = previous;
    drawList();
    toast(describeError(error), "error");
  }
}

// ---- the editor -------------------------------------------------------------------------

function openRule(id) {
  openId = id;
  for (const item of document.querySelectorAll(".rule-item")) item.setAttribute("aria-current", String(item.dataset.id === id));
  const rule = id ? rules.find((r) => r.id === id) : {
    name: "", event: "message.created", enabled: true, stop_processing: false,
    conditions: { all: [{ field: "message.direction", operator: "equals", value: "in" }] }, actions: [{ type: "add_tag", tag: "" }], after: null,
  };
  drawEditor(rule);
}

function drawEditor(rule) {
  const problems = Problems.create();
  const name = el("input", { name: "name", required: true, maxlength: "120", value: rule.name, placeholder: _("e.g. Refunds go to Billing") });
  const event = el("select", { name: "event" }, ...catalogue.events.map((e) => el("option", { value: e }, EVENT_LABELS[e] || e)));
  event.value = rule.event;
  const afterStatus = el("select", { "aria-label": _("Status") }, ...["new", "open", "pending", "on_hold", "resolved"].map((s) => el("option", { value: s }, s.replace("_", " "))));
  const afterHours = el("input", { type: "number", min: "0.1", step: "0.5", value: rule.after?.hours ?? 48, "aria-label": _("Hours") });
  afterStatus.value = rule.after?.status || "pending";
  const after = el("div", { class: "after-row" }, _("in status"), afterStatus, _("for more than"), afterHours, _("hours"));
  const showAfter = () => { after.hidden = event.value !== TIME_EVENT; };
  event.addEventListener("change", showAfter);
  showAfter();
  const enabled = el("input", { type: "checkbox", checked: rule.enabled });
  const stop = el("input", { type: "checkbox", checked: rule.stop_processing });
  const when = conditionGroup(catalogue, boot, problems, rule.conditions);
  const then = actionList(catalogue, boot, problems, rule.actions);
  problems.register("name", name);
  problems.register("event", event);
  problems.register("after", after);

  const read = () => ({
    name: name.value.trim(), event: event.value, enabled: enabled.checked, stop_processing: stop.checked,
    conditions: when.read(), actions: then.read(),
    after: event.value === TIME_EVENT ? { status: afterStatus.value, hours: Number(afterHours.value) } : null,
  });
  const save = el("button", { type: "submit", class: "primary" }, rule.id ? _("Save") : _("Create rule"));
  const form = el("form", { class: "rule-form", novalidate: true, onsubmit: async (submitted) => {
    submitted.preventDefault();
    save.disabled = true;
    try {
      const saved = rule.id ? await api("PATCH", `/rules/${rule.id}`, read()) : await api("POST", "/rules", read());
      problems.clear();
      toast(rule.id ? _("Rule saved.") : _("Rule created."));
      await loadRules();
      openRule(saved.id);
    } catch (error) {
      if (error.details) problems.show(error.message, error.details);
      else toast(describeError(error), "error");
    } finally {
      save.disabled = false;
    }
  } },
  problems.summary,
  el("label", { class: "field" }, _("Name"), name),
  el("fieldset", { class: "rule-section" }, el("legend", {}, _("When")), event, after),
  el("fieldset", { class: "rule-section" }, el("legend", {}, _("If")), when.node),
  el("fieldset", { class: "rule-section" }, el("legend", {}, _("Then")), then.node),
  el("div", { class: "rule-options" },
    el("label", { class: "check" }, enabled, _("Enabled")),
    el("label", { class: "check" }, stop, _("Stop processing: later rules skip the event when this one matches"))),
  el("div", { class: "dialog-buttons" },
    rule.id && !rule.built_in ? el("button", { type: "button", class: "danger", onclick: () => deleteRule(rule) }, _("Delete")) : null,
    save));

  const panes = [form];
  if (rule.id) panes.push(dryRunPanel(rule), runLog(rule));
  $("rule-editor").replaceChildren(el("h2", {}, rule.id ? rule.name : _("New rule")), ...panes);
  name.focus();
}

async function deleteRule(rule) {
  if (!confirm(_("Delete the rule {name}?", { name: rule.name }))) return;
  try {
    await api("DELETE", `/rules/${rule.id}`);
    openId = null;
    await loadRules();
    $("rule-editor").replaceChildren(editorEmpty());
  } catch (error) {
    toast(describeError(error), "error");
  }
}

function editorEmpty() {
  return el("div", { class: "empty-state" }, el("div", { class: "empty-illustration" }),
    el("h2", {}, _("Pick a rule or create one")),
    el("p", {}, _("A rule says when (an event), if (conditions) and then (actions, in order).")));
}

// ---- trying a rule and its log ----------------------------------------------------------

function dryRunPanel(rule) {
  const target = el("input", { placeholder: _("Ticket number (T-000123) or conversation id"), "aria-label": _("Try on") });
  const result = el("div", { class: "dry-run-result", "aria-live": "polite" });
  const form = el("form", { class: "dry-run", onsubmit: async (event) => {
    event.preventDefault();
    const ref = target.value.trim();
    if (!ref) return;
    const body = /^[Tt]-?\d+$/.test(ref) ? { ticket_id: ref.toUpperCase() } : { conversation_id: ref };
    result.replaceChildren(el("p", { class: "muted" }, _("Checking…")));
    try {
      const answer = await api("POST", `/rules/${rule.id}/dry-run`, body);
      result.replaceChildren(
        el("p", { class: answer.matched ? "ok-text" : "muted" }, answer.matched ? _("It would match and:") : _("It would not match:")),
        el("ul", {}, ...(answer.matched ? rule.actions.map((action) => actionText(action, boot))
          : answer.unmet.map((unmet) => unmetText(unmet, boot))).map((line) => el("li", {}, line))));
    } catch (error) {
      result.replaceChildren(el("p", { class: "error" }, describeError(error)));
    }
  } }, target, el("button", { type: "submit" }, _("Try it (changes nothing)")));
  return el("section", { class: "rule-panel" }, el("h3", {}, _("Dry run")), form, result);
}

function runLog(rule) {
  const body = el("div", { class: "run-log" }, el("p", { class: "muted" }, _("Loading…")));
  const load = async () => {
    try {
      const { items } = await api("GET", `/rules/${rule.id}/runs`);
      body.replaceChildren(items.length ? el("ol", { class: "runs" }, ...items.map(runItem))
        : el("p", { class: "muted" }, _("No runs yet. Runs appear here as events arrive.")));
    } catch (error) {
      body.replaceChildren(el("p", { class: "error" }, describeError(error)));
    }
  };
  load();
  return el("section", { class: "rule-panel" },
    el("h3", {}, _("Recent runs"), el("button", { type: "button", class: "link", onclick: load }, _("Refresh"))), body);
}

function runItem(run) {
  const about = run.ticket_number
    ? el("a", { href: `/tickets/${run.ticket_number}`, class: "ticket-chip" }, run.ticket_number)
    : run.conversation_id ? el("a", { href: `/inbox?c=${run.conversation_id}` }, _("conversation")) : null;
  const lines = [
    ...(run.unmet.length ? run.unmet.map((unmet) => unmetText(unmet, boot)) : run.failed).map((line) => el("li", { class: "muted" }, "✗ ", line)),
    ...run.actions.map((a) => el("li", { class: a.ok ? "" : "error-text" }, a.ok ? "✓ " : "⚠ ", actionName(a.type), ": ",
      a.skipped ? _("skipped: {reason}", { reason: inWords(a.words) }) : a.words ? inWords(a.words) : a.detail)),
    ...(run.note ? [el("li", { class: "muted" }, run.note_words ? inWords(run.note_words) : run.note)] : []),
    ...run.webhooks.map((w) => el("li", { class: w.ok ? "" : "error-text" }, _("webhook attempt: {status}", { status: w.status ?? w.error ?? "?" }))),
  ];
  return el("li", { class: "run", dataset: { status: run.status } },
    el("div", { class: "run-head" },
      el("span", { class: "run-status" }, RUN_LABELS[run.status] || run.status),
      el("span", { class: "muted small" }, EVENT_LABELS[run.event_type] || run.event_type, run.depth ? ` · ${_("chain {depth}", { depth: run.depth })}` : ""),
      about,
      el("time", { datetime: run.at, title: fullTime(run.at), class: "muted small" }, shortTime(run.at))),
    lines.length ? el("ul", {}, ...lines) : null);
}

// ---- tabs and start ---------------------------------------------------------------------

function showTab(name) {
  for (const tab of document.querySelectorAll("[data-tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const panel of document.querySelectorAll("[data-panel]")) panel.hidden = panel.dataset.panel !== name;
  history.replaceState(null, "", `/admin/rules#${name}`);
}

async function start() {
  setupAvailability(boot.me);
  for (const tab of document.querySelectorAll("[data-tab]")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  showTab(["#shortcuts", "#canned"].includes(location.hash) ? location.hash.slice(1) : "rules");
  $("new-rule").addEventListener("click", () => openRule(null));
  try {
    catalogue = await api("GET", "/rules/catalogue");
    boot.calendars = (await api("GET", "/calendars")).items;
    await loadRules();
    $("rule-editor").replaceChildren(editorEmpty());
    await setupShortcuts(catalogue, boot);
    await setupCanned(catalogue, boot);
  } catch (error) {
    $("rule-list").replaceChildren(el("li", { class: "banner" }, describeError(error)));
  }
}

start();
