// Reports: figures for a period (with the previous one beside them), volume per day as a
// chart and a table, the agents table, each downloadable as CSV.
import { _, api, el, toast } from "./core.js";

const $ = (id) => document.getElementById(id);
const page = $("reports");
const isAdmin = page.dataset.admin === "true";
const form = $("report-filters");
let chart = null;

const zone = page.dataset.zone || "UTC";
const dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });

/** `day` (YYYY-MM-DD) moved by `days` days. */
function shift(day, days) {
  const moved = new Date(`${day}T12:00:00Z`);
  moved.setUTCDate(moved.getUTCDate() + days);
  return moved.toISOString().slice(0, 10);
}

/** The days a preset covers, up to today in the account's time zone (which cuts the days). */
function presetRange(preset) {
  const until = dayFormat.format(new Date());
  if (preset === "today") return { since: until, until };
  if (preset === "month") return { since: `${until.slice(0, 8)}01`, until };
  return { since: shift(until, -(Number(preset) - 1)), until };
}

/** The period of the same length just before `range`. */
function previous({ since, until }) {
  const days = Math.round((Date.parse(`${until}T12:00:00Z`) - Date.parse(`${since}T12:00:00Z`)) / 86400000) + 1;
  const end = shift(since, -1);
  return { since: shift(end, -(days - 1)), until: end };
}

function query(range) {
  const params = new URLSearchParams(range);
  for (const name of ["team", "agent", "channel", "priority", "category"]) {
    if (form.elements[name].value) params.set(name, form.elements[name].value);
  }
  return params.toString();
}

export function duration(seconds) {
  if (seconds == null) return "—";
  if (seconds < 90) return _("{n} s", { n: Math.round(seconds) });
  if (seconds < 5400) return _("{n} min", { n: Math.round(seconds / 60) });
  if (seconds < 172800) return _("{n} h", { n: (seconds / 3600).toFixed(1) });
  return _("{n} d", { n: (seconds / 86400).toFixed(1) });
}

const percent = (value) => (value == null ? "—" : `${value}%`);
const number = (value) => (value == null ? "—" : String(value));

/** A figure with how it moved since the previous period (for durations, down is better),
 * and an optional line under it. */
function card(label, value, before, shown, lowerIsBetter = false, note = null) {
  let trend = null;
  if (value != null && before != null && value !== before) {
    const up = value > before;
    const good = lowerIsBetter ? !up : up;
    trend = el("span", { class: `trend ${good ? "good" : "bad"}`, title: _("previous period: {value}", { value: shown(before) }) },
      up ? "▲ " : "▼ ", _("from {value}", { value: shown(before) }));
  }
  return el("div", { class: "report-card" }, el("span", { class: "muted small" }, label),
    el("strong", {}, shown(value)), trend, note ? el("span", { class: "muted small" }, note) : null);
}

const inBusinessHours = (seconds) => (seconds == null ? null : _("{value} in business hours", { value: duration(seconds) }));

const REASONS = {
  asked_for_person: _("asked for a person"),
  chose_option: _("chose a department"),
  faq_not_helpful: _("the answer did not help"),
  not_understood: _("not understood"),
  bot_unreachable: _("external bot did not answer"),
  agent_took_over: _("an agent took over"),
  other: _("other"),
};

function reasons(counts) {
  const named = Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([code, count]) => `${REASONS[code] || code}: ${count}`);
  return named.length ? named.join(" · ") : null;
}

function renderCards(now, before) {
  const cards = [
    card(_("Conversations opened"), now.conversations.opened, before.conversations.opened, number),
    card(_("Conversations resolved"), now.conversations.resolved, before.conversations.resolved, number),
    card(_("Tickets opened"), now.tickets.opened, before.tickets.opened, number),
    card(_("Tickets resolved"), now.tickets.resolved, before.tickets.resolved, number),
    card(_("Open tickets now"), now.tickets.backlog, null, number),
    ...["first_response", "resolution"].flatMap((name) => [
      card(name === "first_response" ? _("First response, median") : _("Resolution, median"),
        now[name].median_seconds, before[name].median_seconds, duration, true, inBusinessHours(now[name].business_median_seconds)),
      card(name === "first_response" ? _("First response, 90%") : _("Resolution, 90%"),
        now[name].p90_seconds, before[name].p90_seconds, duration, true, inBusinessHours(now[name].business_p90_seconds)),
    ]),
    card(_("SLA met"), now.sla.met_percent, before.sla.met_percent, percent),
    card(_("Satisfaction ({n} ratings)", { n: now.csat.responses }), now.csat.average, before.csat.average, number, false,
      now.csat.asked ? _("{percent} of {asked} surveys answered", { percent: percent(now.csat.response_percent), asked: now.csat.asked }) : null),
    card(_("Bot: resolved alone"), now.bot.deflected, before.bot.deflected, number, false,
      now.bot.conversations ? _("{percent} of the bot's conversations", { percent: percent(now.bot.deflected_percent) }) : null),
    card(_("Bot: handed over"), now.bot.handed_over, before.bot.handed_over, number, false, reasons(now.bot.handover_reasons)),
    card(_("Replies by agents"), now.replies, before.replies, number),
    card(_("Escalations"), now.escalations.total, before.escalations.total, number),
  ];
  $("cards").replaceChildren(...cards);
  $("cards").removeAttribute("aria-busy");
}

function renderDaily(items, earlier) {
  const series = [
    ["conversations_opened", _("Conversations opened"), "#4f46e5"],
    ["conversations_resolved", _("Conversations resolved"), "#16794c"],
    ["tickets_opened", _("Tickets opened"), "#d97706"],
    ["tickets_resolved", _("Tickets resolved"), "#0f766e"],
  ];
  const data = {
    labels: items.map((item) => item.day),
    datasets: [
      ...series.map(([key, label, colour]) => ({ label, data: items.map((item) => item[key]), backgroundColor: colour })),
      {
        type: "line",
        label: _("Conversations opened, previous period"),
        data: earlier.map((item) => item.conversations_opened),
        borderColor: "#94a3b8",
        borderDash: [6, 4],
        pointRadius: 0,
      },
    ],
  };
  if (chart) {
    chart.data = data;
    chart.update();
  } else {
    chart = new window.Chart($("daily-chart"), {
      type: "bar",
      data,
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
  $("daily-rows").replaceChildren(...items.map((item, index) => el("tr", {}, el("td", {}, item.day),
    ...series.map(([key]) => el("td", {}, String(item[key]))),
    el("td", { class: "muted" }, earlier[index] ? `${earlier[index].day}: ${earlier[index].conversations_opened}` : "—"))));
}

function renderBreakdown(rowsId, items) {
  $(rowsId).replaceChildren(...(items.length ? items.map((item) => el("tr", {},
    el("td", {}, item.name || "—"),
    el("td", {}, String(item.conversations.opened)),
    el("td", {}, String(item.replies)),
    el("td", {}, String(item.tickets.resolved)),
    el("td", { title: inBusinessHours(item.first_response.business_median_seconds) }, duration(item.first_response.median_seconds)),
    el("td", { title: inBusinessHours(item.resolution.business_median_seconds) }, duration(item.resolution.median_seconds)),
    el("td", {}, percent(item.sla.met_percent)),
    el("td", {}, item.csat.average == null ? "—" : `${item.csat.average} (${item.csat.responses})`),
    el("td", {}, item.presence.online_seconds ? duration(item.presence.online_seconds) : "—"),
  )) : [el("tr", {}, el("td", { colspan: 9, class: "muted" }, _("Nothing in this period.")))]));
}

const WEEKDAYS = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")];

function renderHours(items) {
  const most = Math.max(1, ...items.map((item) => item.conversations));
  const hours = [...Array(24).keys()];
  $("heat-map").replaceChildren(
    el("thead", {}, el("tr", {}, el("th", {}, ""), ...hours.map((hour) => el("th", {}, String(hour))))),
    el("tbody", {}, ...WEEKDAYS.map((name, day) => el("tr", {}, el("th", {}, name),
      ...hours.map((hour) => {
        const count = items.find((item) => item.weekday === day && item.hour === hour)?.conversations || 0;
        const heat = count / most;
        return el("td", { class: heat > 0.5 ? "hot" : null, style: `--heat: ${heat.toFixed(2)}`, title: `${name} ${hour}:00 · ${count}` }, count ? String(count) : "");
      })))));
}

const PRIORITY_LABELS = { urgent: _("Urgent"), high: _("High"), medium: _("Medium"), low: _("Low"), none: _("No priority") };

const TARGET_LABELS = { first_response: _("first response"), next_response: _("next response"), resolution: _("resolution") };

function renderSla(result) {
  const missed = (entries, label) => (entries.length
    ? `${label} ${entries.map((entry) => _("{name}: {count} missed", { name: entry.name, count: entry.missed })).join(" · ")}`
    : null);
  const priorities = result.by_priority.map((entry) => ({ ...entry, name: PRIORITY_LABELS[entry.name] || entry.name }));
  $("sla-policies").replaceChildren(...[
    missed(result.by_policy, _("By policy:")),
    missed(priorities, _("By priority:")),
    missed(result.by_team, _("By team:")),
  ].filter(Boolean).map((line) => el("div", {}, line)));
  $("sla-rows").replaceChildren(...(result.tickets.length ? result.tickets.map((ticket) => el("tr", {},
    el("td", {}, el("a", { href: `/tickets/${ticket.number}` }, ticket.number)),
    el("td", {}, ticket.title), el("td", {}, ticket.priority), el("td", {}, ticket.team || "—"),
    el("td", {}, ticket.missed.map((name) => TARGET_LABELS[name] || name).join(", ")),
  )) : [el("tr", {}, el("td", { colspan: 5, class: "muted" }, _("No target missed in this period.")))]));
}

let ratingItems = [];

function renderRatings(items) {
  ratingItems = items;
  const only = $("ratings-only").value;
  const shown = items.filter((item) => (only === "low" ? item.rating <= 2 : only === "comments" ? Boolean(item.comment) : true));
  $("ratings").replaceChildren(...(shown.length ? shown.map((item) => el("li", {},
    el("span", { class: "stars" }, "★".repeat(item.rating)), " ",
    el("span", { class: "muted small" }, [item.ticket, item.agent, item.channel, item.at.slice(0, 10)].filter(Boolean).join(" · ")),
    item.comment ? el("p", {}, item.comment) : null)) : [el("li", { class: "muted" }, _("No ratings in this period."))]));
}

async function load() {
  const range = { since: form.elements.since.value, until: form.elements.until.value };
  const current = query(range);
  $("cards").setAttribute("aria-busy", "true");
  for (const name of ["daily", "agents", "teams", "channels", "hours", "ratings", "sla"]) {
    $(`${name}-csv`).href = `/api/v1/reports/${name}?${current}&format=csv`;
  }
  try {
    const earlier = query(previous(range));
    const [now, before, earlierDaily, daily, agents, teams, channels, hours, ratings, sla] = await Promise.all([
      api("GET", `/reports/overview?${current}`),
      api("GET", `/reports/overview?${earlier}`),
      api("GET", `/reports/daily?${earlier}`),
      ...["daily", "agents", "teams", "channels", "hours", "ratings", "sla"].map((name) => api("GET", `/reports/${name}?${current}`)),
    ]);
    renderCards(now, before);
    renderDaily(daily.items, earlierDaily.items);
    renderBreakdown("agent-rows", agents.items);
    renderBreakdown("team-rows", teams.items);
    renderBreakdown("channel-rows", channels.items);
    renderHours(hours.items);
    renderRatings(ratings.items);
    renderSla(sla);
    $("report-scope").textContent = isAdmin ? "" : _("You see your own figures.");
  } catch (error) {
    $("cards").removeAttribute("aria-busy");
    toast(error.message, "error");
  }
}

function choosePreset(preset) {
  const range = presetRange(preset);
  form.elements.since.value = range.since;
  form.elements.until.value = range.until;
  for (const button of form.querySelectorAll("[data-preset]")) button.setAttribute("aria-pressed", String(button.dataset.preset === preset));
  load();
}

async function fillFilters() {
  const lists = await Promise.all(["/teams", "/agents", "/channels", "/categories"].map((path) => api("GET", path).catch(() => ({ items: [] }))));
  const [teams, agents, channels, categories] = lists.map((list) => list.items);
  form.elements.category.append(...categories.map((category) => el("option", { value: category.id }, `${"\u00a0\u00a0".repeat(category.level)}${category.name}`)));
  form.elements.team.append(...teams.map((team) => el("option", { value: team.id }, team.name)));
  form.elements.agent.append(...agents.map((agent) => el("option", { value: agent.id }, agent.name)));
  form.elements.channel.append(...channels.map((channel) => el("option", { value: channel.id }, `${channel.name} (${channel.kind})`)));
  $("agent-filter").hidden = !isAdmin;
}

for (const button of form.querySelectorAll("[data-preset]")) button.addEventListener("click", () => choosePreset(button.dataset.preset));
form.addEventListener("change", (event) => {
  if (event.target.name === "since" || event.target.name === "until") {
    for (const button of form.querySelectorAll("[data-preset]")) button.setAttribute("aria-pressed", "false");
  }
  load();
});
$("ratings-only").addEventListener("change", () => renderRatings(ratingItems));
fillFilters().finally(() => choosePreset("30"));
