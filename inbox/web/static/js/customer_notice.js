// Before an agent's action messages the customer: what will be sent and on which channel,
// with a choice not to tell them, remembered per agent and per kind of action.
import { CHANNEL_LABELS, _, api, el, fill } from "./core.js";

const agentId = document.getElementById("availability")?.dataset.agentId || "";
const storageKey = (action) => `inbox.notify.${agentId}.${action}`;
/** Whether this agent last chose to tell the customer for this kind of action (yes at first). */
export const rememberedChoice = (action) => localStorage.getItem(storageKey(action)) !== "false";
export const rememberChoice = (action, value) => localStorage.setItem(storageKey(action), String(value));

const NOT_SENT = {
  switched_off: _("The customer is not told: an admin switched this update off."),
  no_conversation: _("The customer is not told: the ticket has no conversation to write on."),
  automated: _("The customer is not told: their last message came from an auto-responder."),
  window_closed: _("The customer cannot be told on their channel now: {reason}"),
};

/** `path` with `notify=false` added when the customer is not to be told. */
export function withNotify(path, notify) {
  return notify ? path : `${path}${path.includes("?") ? "&" : "?"}notify=false`;
}

/**
 * Fill `box` with what the customer would be told (from the preview at `path`) and a
 * *Tell the customer* box; returns a function saying whether to tell them.
 */
export async function showPreview(box, path, action) {
  box.hidden = false;
  box.replaceChildren(el("p", { class: "muted small" }, _("Checking what the customer will be told…")));
  let answer;
  try {
    answer = await api("GET", path);
  } catch (error) {
    box.replaceChildren(el("p", { class: "error small" }, error.message));
    return () => true;
  }
  if (!answer.update) {
    box.hidden = true;
    return () => true;
  }
  if (!answer.sends) {
    box.replaceChildren(el("p", { class: "muted small notify-none" }, whyNotSent(answer)));
    return () => true;
  }
  const choice = tellChoice(action, answer.channel, [answer.text]);
  box.replaceChildren(...choice.nodes);
  return choice.checked;
}

/** Why a previewed message would not reach the customer, in the reader's words. */
export const whyNotSent = (answer) => fill(NOT_SENT[answer.reason_code] || answer.reason || "", { reason: answer.reason });

/** How a channel is named to agents: its kind and its own name. */
export const channelName = (channel) => `${CHANNEL_LABELS[channel.kind] || channel.kind} · ${channel.name}`;

/**
 * A *Tell the customer on …* box above the messages it decides (dimmed when unticked), with
 * the agent's last choice for this kind of action; `checked()` reads the choice.
 */
export function tellChoice(action, channel, texts) {
  const checkbox = el("input", { type: "checkbox", name: "notify", checked: rememberedChoice(action) });
  const quotes = texts.map((text) => el("blockquote", { class: "notify-text" }, text));
  const showChoice = () => quotes.forEach((quote) => quote.classList.toggle("muted", !checkbox.checked));
  checkbox.addEventListener("change", () => {
    rememberChoice(action, checkbox.checked);
    showChoice();
  });
  showChoice();
  const label = el("label", { class: "notify-choice" }, checkbox, " ", _("Tell the customer on {channel}:", { channel: channelName(channel) }));
  return { nodes: [label, ...quotes], checked: () => checkbox.checked };
}

/**
 * Ask before a change that would message the customer: resolves to whether to tell them, or
 * null when the agent cancels. Changes that message nobody go ahead without asking.
 */
export async function confirmChange(path, action, title) {
  const box = el("div", { class: "notify-box" });
  const dialog = el("dialog", { class: "dialog notify-dialog" });
  document.body.append(dialog);
  const notify = await showPreview(box, path, action);
  if (box.hidden || box.querySelector(".notify-none")) {
    dialog.remove();
    return true;
  }
  return new Promise((resolve) => {
    const finish = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    const form = el("form", { class: "dialog-form", method: "dialog" },
      el("h2", {}, title), box,
      el("div", { class: "dialog-buttons" },
        el("button", { type: "button", onclick: () => finish(null) }, _("Cancel")),
        el("button", { type: "submit", class: "primary" }, _("Save"))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      finish(notify());
    });
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(null);
    });
    dialog.append(form);
    dialog.showModal();
    form.querySelector("button.primary").focus();
  });
}
