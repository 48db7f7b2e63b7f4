// The customer portal: new requests (topic → FAQ first → form), a request's thread with
// replies, solving, reopening and rating, and live updates over /portal/ws.
import { _, el, fullTime, toast } from "./core.js";

const csrf = document.querySelector('meta[name="csrf-token"]')?.content;

/** Call the portal's API as the signed-in customer; throws Error with the server's message. */
async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  if (body !== undefined && !(body instanceof FormData)) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`/portal/api${path}`, {
      method, headers, credentials: "same-origin",
      body: body === undefined || body instanceof FormData ? body : JSON.stringify(body),
    });
  } catch {
    throw new Error(_("Cannot reach the server. Check your connection."));
  }
  if (response.status === 401) {
    location.href = `/portal/sign-in?next=${encodeURIComponent(location.pathname)}`;
    throw new Error(_("Sign in to the portal first."));
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(data?.error?.message || `HTTP ${response.status}`);
    error.details = data?.error?.details;
    throw error;
  }
  return data;
}

/** Call `refresh` whenever the server says something of this customer's changed. */
function live(refresh) {
  let wait = 1000;
  let timer = null;
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/portal/ws`);
    socket.addEventListener("open", () => { wait = 1000; });
    socket.addEventListener("message", (event) => {
      if (JSON.parse(event.data).type !== "changed") return;
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
    socket.addEventListener("close", () => {
      setTimeout(connect, wait);
      wait = Math.min(wait * 2, 30000);
      refresh();
    });
  };
  connect();
}

function showError(node, error) {
  const fields = (error.details || []).map((d) => `${d.field}: ${d.message}`).join("; ");
  node.textContent = fields ? `${error.message} (${fields})` : error.message;
  node.hidden = false;
}

// ---- my requests ---------------------------------------------------------------------------

function requestItem(item) {
  return el("li", {}, el("a", { href: `/portal/tickets/${item.number}`, class: "portal-request" },
    el("span", { class: "portal-number" }, item.number),
    el("span", { class: "portal-title" }, item.title),
    el("span", { class: `stage stage-${item.stage}` }, item.stage_label),
    item.new_reply ? el("span", { class: "badge-new" }, _("New reply")) : null,
    el("time", { datetime: item.updated_at, class: "muted small", title: fullTime(item.updated_at) },
      item.updated_at.slice(0, 10))));
}

function setupList(list) {
  live(async () => {
    const { items } = await call("GET", "/tickets");
    list.replaceChildren(...(items.length ? items.map(requestItem)
      : [el("li", { class: "empty" }, _("You have no requests yet."))]));
  });
}

// ---- a new request -------------------------------------------------------------------------

function faqEntry(entry, department) {
  const helped = el("button", { type: "button", class: "link" }, _("This answered my question"));
  helped.addEventListener("click", async () => {
    try {
      await call("POST", "/deflections", { department_id: department.id, faq_id: entry.id });
    } catch (error) {
      toast(error.message, "error");
      return;
    }
    for (const id of ["step-department", "step-faq", "request-form"]) document.getElementById(id).hidden = true;
    document.getElementById("deflected").hidden = false;
  });
  return el("details", { class: "faq-entry" }, el("summary", {}, entry.question),
    el("p", {}, entry.answer), helped);
}

function fieldInput(field) {
  const name = `custom.${field.key}`;
  const input = field.type === "select"
    ? el("select", { name, required: field.required }, el("option", { value: "" }, "—"),
      ...field.options.map((option) => el("option", { value: option }, option)))
    : el("input", { name, required: field.required, type: field.type === "number" ? "number" : field.type === "date" ? "date" : "text" });
  return el("label", {}, field.label, input);
}

function setupNewRequest(section) {
  const box = document.getElementById("departments");
  const form = document.getElementById("request-form");
  const faqStep = document.getElementById("step-faq");
  const topicStep = document.getElementById("step-department");
  const suggestions = document.getElementById("suggestions");
  let chosen = null;

  const showForm = () => {
    faqStep.hidden = true;
    form.hidden = false;
    document.getElementById("form-department").textContent = chosen.name;
    document.getElementById("department-fields").replaceChildren(...chosen.fields.map(fieldInput));
    form.elements.title.focus();
  };
  const choose = (department) => {
    chosen = department;
    topicStep.hidden = true;
    if (department.faq.length) {
      document.getElementById("faq-list").replaceChildren(...department.faq.map((e) => faqEntry(e, department)));
      faqStep.hidden = false;
    } else {
      showForm();
    }
  };
  for (const back of section.querySelectorAll("[data-back]")) {
    back.addEventListener("click", () => { faqStep.hidden = true; form.hidden = true; topicStep.hidden = false; });
  }
  document.getElementById("not-answered").addEventListener("click", showForm);

  call("GET", "/departments").then(({ items }) => {
    box.removeAttribute("aria-busy");
    if (!items.length) {
      box.replaceChildren(el("p", { class: "muted" }, _("Write to us below.")));
      chosen = { id: "", name: "", faq: [], fields: [] };
      return;
    }
    box.replaceChildren(...items.map((department) => el("button", {
      type: "button", class: "portal-department", onclick: () => choose(department),
    }, el("strong", {}, department.name), el("span", { class: "muted" }, department.description))));
  }).catch((error) => box.replaceChildren(el("p", { class: "error" }, error.message)));

  let typing = null;
  form.elements.title.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(async () => {
      const q = form.elements.title.value.trim();
      if (q.length < 3 || !chosen?.id) { suggestions.replaceChildren(); return; }
      const { items } = await call("GET", `/departments/${chosen.id}/suggestions?q=${encodeURIComponent(q)}`).catch(() => ({ items: [] }));
      suggestions.replaceChildren(...(items.length ? [el("p", { class: "muted small" }, _("These answers may help:")),
        ...items.map((e) => faqEntry(e, chosen))] : []));
    }, 300);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("form-error");
    error.hidden = true;
    const data = new FormData(form);
    data.append("request_key", section.dataset.requestKey);
    data.append("department_id", chosen?.id || "");
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    button.textContent = _("Sending…");
    try {
      const ticket = await call("POST", "/tickets", data);
      location.href = `/portal/tickets/${ticket.number}`;
    } catch (failure) {
      showError(error, failure);
      button.disabled = false;
      button.textContent = _("Send request");
    }
  });
}

// ---- one request ---------------------------------------------------------------------------

function messageItem(message) {
  return el("li", { class: message.mine ? "mine" : "theirs" },
    el("div", { class: "meta" }, el("strong", {}, message.author), " ",
      el("time", { datetime: message.at }, fullTime(message.at))),
    el("div", { class: "text" }, message.text),
    message.attachments.map((file) => el("a", { class: "file", href: file.url }, file.name)));
}

function showTicket(ticket) {
  document.getElementById("ticket-title").textContent = ticket.title;
  const stage = document.getElementById("ticket-stage");
  stage.className = `stage stage-${ticket.stage}`;
  stage.textContent = ticket.stage_label;
  document.getElementById("thread").replaceChildren(...ticket.messages.map(messageItem));
  document.getElementById("ticket-fields").replaceChildren(
    ...ticket.fields.flatMap((f) => [el("dt", {}, f.label), el("dd", {}, f.value)]));
  document.getElementById("reply-form").hidden = !ticket.can_reply;
  document.getElementById("closed-note").hidden = ticket.can_reply;
  document.getElementById("solve").hidden = !ticket.can_solve;
  document.getElementById("reopen").hidden = !ticket.can_reopen;
  const survey = document.getElementById("survey");
  survey.hidden = !ticket.survey;
  const rating = ticket.survey?.rating;
  for (const star of survey.querySelectorAll("[data-rating]")) {
    star.classList.toggle("chosen", rating != null && Number(star.dataset.rating) <= rating);
  }
  const thanks = document.getElementById("survey-thanks");
  thanks.hidden = !rating;
  if (rating) thanks.textContent = _("Thank you! You rated us {rating} out of 5.", { rating });
}

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, (c) => ({ "+": "-", "/": "_", "=": "" })[c]);
}

function setupTicket(section) {
  const number = section.dataset.number;
  const refresh = async () => showTicket(await call("GET", `/tickets/${number}`));
  const act = (action, body) => async () => {
    try {
      showTicket(await call("POST", `/tickets/${number}/${action}`, body?.()));
    } catch (error) {
      toast(error.message, "error");
    }
  };
  const form = document.getElementById("reply-form");
  let key = newKey();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("reply-error");
    error.hidden = true;
    const data = new FormData(form);
    data.append("key", key);
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      showTicket(await call("POST", `/tickets/${number}/messages`, data));
      form.reset();
      key = newKey();
    } catch (failure) {
      showError(error, failure);
    } finally {
      button.disabled = false;
    }
  });
  document.getElementById("solve").addEventListener("click", act("solve"));
  document.getElementById("reopen").addEventListener("click", act("reopen"));
  for (const star of document.querySelectorAll("#survey [data-rating]")) {
    star.addEventListener("click", act("rating", () => ({
      rating: Number(star.dataset.rating),
      comment: document.getElementById("survey-comment").value.trim() || null,
    })));
  }
  live(refresh);
}

const list = document.getElementById("requests");
if (list) setupList(list);
const newRequest = document.getElementById("new-request");
if (newRequest) setupNewRequest(newRequest);
const ticket = document.getElementById("portal-ticket");
if (ticket) setupTicket(ticket);
