// Admin → SLA and business hours: policies (targets per priority, conditions, order) and
// calendars (time zone, opening intervals, public holidays, closed dates, one-off closures).

import { _, api, el, setupAvailability, toast } from "./core.js";
import { confirmDelete, describeError, emptyRow, modalForm, saved } from "./admin_forms.js";
import { Problems, select, selected } from "./rule_builder.js";
import { span, SLA_TARGET_LABELS } from "./due.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const $ = (id) => document.getElementById(id);
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_LABELS = {
  mon: _("Monday"), tue: _("Tuesday"), wed: _("Wednesday"), thu: _("Thursday"), fri: _("Friday"), sat: _("Saturday"), sun: _("Sunday"),
};
const PRIORITIES = { urgent: _("Urgent"), high: _("High"), medium: _("Medium"), low: _("Low") };
const PAUSABLE = { new: _("New"), open: _("Open"), pending: _("Pending"), on_hold: _("On hold") };
const regions = new Intl.DisplayNames([document.documentElement.lang || "en"], { type: "region" });
const country = (code) => { try { return regions.of(code) || code; } catch { return code; } };

let calendars = [];
let policies = [];
let countries = {};

const minutes = (value) => (value ? span(value * 60000) : "—");

// ---- calendars ----------------------------------------------------------------------------

/** "Mon–Fri 08:00–12:00, 13:30–17:30 · Sat 08:00–12:00": days with the same hours together. */
function hoursText(hours) {
  const groups = [];
  for (const day of DAYS) {
    const text = hours[day].map(([start, end]) => `${start}–${end}`).join(", ");
    const last = groups[groups.length - 1];
    if (last && last.text === text) last.days.push(day);
    else groups.push({ text, days: [day] });
  }
  return groups.filter((g) => g.text).map((g) => {
    const name = (day) => DAY_LABELS[day].slice(0, 3);
    const days = g.days.length > 1 ? `${name(g.days[0])}–${name(g.days[g.days.length - 1])}` : name(g.days[0]);
    return `${days} ${g.text}`;
  }).join(" · ") || _("never open");
}

async function loadCalendars() {
  ({ items: calendars } = await api("GET", "/calendars"));
  $("calendar-rows").replaceChildren(...(calendars.length ? calendars.map((calendar) => el("tr", {},
    el("td", {}, el("strong", {}, calendar.name), calendar.default ? el("span", { class: "badge" }, _("default")) : null),
    el("td", {}, calendar.timezone),
    el("td", {}, hoursText(calendar.hours)),
    el("td", {}, calendar.holidays ? country(calendar.holidays.country) + (calendar.holidays.subdivision ? ` (${calendar.holidays.subdivision})` : "") : "—",
      calendar.closed_dates.length ? el("div", { class: "muted small" }, _("{n} closed dates", { n: calendar.closed_dates.length })) : null),
    el("td", {},
      el("button", { type: "button", class: "link", onclick: () => editCalendar(calendar) }, _("Edit")),
      calendar.default ? null : el("button", { type: "button", class: "link", onclick: () => makeDefault(calendar) }, _("Make default")),
      calendar.default ? null : el("button", {
        type: "button", class: "link danger",
        onclick: () => confirmDelete(`/calendars/${calendar.id}`, _("Delete the calendar {name}?", { name: calendar.name }), loadCalendars),
      }, _("Delete"))),
  )) : [emptyRow(5, _("No calendar yet: SLA clocks count Monday to Friday, 08:00–17:00 UTC."))]));
}

async function makeDefault(calendar) {
  try {
    await api("PATCH", `/calendars/${calendar.id}`, { default: true });
    await loadCalendars();
  } catch (error) {
    toast(describeError(error), "error");
  }
}

function editCalendar(calendar) {
  const current = calendar || {
    name: "", timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, holidays: null, closed_dates: [], closures: [], default: false,
    hours: Object.fromEntries(DAYS.map((day, index) => [day, index < 5 ? [["08:00", "12:00"], ["13:30", "17:30"]] : []])),
  };
  const problems = Problems.create();
  const name = el("input", { required: true, maxlength: "80", value: current.name });
  const zones = el("datalist", { id: "time-zones" }, ...Intl.supportedValuesOf("timeZone").map((zone) => el("option", { value: zone })));
  const timezone = el("input", { list: "time-zones", required: true, value: current.timezone });
  const days = Object.fromEntries(DAYS.map((day) => [day, el("input", {
    value: current.hours[day].map(([start, end]) => `${start}-${end}`).join(", "), placeholder: _("closed"),
    "aria-label": DAY_LABELS[day],
  })]));
  const countryPick = el("select", {}, el("option", { value: "" }, _("(no public holidays)")),
    ...Object.keys(countries).map((code) => [code, country(code)]).sort((a, b) => a[1].localeCompare(b[1]))
      .map(([code, label]) => el("option", { value: code }, `${label} (${code})`)));
  countryPick.value = current.holidays?.country || "";
  const subdivision = el("input", { value: current.holidays?.subdivision || "", placeholder: _("optional, e.g. CA") });
  const closedDates = el("textarea", { rows: "3", placeholder: "2027-02-08" }, current.closed_dates.join("\n"));
  const closures = el("textarea", { rows: "2", placeholder: "2027-03-01T13:00 2027-03-01T17:30 Training" },
    current.closures.map((c) => `${c.start.slice(0, 16)} ${c.end.slice(0, 16)}${c.reason ? ` ${c.reason}` : ""}`).join("\n"));
  const isDefault = el("input", { type: "checkbox", checked: current.default });
  problems.register("name", name);
  problems.register("timezone", timezone);
  problems.register("hours", days.mon);
  for (const day of DAYS) problems.register(`hours.${day}`, days[day]);
  problems.register("holidays", countryPick);
  problems.register("holidays.subdivision", subdivision);
  problems.register("closed_dates", closedDates);
  problems.register("closures", closures);

  const body = () => ({
    name: name.value.trim(),
    timezone: timezone.value.trim(),
    hours: Object.fromEntries(DAYS.map((day) => [day, days[day].value.split(",").map((part) => part.trim()).filter(Boolean)
      .map((part) => part.split("-").map((time) => time.trim()))])),
    holidays: countryPick.value ? { country: countryPick.value, subdivision: subdivision.value.trim() || null } : null,
    closed_dates: closedDates.value.split(/\s+/).filter(Boolean),
    closures: closures.value.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
      const [start, end, ...reason] = line.split(/\s+/);
      return { start, end, reason: reason.join(" ") || null };
    }),
    default: isDefault.checked || undefined,
  });
  modalForm({
    title: calendar ? _("Edit the calendar") : _("New calendar"),
    wide: true,
    children: [
      problems.summary,
      el("div", { class: "form-grid" }, el("label", {}, _("Name"), name), el("label", {}, _("Time zone"), timezone, zones)),
      el("fieldset", { class: "rule-section" }, el("legend", {}, _("Opening hours")),
        el("p", { class: "muted small" }, _("Intervals like 08:00-12:00, 13:30-17:30; 24:00 ends the day; empty is closed.")),
        el("div", { class: "day-grid" }, ...DAYS.flatMap((day) => [el("span", {}, DAY_LABELS[day]), el("span", {}, days[day])]))),
      el("fieldset", { class: "rule-section" }, el("legend", {}, _("Closed")),
        el("div", { class: "form-grid" }, el("label", {}, _("Public holidays of"), countryPick), el("label", {}, _("Region"), subdivision)),
        el("label", {}, _("Other closed dates, one per line"), closedDates),
        el("label", {}, _("One-off closures: start, end (local time) and a reason, one per line"), closures)),
      el("label", { class: "check" }, isDefault, _("The default calendar")),
    ],
    submit: async () => {
      const ok = await saved(() => (calendar ? api("PATCH", `/calendars/${calendar.id}`, body()) : api("POST", "/calendars", body())), problems, _("Calendar saved."));
      if (ok) await Promise.all([loadCalendars(), loadPolicies()]);
      return ok;
    },
  });
}

// ---- policies -----------------------------------------------------------------------------

function appliesTo(conditions) {
  const names = (ids, list) => ids.map((id) => list.find((item) => item.id === id)?.name || id).join(", ");
  const parts = [
    conditions.team_ids.length ? _("teams: {names}", { names: names(conditions.team_ids, boot.teams) }) : null,
    conditions.channel_ids.length ? _("channels: {names}", { names: names(conditions.channel_ids, boot.channels) }) : null,
    conditions.category_ids.length ? _("categories: {names}", { names: names(conditions.category_ids, boot.categories) }) : null,
    conditions.contact_tags.length ? _("contacts tagged {tags}", { tags: conditions.contact_tags.join(", ") }) : null,
  ].filter(Boolean);
  return parts.join("; ") || _("every ticket");
}

async function loadPolicies() {
  ({ items: policies } = await api("GET", "/sla-policies"));
  $("policy-rows").replaceChildren(...(policies.length ? policies.map((policy, index) => el("tr", {},
    el("td", {},
      el("button", { type: "button", class: "link", "aria-label": _("Move up"), disabled: index === 0, onclick: () => move(index, -1) }, "↑"),
      el("button", { type: "button", class: "link", "aria-label": _("Move down"), disabled: index === policies.length - 1, onclick: () => move(index, 1) }, "↓")),
    el("td", {}, el("strong", {}, policy.name), policy.enabled ? null : el("span", { class: "badge" }, _("off"))),
    el("td", {}, appliesTo(policy.conditions)),
    ...Object.keys(PRIORITIES).map((priority) => {
      const targets = policy.targets[priority] || {};
      return el("td", { class: "small", title: Object.entries(SLA_TARGET_LABELS).map(([key, label]) => `${label}: ${minutes(targets[key])}`).join("\n") },
        `${minutes(targets.first_response)} / ${minutes(targets.resolution)}`);
    }),
    el("td", {}, calendars.find((c) => c.id === policy.calendar_id)?.name || _("default")),
    el("td", {},
      el("button", { type: "button", class: "link", onclick: () => editPolicy(policy) }, _("Edit")),
      el("button", {
        type: "button", class: "link danger",
        onclick: () => confirmDelete(`/sla-policies/${policy.id}`, _("Delete the SLA policy {name}?", { name: policy.name }), loadPolicies),
      }, _("Delete"))),
  )) : [emptyRow(9, _("No SLA policy yet: tickets have no due times until one applies."))]));
}

async function move(index, by) {
  const ordered = [...policies];
  const [moved] = ordered.splice(index, 1);
  ordered.splice(index + by, 0, moved);
  try {
    await Promise.all(ordered.map((policy, position) => api("PATCH", `/sla-policies/${policy.id}`, { position })));
    await loadPolicies();
  } catch (error) {
    toast(describeError(error), "error");
  }
}

function multiSelect(items, chosen, label) {
  return select(items.map((item) => [item.id, item.name]), chosen, { multiple: true, "aria-label": label });
}

function editPolicy(policy) {
  const current = policy || {
    name: "", enabled: true, calendar_id: null, warning_percent: 80, pause_statuses: ["pending", "on_hold"],
    conditions: { team_ids: [], channel_ids: [], category_ids: [], contact_tags: [] },
    targets: {
      urgent: { first_response: 60, next_response: 60, resolution: 480 },
      high: { first_response: 240, next_response: 240, resolution: 1440 },
      medium: { first_response: 480, next_response: 480, resolution: 2880 },
      low: { first_response: 1440, next_response: 1440, resolution: 7200 },
    },
  };
  const problems = Problems.create();
  const name = el("input", { required: true, maxlength: "80", value: current.name });
  const enabled = el("input", { type: "checkbox", checked: current.enabled });
  const calendar = el("select", {}, el("option", { value: "" }, _("(the default calendar)")), ...calendars.map((c) => el("option", { value: c.id }, c.name)));
  calendar.value = current.calendar_id || "";
  const warning = el("input", { type: "number", min: "1", max: "99", value: current.warning_percent, class: "narrow" });
  const pauses = Object.entries(PAUSABLE).map(([status, label]) => [status, el("input", { type: "checkbox", checked: current.pause_statuses.includes(status), "aria-label": label })]);
  const targetInputs = Object.fromEntries(Object.keys(PRIORITIES).map((priority) => [priority, Object.fromEntries(Object.keys(SLA_TARGET_LABELS).map((target) => {
    const minutes = current.targets[priority]?.[target];
    const input = el("input", {
      type: "number", min: "0.25", step: "0.25", class: "narrow", value: minutes ? +(minutes / 60).toFixed(2) : "",
      "aria-label": `${PRIORITIES[priority]} · ${SLA_TARGET_LABELS[target]} (${_("business hours")})`,
    });
    problems.register(`targets.${priority}.${target}`, input);
    return [target, input];
  }))]));
  const teams = multiSelect(boot.teams, current.conditions.team_ids, _("Teams"));
  const channels = multiSelect(boot.channels, current.conditions.channel_ids, _("Channels"));
  const categories = multiSelect(boot.categories, current.conditions.category_ids, _("Categories"));
  const tags = el("input", { value: current.conditions.contact_tags.join(", "), placeholder: _("comma, separated") });
  problems.register("name", name);
  problems.register("calendar_id", calendar);
  problems.register("warning_percent", warning);
  problems.register("targets", targetInputs.urgent.first_response);
  problems.register("pause_statuses", pauses[0][1]);

  const body = () => ({
    name: name.value.trim(), enabled: enabled.checked, calendar_id: calendar.value || null,
    warning_percent: Number(warning.value), pause_statuses: pauses.filter(([, box]) => box.checked).map(([status]) => status),
    targets: Object.fromEntries(Object.entries(targetInputs).map(([priority, inputs]) => [priority,
      Object.fromEntries(Object.entries(inputs).map(([target, input]) => [target, input.value === "" ? null : Math.round(Number(input.value) * 60)]))])),
    conditions: {
      team_ids: selected(teams), channel_ids: selected(channels), category_ids: selected(categories),
      contact_tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
    },
  });
  modalForm({
    title: policy ? _("Edit the SLA policy") : _("New SLA policy"),
    wide: true,
    children: [
      problems.summary,
      el("div", { class: "form-grid" }, el("label", {}, _("Name"), name), el("label", {}, _("Calendar"), calendar)),
      el("fieldset", { class: "rule-section" }, el("legend", {}, _("Targets in business hours")),
        el("p", { class: "muted small" }, _("Only the hours the calendar is open count: with 8 open hours a day, 8 is one working day and 0.5 is 30 minutes. Leave a target empty to have none.")),
        el("table", { class: "target-table" },
          el("thead", {}, el("tr", {}, el("th", {}), ...Object.values(SLA_TARGET_LABELS).map((label) => el("th", {}, label)))),
          el("tbody", {}, ...Object.entries(targetInputs).map(([priority, inputs]) => el("tr", {},
            el("th", {}, PRIORITIES[priority]), ...Object.values(inputs).map((input) => el("td", {}, input))))))),
      el("div", { class: "form-grid" },
        el("label", {}, _("Warn at this share of a target (%)"), warning),
        el("fieldset", {}, el("legend", {}, _("The clock pauses while the ticket is")),
          ...pauses.map(([status, box]) => el("label", { class: "check" }, box, PAUSABLE[status])))),
      el("fieldset", { class: "rule-section" }, el("legend", {}, _("Applies to (empty: every ticket)")),
        el("div", { class: "form-grid" },
          el("label", {}, _("Teams"), teams), el("label", {}, _("Channels"), channels),
          el("label", {}, _("Categories"), categories), el("label", {}, _("Contact tags"), tags))),
      el("label", { class: "check" }, enabled, _("Enabled")),
    ],
    submit: async () => {
      const ok = await saved(() => (policy ? api("PATCH", `/sla-policies/${policy.id}`, body()) : api("POST", "/sla-policies", body())), problems, _("SLA policy saved."));
      if (ok) await loadPolicies();
      return ok;
    },
  });
}

async function start() {
  setupAvailability(boot.me);
  $("new-calendar").addEventListener("click", () => editCalendar(null));
  $("new-policy").addEventListener("click", () => editPolicy(null));
  try {
    ({ countries } = await api("GET", "/calendars/countries"));
    await loadCalendars();
    await loadPolicies();
  } catch (error) {
    $("policy-rows").replaceChildren(el("tr", {}, el("td", { colspan: "9", class: "banner" }, describeError(error))));
  }
}

start();
