// Admin: channels, agents and teams (ticket settings in admin_tickets.js), over the public API.

import { _, api, el, fill, toast, CHANNEL_LABELS, channelIdentity, setupAvailability } from "./core.js";
import { emptyRow, onSubmit } from "./admin_forms.js";
import { setupTicketSettings } from "./admin_tickets.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const $ = (id) => document.getElementById(id);

function showTab(name) {
  for (const tab of document.querySelectorAll("[data-tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const panel of document.querySelectorAll("[data-panel]")) panel.hidden = panel.dataset.panel !== name;
  history.replaceState(null, "", `/admin#${name}`);
}

// What each kind of channel asks for: [config key, label, input type, required].
const CHANNEL_FIELDS = {
  telegram: [
    ["bot_token", _("Bot token from @BotFather"), "password", true],
    ["api_base_url", _("Bot API address (optional; empty: https://api.telegram.org)"), "url", false],
  ],
  facebook: [
    ["page_id", _("Page ID"), "text", true],
    ["page_access_token", _("Page access token"), "password", true],
    ["app_secret", _("App secret"), "password", true],
    ["verify_token", _("Verify token (optional)"), "text", false],
    ["human_agent_tag", _("The app has the human agent permission (replies up to 7 days)"), "checkbox", false],
  ],
  "zalo-sign-in": [
    ["app_id", _("App ID"), "text", true],
    ["oa_secret_key", _("OA secret key (webhook page)"), "password", true],
    ["app_secret_key", _("App secret key (token refresh)"), "password", true],
  ],
  zalo: [
    ["oa_id", _("OA ID"), "text", true],
    ["app_id", _("App ID"), "text", true],
    ["oa_secret_key", _("OA secret key (webhook page)"), "password", true],
    ["app_secret_key", _("App secret key (token refresh)"), "password", true],
    ["access_token", _("Access token"), "password", true],
    ["refresh_token", _("Refresh token"), "password", true],
  ],
  email: [
    ["address", _("Support address"), "email", true],
    ["display_name", _("Sender name"), "text", false],
    ["smtp_host", _("SMTP host"), "text", true],
    ["smtp_port", _("SMTP port"), "number", true, "587"],
    ["imap_host", _("IMAP host (empty: relay only)"), "text", false],
    ["imap_port", _("IMAP port"), "number", false, "993"],
    ["username", _("User name"), "text", true],
    ["password", _("Password"), "password", true],
    ["use_tls", _("Use TLS"), "checkbox", false, true],
  ],
};
const CHANNEL_HELP = {
  telegram: _("The webhook is registered with Telegram for you. Telegram needs an HTTPS address: set INBOX_PUBLIC_URL. Leave the Bot API address empty unless you run your own Bot API server (telegram-bot-api); a wrong address is reported as such, a wrong token as a token Telegram rejected."),
  facebook: _("The page is subscribed for you. Then paste the webhook URL and verify token into your Meta app's Webhooks settings."),
  "zalo-sign-in": _("First enter {url} as the Zalo app's callback URL. You then sign in on Zalo and pick the Official Account; its tokens come from Zalo and renew by themselves.", { url: boot.zalo_callback_url }),
  zalo: _("Then paste the webhook URL into the Zalo app's webhook settings and enable the message events."),
  email: _("Mail is read from the IMAP folder every minute and replies go through SMTP. A mail relay may post raw messages to the webhook URL instead."),
};

function renderChannelFields() {
  const kind = $("channel-kind").value;
  $("channel-fields").replaceChildren(...CHANNEL_FIELDS[kind].map(([key, label, type, required, initial]) => {
    const input = el("input", { name: key, type, required: required && type !== "checkbox", value: type === "checkbox" ? undefined : initial });
    if (type === "checkbox") input.checked = Boolean(initial);
    return el("label", { class: type === "checkbox" ? "check" : "" }, label, input);
  }));
  $("channel-help").textContent = CHANNEL_HELP[kind];
}

function channelConfig(form) {
  const config = {};
  for (const [key, , type] of CHANNEL_FIELDS[form.elements.kind.value]) {
    const input = form.elements[key];
    if (type === "checkbox") config[key] = input.checked;
    else if (input.value !== "") config[key] = type === "number" ? Number(input.value) : input.value;
  }
  return config;
}

function showConnected(channel) {
  const box = $("channel-result");
  const facts = [[_("Webhook URL"), channel.webhook_url]];
  if (channel.config.verify_token) facts.push([_("Verify token"), channel.config.verify_token]);
  if (channel.webhook_secret) facts.push([_("Relay secret (shown once)"), channel.webhook_secret]);
  box.replaceChildren(
    el("h3", {}, _("{name} is connected", { name: channel.name })),
    el("dl", { class: "facts" }, ...facts.flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, el("code", {}, value))])),
  );
  box.hidden = false;
}

async function loadChannels() {
  const { items } = await api("GET", "/channels");
  $("channel-rows").replaceChildren(...(items.length ? items.map((channel) => el("tr", {},
    el("td", {}, channel.name, channel.demo ? el("span", { class: "muted small" }, " ", _("(demo)")) : null,
      el("div", { class: "muted small channel-identity" }, channelIdentity(channel))),
    el("td", {}, CHANNEL_LABELS[channel.kind] || channel.kind),
    el("td", {}, !channel.enabled
      ? el("span", { class: "health bad" }, _("Disabled"))
      : channel.health.state === "ok"
        ? el("span", { class: "health ok" }, _("Working"))
        : el("span", { class: "health bad", title: channel.health.message || "" }, channel.health.message || channel.health.state)),
    el("td", {}, el("code", {}, channel.webhook_url)),
    el("td", {},
      settingBox(channel, "auto_ticket", _("Auto tickets"), _("Open a ticket for every new conversation")),
      settingBox(channel, "csat", _("Surveys"), _("Ask for a 1–5 rating when a ticket is resolved"))),
    el("td", {},
      el("button", { type: "button", class: "link", onclick: () => switchChannel(channel) }, channel.enabled ? _("Disable") : _("Enable")),
      " ",
      el("button", { type: "button", class: "link", onclick: () => removeChannel(channel) }, _("Disconnect"))),
  )) : [emptyRow(6, _("No channels yet. Connect one below."))]));
}

async function loadRetention() {
  const { attachment_days: days } = await api("GET", "/retention");
  $("retention-form").elements.attachment_days.value = days ?? "";
}

/** Back from Zalo's sign-in: say how it went, once. */
function showZaloOutcome() {
  const query = new URLSearchParams(location.search);
  if (query.has("channel_connected")) toast(_("{name} is connected.", { name: query.get("channel_connected") }));
  if (query.has("channel_error")) toast(query.get("channel_error"), "error");
  if (query.has("channel_connected") || query.has("channel_error")) history.replaceState(null, "", `/admin${location.hash}`);
}

const SETTING_TOASTS = {
  auto_ticket: [_("{name} now opens a ticket for each new conversation."), _("{name} no longer opens tickets by itself.")],
  csat: [_("{name} now asks for a rating when a ticket is resolved."), _("{name} no longer asks for ratings.")],
};

/** A channel's on/off inbox setting, saved as it is clicked. */
function settingBox(channel, key, label, title) {
  return el("label", { class: "check", title },
    el("input", { type: "checkbox", checked: channel.settings[key], onchange: (event) => saveSetting(channel, key, event.target) }),
    label);
}

async function saveSetting(channel, key, box) {
  try {
    await api("PATCH", `/channels/${channel.id}`, { settings: { [key]: box.checked } });
    const [on, off] = SETTING_TOASTS[key];
    toast(fill(box.checked ? on : off, { name: channel.name }));
  } catch (error) {
    box.checked = !box.checked;
    toast(error.message, "error");
  }
}

/** Pause a channel (unregistered at the platform, no replies) or resume it. */
async function switchChannel(channel) {
  try {
    const changed = await api("PATCH", `/channels/${channel.id}`, { enabled: !channel.enabled });
    const what = changed.enabled ? _("{name} is enabled.", { name: channel.name }) : _("{name} is disabled.", { name: channel.name });
    toast(what + " " + (changed.platform_note || ""));
    loadChannels();
  } catch (error) {
    toast(error.message, "error");
  }
}

async function removeChannel(channel) {
  if (!confirm(_("Disconnect {name}? Its conversations stay.", { name: channel.name }))) return;
  let removed;
  try {
    removed = await api("DELETE", `/channels/${channel.id}`);
  } catch (error) {
    const anyway = _("Remove it anyway?");
    if (error.code !== "platform_refused" || !confirm(error.message + "\n\n" + anyway)) {
      if (error.code !== "platform_refused") toast(error.message, "error");
      return;
    }
    removed = await api("DELETE", `/channels/${channel.id}?force=true`).catch((again) => toast(again.message, "error"));
    if (!removed) return;
  }
  const done = _("{name} is disconnected.", { name: channel.name });
  toast(done + " " + removed.message, removed.unregistered ? "info" : "error");
  loadChannels();
}

const AVAILABILITY_LABELS = { online: _("Online"), busy: _("Busy"), offline: _("Offline") };

async function loadAgents() {
  const teams = new Map(boot.teams.map((team) => [team.id, team.name]));
  const { items } = await api("GET", "/agents");
  $("agent-rows").replaceChildren(...items.map((agent) => el("tr", {},
    el("td", {}, agent.name), el("td", {}, agent.email), el("td", {}, _(agent.role === "admin" ? "Admin" : "Agent")),
    el("td", {}, agent.team_ids.map((id) => teams.get(id) || id).join(", ") || "—"),
    el("td", {}, agentSetting(agent, "level", [0, 1, 2, 3].map((level) => el("option", { value: String(level) }, `L${level}`)))),
    el("td", {}, agentSetting(agent, "capacity")),
    el("td", {}, AVAILABILITY_LABELS[agent.availability] || agent.availability),
  )));
}

/** An agent's level (a select) or capacity (a number), saved on change. */
function agentSetting(agent, name, options = null) {
  const input = options
    ? el("select", { "aria-label": _("Level") }, ...options)
    : el("input", { type: "number", min: "1", max: "500", class: "narrow", "aria-label": _("Open conversations and tickets at most") });
  input.value = String(agent[name]);
  input.addEventListener("change", async () => {
    try {
      await api("PATCH", `/agents/${agent.id}`, { [name]: Number(input.value) });
      toast(_("Saved."));
    } catch (error) {
      input.value = String(agent[name]);
      toast(error.message, "error");
    }
  });
  return input;
}

async function loadTeams() {
  const { items } = await api("GET", "/teams");
  boot.teams = items;
  const methods = { manual: _("Manual"), round_robin: _("Round robin"), least_loaded: _("Least loaded") };
  $("team-rows").replaceChildren(...(items.length ? items.map((team) => el("tr", {},
    el("td", {}, team.name), el("td", {}, methods[team.assignment]), el("td", {}, `L${team.level}`),
    el("td", {}, leadPicker(team)),
  )) : [emptyRow(4, _("No teams yet."))]));
  $("agent-form").elements.team.replaceChildren(
    el("option", { value: "" }, _("No team")),
    ...items.map((team) => el("option", { value: team.id }, team.name)),
  );
}

/** The team lead (told of SLA breaches), saved on change. */
function leadPicker(team) {
  const select = el("select", { "aria-label": _("Lead of {team}", { team: team.name }) },
    el("option", { value: "" }, _("No lead")), ...boot.agents.map((agent) => el("option", { value: agent.id }, agent.name)));
  select.value = team.lead_id || "";
  select.addEventListener("change", async () => {
    try {
      await api("PATCH", `/teams/${team.id}`, { lead_id: select.value || null });
      toast(_("Saved."));
    } catch (error) {
      select.value = team.lead_id || "";
      toast(error.message, "error");
    }
  });
  return select;
}

onSubmit("channel-form",
  (data, form) => data.kind === "zalo-sign-in"
    ? api("POST", "/channels/zalo/authorize", { name: data.name, ...channelConfig(form) })
    : api("POST", "/channels", { kind: data.kind, name: data.name, config: channelConfig(form) }),
  (answer) => {
    if (answer.authorize_url) {
      location.assign(answer.authorize_url);  // Zalo's sign-in; it sends the admin back here
      return null;
    }
    renderChannelFields();
    showConnected(answer);
    return loadChannels();
  });
showZaloOutcome();
onSubmit("retention-form",
  (data) => api("PUT", "/retention", { attachment_days: data.attachment_days ? Number(data.attachment_days) : null }),
  (saved) => {
    $("retention-form").elements.attachment_days.value = saved.attachment_days ?? "";
    toast(saved.attachment_days ? _("Files older than {days} days will be deleted.", { days: saved.attachment_days }) : _("Files are kept as long as their messages."));
  });
$("channel-kind").addEventListener("change", renderChannelFields);
renderChannelFields();
onSubmit("agent-form",
  (data) => api("POST", "/agents", { name: data.name, email: data.email, password: data.password, role: data.role, team_ids: data.team ? [data.team] : [] }),
  () => { toast(_("Agent added.")); return loadAgents(); });
onSubmit("team-form",
  (data) => api("POST", "/teams", { name: data.name, assignment: data.assignment, level: Number(data.level) }),
  () => { toast(_("Team added.")); return loadTeams().then(loadAgents); });

for (const tab of document.querySelectorAll("[data-tab]")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
showTab(location.hash.slice(1) || "channels");
Promise.all([loadChannels(), loadRetention(), loadTeams().then(loadAgents), setupTicketSettings()]).catch((error) => toast(error.message, "error"));
setupAvailability(boot.me);
