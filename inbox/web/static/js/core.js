// Shared browser helpers: translations, API calls, safe DOM building, times, toasts.

const catalog = JSON.parse(document.getElementById("i18n")?.textContent || "{}");
const language = document.documentElement.lang || "en";

/** Translate a user-facing string (same catalogue as the server's templates), then fill it. */
export function _(text, values = {}) {
  return fill(catalog[text] || text, values);
}

/** Put values into the {placeholders} of an already translated string. */
export function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? values[name] : match));
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.details = body?.error?.details;
  }
}

const csrf = document.querySelector('meta[name="csrf-token"]')?.content;

/** Call the JSON API with the session cookie and CSRF token; throws ApiError. */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, { error: { message: _("Cannot reach the server. Check your connection.") } });
  }
  if (response.status === 401) {
    window.location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    throw new ApiError(401, null);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Upload one file for a message; returns {id, name, size, mime_type, url}. */
export async function upload(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await fetch("/api/v1/files", {
    method: "POST", body: form, credentials: "same-origin",
    headers: csrf ? { "X-CSRF-Token": csrf } : {},
  }).catch(() => null);
  const data = response ? await response.json().catch(() => null) : null;
  if (!response || !response.ok) throw new ApiError(response ? response.status : 0, data);
  return data;
}

/** Build an element; children are nodes or strings (always inserted as text, never HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const timeFormat = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(language, { weekday: "short" });
const dateFormat = new Intl.DateTimeFormat(language, { day: "numeric", month: "short" });
const fullFormat = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
const dayHeading = new Intl.DateTimeFormat(language, { weekday: "long", day: "numeric", month: "long" });

/** Short time for lists: 14:05 today, a weekday this week, a date before. */
export function shortTime(iso) {
  const when = new Date(iso);
  const now = new Date();
  if (when.toDateString() === now.toDateString()) return timeFormat.format(when);
  if (when < now && now - when < 6 * 86400000) return dayFormat.format(when);
  return dateFormat.format(when);
}

export const clockTime = (iso) => timeFormat.format(new Date(iso));
export const fullTime = (iso) => fullFormat.format(new Date(iso));
export const dayLabel = (iso) => dayHeading.format(new Date(iso));

/** A <time> element showing `text` with the full local date as its tooltip. */
export function timeElement(iso, text) {
  return el("time", { datetime: iso, title: fullTime(iso) }, text);
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = el("div", { class: `toast ${kind}` }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 7000 : 3500);
}

const palette = ["#e11d48", "#db2777", "#9333ea", "#4f46e5", "#0284c7", "#0d9488", "#16a34a", "#ca8a04", "#ea580c"];

export function initials(name) {
  return (name || "?").split(/\s+/).filter(Boolean).slice(-2).map((part) => part[0]).join("").toUpperCase();
}

export function colourFor(text) {
  let hash = 0;
  for (const char of text || "") hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return palette[Math.abs(hash) % palette.length];
}

export const CHANNEL_LABELS = { telegram: "Telegram", facebook: "Facebook", zalo: "Zalo", email: _("Email"), portal: _("Portal") };
const CHANNEL_GLYPHS = { telegram: "T", facebook: "f", zalo: "Z", email: "@", portal: "P" };

/** What tells a channel apart from another of the same name: the bot, page, OA or address. */
export function channelIdentity(channel) {
  const config = channel.config || {};
  const named = {
    telegram: config.bot_username ? `@${config.bot_username}` : null,
    facebook: config.page_id ? fill(_("Page {id}"), { id: config.page_id }) : null,
    zalo: config.oa_id ? fill(_("OA {id}"), { id: config.oa_id }) : null,
    email: config.address || null,
  }[channel.kind];
  return named || fill(_("id {id}"), { id: channel.id.slice(-6) });
}

export function channelDot(kind) {
  return el("span", { class: `channel-dot channel-${kind}`, title: CHANNEL_LABELS[kind] || kind }, CHANNEL_GLYPHS[kind] || "?");
}

/** Keep the availability selector in the top bar in sync with the server. */
export async function setupAvailability(me) {
  const select = document.getElementById("availability");
  if (!select) return;
  const agent = await api("GET", "/me").catch(() => null);
  if (agent) select.value = agent.availability;
  select.addEventListener("change", async () => {
    try {
      await api("PATCH", `/agents/${me.id}`, { availability: select.value });
      toast(_("You are now {state}.", { state: select.options[select.selectedIndex].text }));
    } catch (error) {
      toast(error.message, "error");
    }
  });
}
