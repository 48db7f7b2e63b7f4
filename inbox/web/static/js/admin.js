// Admin: channels, agents and teams, over the same API as everything else.

import { _, api, el, toast, CHANNEL_LABELS, setupAvailability } from "./core.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const $ = (id) => document.getElementById(id);

function showTab(name) {
  for (const tab of document.querySelectorAll("[data-tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const panel of document.querySelectorAll("[data-panel]")) panel.hidden = panel.dataset.panel !== name;
  history.replaceState(null, "", `/admin#${name}`);
}

function emptyRow(columns, text) {
  return el("tr", {}, el("td", { colspan: columns, class: "muted" }, text));
}

async function loadChannels() {
  const { items } = await api("GET", "/channels");
  $("channel-rows").replaceChildren(...(items.length ? items.map((channel) => el("tr", {},
    el("td", {}, channel.name, channel.demo ? el("span", { class: "muted small" }, " ", _("(demo)")) : null),
    el("td", {}, CHANNEL_LABELS[channel.kind] || channel.kind),
    el("td", {}, el("code", {}, channel.webhook_url)),
    el("td", {}, el("button", { type: "button", class: "link", onclick: () => removeChannel(channel) }, _("Disconnect"))),
  )) : [emptyRow(4, _("No channels yet. Connect one below."))]));
}

async function removeChannel(channel) {
  if (!confirm(_("Disconnect {name}? Its conversations stay.", { name: channel.name }))) return;
  try {
    await api("DELETE", `/channels/${channel.id}`);
    loadChannels();
  } catch (error) {
    toast(error.message, "error");
  }
}

const AVAILABILITY_LABELS = { online: _("Online"), busy: _("Busy"), offline: _("Offline") };

async function loadAgents() {
  const teams = new Map(boot.teams.map((team) => [team.id, team.name]));
  const { items } = await api("GET", "/agents");
  $("agent-rows").replaceChildren(...items.map((agent) => el("tr", {},
    el("td", {}, agent.name), el("td", {}, agent.email), el("td", {}, _(agent.role === "admin" ? "Admin" : "Agent")),
    el("td", {}, agent.team_ids.map((id) => teams.get(id) || id).join(", ") || "—"),
    el("td", {}, AVAILABILITY_LABELS[agent.availability] || agent.availability),
  )));
}

async function loadTeams() {
  const { items } = await api("GET", "/teams");
  boot.teams = items;
  const methods = { manual: _("Manual"), round_robin: _("Round robin"), least_loaded: _("Least loaded") };
  $("team-rows").replaceChildren(...(items.length ? items.map((team) => el("tr", {},
    el("td", {}, team.name), el("td", {}, methods[team.assignment]), el("td", {}, `L${team.level}`),
  )) : [emptyRow(3, _("No teams yet."))]));
  $("agent-form").elements.team.replaceChildren(
    el("option", { value: "" }, _("No team")),
    ...items.map((team) => el("option", { value: team.id }, team.name)),
  );
}

function onSubmit(formId, build, after) {
  const form = $(formId);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const result = await build(Object.fromEntries(new FormData(form)));
      form.reset();
      await after(result);
    } catch (error) {
      const details = Array.isArray(error.details) ? ` (${error.details.map((d) => `${d.field}: ${d.message}`).join("; ")})` : "";
      toast(`${error.message}${details}`, "error");
    } finally {
      button.disabled = false;
    }
  });
}

onSubmit("telegram-form",
  (data) => api("POST", "/channels", { kind: "telegram", name: data.name, config: { bot_token: data.bot_token } }),
  (channel) => { toast(_("Connected. Telegram now sends updates to {url}", { url: channel.webhook_url })); return loadChannels(); });
onSubmit("agent-form",
  (data) => api("POST", "/agents", { name: data.name, email: data.email, password: data.password, role: data.role, team_ids: data.team ? [data.team] : [] }),
  () => { toast(_("Agent added.")); return loadAgents(); });
onSubmit("team-form",
  (data) => api("POST", "/teams", { name: data.name, assignment: data.assignment, level: Number(data.level) }),
  () => { toast(_("Team added.")); return loadTeams().then(loadAgents); });

for (const tab of document.querySelectorAll("[data-tab]")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
showTab(location.hash.slice(1) || "channels");
Promise.all([loadChannels(), loadTeams().then(loadAgents)]).catch((error) => toast(error.message, "error"));
setupAvailability(boot.me);
