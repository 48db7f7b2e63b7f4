// Admin → Bot and FAQ: each channel's bot (greeting, menu with questions, FAQ, hand-off,
// out of hours), the FAQ entries with a try-it box, and the questions the bot missed.

import { _, api, el, setupAvailability, shortTime, toast } from "./core.js";
import { confirmDelete, describeError, emptyRow, modalForm, saved } from "./admin_forms.js";
import { Problems } from "./rule_builder.js";

const boot = JSON.parse(document.getElementById("bootstrap").textContent);
const $ = (id) => document.getElementById(id);
const lines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);
const commas = (text) => text.split(",").map((item) => item.trim()).filter(Boolean);
const DEFAULT_BOT = {
  enabled: true, greeting: _("Hello! I am the shop's assistant."), menu_prompt: "", options: [],
  use_faq: true, out_of_hours: "", calendar_id: null, handoff_words: ["agent", "human", "nhân viên", "người thật"], max_failures: 2,
};
let calendars = [];

// ---- the channel's bot --------------------------------------------------------------------

async function loadBot() {
  const channelId = $("bot-channel").value;
  if (!channelId) {
    $("bot-form").replaceChildren(el("p", { class: "muted" }, _("Connect a channel first (Admin → Channels).")));
    return;
  }
  const bot = await api("GET", `/channels/${channelId}/bot`).catch((error) => (error.status === 404 ? null : Promise.reject(error)));
  drawBot(channelId, bot || { ...DEFAULT_BOT, enabled: false });
}

function optionRow(option, problems, index) {
  const label = el("input", { maxlength: "40", value: option.label, "aria-label": _("Option") });
  const team = el("select", { "aria-label": _("Team") }, el("option", { value: "" }, _("(no team)")), ...boot.teams.map((t) => el("option", { value: t.id }, t.name)));
  team.value = option.team_id || "";
  const questions = el("textarea", { rows: "2", placeholder: _("Questions to ask first, one per line (two at most)"), "aria-label": _("Questions") }, option.questions.join("\n"));
  problems.register(`options.${index}.team_id`, team);
  problems.register(`options.${index}.label`, label);
  const row = el("div", { class: "bot-option" }, label, team, questions,
    el("button", { type: "button", class: "link danger", "aria-label": _("Remove"), onclick: () => row.remove() }, "✕"));
  row.read = () => ({ label: label.value.trim(), team_id: team.value || null, questions: lines(questions.value) });
  return row;
}

function drawBot(channelId, bot) {
  const problems = Problems.create();
  const enabled = el("input", { type: "checkbox", checked: bot.enabled });
  const greeting = el("textarea", { rows: "2", maxlength: "1000" }, bot.greeting);
  const prompt = el("input", { maxlength: "300", value: bot.menu_prompt, placeholder: _("How can we help? Choose an option:") });
  const options = el("div", { class: "bot-options" }, ...bot.options.map((o, i) => optionRow(o, problems, i)));
  const useFaq = el("input", { type: "checkbox", checked: bot.use_faq });
  const inHours = el("textarea", { rows: "2", maxlength: "1000", placeholder: _("Thanks! A member of our team will reply here shortly.") }, bot.in_hours || "");
  const outOfHours = el("textarea", { rows: "2", maxlength: "1000", placeholder: _("We are closed now and will answer from 8:00.") }, bot.out_of_hours || "");
  const calendar = el("select", {}, el("option", { value: "" }, _("(the default calendar)")), ...calendars.map((c) => el("option", { value: c.id }, c.name)));
  calendar.value = bot.calendar_id || "";
  const words = el("input", { value: bot.handoff_words.join(", ") });
  const failures = el("input", { type: "number", min: "1", max: "5", class: "narrow", value: bot.max_failures });
  const externalUrl = el("input", { type: "url", value: bot.external_url || "", placeholder: "https://bot.example.com/events" });
  const externalSecret = el("input", { type: "password", value: bot.external_secret || "", minlength: "16", autocomplete: "new-password" });
  const externalTimeout = el("input", { type: "number", min: "1", max: "30", step: "0.5", class: "narrow", value: bot.external_timeout_seconds ?? 10 });
  problems.register("external_url", externalUrl);
  problems.register("external_secret", externalSecret);
  problems.register("greeting", greeting);
  problems.register("calendar_id", calendar);
  const body = () => ({
    enabled: enabled.checked, greeting: greeting.value.trim(), menu_prompt: prompt.value.trim(),
    options: [...options.children].map((row) => row.read()), use_faq: useFaq.checked,
    in_hours: inHours.value.trim() || null, out_of_hours: outOfHours.value.trim() || null, calendar_id: calendar.value || null,
    handoff_words: commas(words.value), max_failures: Number(failures.value),
    external_url: externalUrl.value.trim() || null, external_secret: externalSecret.value || null,
    external_timeout_seconds: Number(externalTimeout.value),
  });
  const save = el("button", { type: "submit", class: "primary" }, _("Save the bot"));
  $("bot-form").replaceChildren(
    problems.summary,
    el("label", { class: "check" }, enabled, _("The bot answers new conversations on this channel")),
    el("label", {}, _("Greeting"), greeting),
    el("fieldset", { class: "rule-section" }, el("legend", {}, _("Menu")),
      el("label", {}, _("Prompt"), prompt), options,
      el("button", { type: "button", onclick: () => options.append(optionRow({ label: "", team_id: null, questions: [] }, problems, options.children.length)) }, _("+ Option"))),
    el("label", { class: "check" }, useFaq, _("Answer from the FAQ when confident; offer the top three when unsure")),
    el("div", { class: "form-grid" },
      el("label", {}, _("Hand-over message in business hours"), inHours),
      el("label", {}, _("Out-of-hours message"), outOfHours),
      el("label", {}, _("Business hours"), calendar)),
    el("div", { class: "form-grid" },
      el("label", {}, _("Words that ask for a person"), words),
      el("label", {}, _("Hand over after this many misses"), failures)),
    el("fieldset", { class: "rule-section" }, el("legend", {}, _("External bot (optional)")),
      el("p", { class: "muted small" }, _("Your own bot gets each customer message as a signed POST and answers through the API with its token; if it does not answer in time, the agents take over. See docs/bot.md.")),
      el("div", { class: "form-grid" },
        el("label", {}, _("URL"), externalUrl), el("label", {}, _("Signing secret"), externalSecret),
        el("label", {}, _("Timeout (seconds)"), externalTimeout))),
    el("div", { class: "dialog-buttons" }, save),
  );
  $("bot-form").onsubmit = async (event) => {
    event.preventDefault();
    save.disabled = true;
    let answer = null;
    await saved(async () => { answer = await api("PUT", `/channels/${channelId}/bot`, body()); }, problems, _("Bot saved."));
    save.disabled = false;
    if (answer?.token) {
      $("bot-form").append(el("div", { class: "card token-card" }, el("strong", {}, _("The external bot's API token (shown once):")), " ", el("code", {}, answer.token)));
    }
  };
}

// ---- FAQ ----------------------------------------------------------------------------------

async function loadFaqs() {
  const { items } = await api("GET", "/faqs");
  $("faq-rows").replaceChildren(...(items.length ? items.map((entry) => el("tr", {},
    el("td", {}, el("strong", {}, entry.question), entry.enabled ? null : el("span", { class: "badge" }, _("off")),
      entry.variants.length ? el("div", { class: "muted small" }, entry.variants.join(" · ")) : null),
    el("td", { class: "canned-text" }, entry.answer),
    el("td", {},
      el("button", { type: "button", class: "link", onclick: () => editFaq(entry) }, _("Edit")),
      el("button", { type: "button", class: "link danger", onclick: () => confirmDelete(`/faqs/${entry.id}`, _("Delete this FAQ entry?"), loadFaqs) }, _("Delete"))),
  )) : [emptyRow(3, _("No FAQ entries yet."))]));
}

function editFaq(entry, question = "") {
  const current = entry || { question, variants: [], keywords: [], answer: "", enabled: true };
  const problems = Problems.create();
  const ask = el("input", { maxlength: "300", value: current.question });
  const variants = el("textarea", { rows: "3", placeholder: _("Other ways to ask, one per line") }, current.variants.join("\n"));
  const keywords = el("input", { value: current.keywords.join(", "), placeholder: _("comma, separated") });
  const answer = el("textarea", { rows: "4", maxlength: "4000" }, current.answer);
  const enabled = el("input", { type: "checkbox", checked: current.enabled });
  for (const [field, node] of Object.entries({ question: ask, answer })) problems.register(field, node);
  const body = () => ({ question: ask.value.trim(), variants: lines(variants.value), keywords: commas(keywords.value), answer: answer.value.trim(), enabled: enabled.checked });
  modalForm({
    title: entry ? _("Edit the FAQ entry") : _("New FAQ entry"),
    wide: true,
    children: [problems.summary, el("label", {}, _("Question"), ask), el("label", {}, _("Other ways to ask"), variants),
      el("label", {}, _("Keywords"), keywords), el("label", {}, _("Answer"), answer), el("label", { class: "check" }, enabled, _("Enabled"))],
    submit: async () => {
      const ok = await saved(() => (entry ? api("PATCH", `/faqs/${entry.id}`, body()) : api("POST", "/faqs", body())), problems, _("FAQ entry saved."));
      if (ok) await loadFaqs();
      return ok;
    },
  });
}

async function tryQuestion(event) {
  event.preventDefault();
  const text = event.target.elements.text.value.trim();
  if (!text) return;
  try {
    const found = await api("POST", "/faqs/match", { text });
    const scores = found.scores.map(([question, score]) => `${question} (${score})`).join(" · ");
    $("faq-try-result").textContent = found.answer
      ? _("The bot would answer: {answer}", { answer: found.answer.answer })
      : found.offers.length ? _("The bot would offer: {questions}", { questions: found.offers.map((o) => o.question).join(" · ") })
        : _("The bot would not answer. Closest: {scores}", { scores: scores || "—" });
  } catch (error) {
    toast(describeError(error), "error");
  }
}

async function loadMisses() {
  const { items } = await api("GET", "/faqs/misses");
  $("misses").replaceChildren(...(items.length ? items.map((miss) => el("li", {},
    el("span", {}, miss.text), " ", el("span", { class: "muted small" }, shortTime(miss.at)), " ",
    el("button", { type: "button", class: "link", onclick: () => editFaq(null, miss.text) }, _("Make an FAQ entry")))) : [el("li", { class: "muted" }, _("None yet."))]));
}

async function start() {
  setupAvailability(boot.me);
  const select = $("bot-channel");
  select.replaceChildren(...boot.channels.map((c) => el("option", { value: c.id }, `${c.name} (${c.kind})`)));
  select.addEventListener("change", () => loadBot().catch((error) => toast(describeError(error), "error")));
  $("new-faq").addEventListener("click", () => editFaq(null));
  $("faq-try").addEventListener("submit", tryQuestion);
  try {
    calendars = (await api("GET", "/calendars")).items;
    await Promise.all([loadBot(), loadFaqs(), loadMisses()]);
  } catch (error) {
    toast(describeError(error), "error");
  }
}

start();
