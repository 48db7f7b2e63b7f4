// The shortcut bar on a conversation or a ticket: the admins' shortcuts as buttons (each asks
// for its inputs, then runs), plus Escalate… and Auto-assign, which every agent has.

import { _, api, el, toast } from "./core.js";
import { describeError, modalForm } from "./admin_forms.js";
import { channelName, showPreview, tellChoice, whyNotSent, withNotify } from "./customer_notice.js";
import { actionText } from "./rule_builder.js";

const INPUT_LABELS = { team_id: _("Target team"), level: _("Target level"), summary: _("Summary for the team") };
const ESCALATE_INPUTS = [{ key: "team_id", required: false }, { key: "level", required: false }, { key: "summary", required: true }];
let shortcuts = null;
/** Actions that write to the customer, or whose changes a customer update announces. */
const TELLS_CUSTOMER = new Set(["send_reply", "set_status", "resolve", "escalate", "assign_agent", "promote_to_ticket"]);

export class ShortcutBar {
  /** `kind` is "conversation" or "ticket"; `onDone` runs after anything changed. */
  constructor(holder, { kind, directory, onDone = () => {} }) {
    Object.assign(this, { holder, kind, directory, teams: directory.teams, onDone, id: null });
  }

  async show(id) {
    this.id = id;
    if (shortcuts === null) shortcuts = await api("GET", "/macros").then((page) => page.items).catch(() => []);
    if (this.id !== id) return;
    this.holder.replaceChildren(
      el("span", { class: "shortcut-label muted small" }, _("Shortcuts")),
      ...shortcuts.map((macro) => el("button", {
        type: "button", class: "shortcut", title: macro.description || macro.name, onclick: () => this.runShortcut(macro),
      }, macro.name)),
      el("button", { type: "button", title: `${_("Send to another team or level")} (x)`, onclick: () => this.escalate() }, _("Escalate…")),
      el("button", { type: "button", title: _("Give it to an available agent of the team"), onclick: () => this.autoAssign() }, _("Auto-assign")),
    );
  }

  get where() {
    return this.kind === "ticket" ? { ticket_id: this.id } : { conversation_id: this.id };
  }

  runShortcut(macro) {
    const telling = macro.actions.some((action) => TELLS_CUSTOMER.has(action.type));
    const box = el("div", { class: "notify-box", "aria-live": "polite" });
    let tell = Promise.resolve(() => true);
    const preview = (inputs) => {
      tell = this.showMessages(box, macro, inputs);
    };
    const run = async (inputs) => {
      const path = withNotify(`/macros/${macro.id}/run`, (await tell)());
      const { results } = await api("POST", path, { ...this.where, inputs });
      const failed = results.filter((r) => !r.ok);
      if (failed.length) toast(_("{name}: {count} action(s) did not run: {details}", { name: macro.name, count: failed.length, details: failed.map((r) => r.detail).join("; ") }), "error");
      else toast(_("{name} done.", { name: macro.name }));
    };
    if (!macro.inputs.length && !telling) return this.attempt(() => run({}));
    if (telling) preview({});
    return this.ask(macro.name, macro.description, macro.inputs, run, { extra: telling ? [box] : [], onChange: telling ? preview : null });
  }

  /**
   * Fill `box` with what the shortcut does and what it would write to the customer (its
   * replies as sent, the updates its changes call for, under a *Tell the customer* choice);
   * resolves to a function saying whether to send those updates.
   */
  async showMessages(box, macro, inputs) {
    const steps = [el("p", { class: "small" }, _("This shortcut will:")),
      el("ul", { class: "small" }, ...macro.actions.map((action) => el("li", {}, actionText(action, this.directory))))];
    box.replaceChildren(...steps, el("p", { class: "muted small" }, _("Checking what the customer will be told…")));
    const asked = String(Number(box.dataset.asked || 0) + 1);
    box.dataset.asked = asked;
    let messages;
    try {
      ({ messages } = await api("POST", `/macros/${macro.id}/preview`, { ...this.where, inputs }));
      if (box.dataset.asked !== asked) return () => true;  // a newer preview fills the box
    } catch (error) {
      box.replaceChildren(...steps, el("p", { class: "error small" }, describeError(error)));
      return () => true;
    }
    const shown = [...steps];
    for (const message of messages.filter((m) => !m.follows_choice)) {
      shown.push(message.sends
        ? el("p", { class: "small" }, _("It replies on {channel}:", { channel: channelName(message.channel) }))
        : el("p", { class: "muted small notify-none" }, whyNotSent(message)),
      el("blockquote", { class: `notify-text${message.sends ? "" : " muted"}` }, message.text));
    }
    const updates = messages.filter((m) => m.follows_choice);
    updates.filter((m) => !m.sends).forEach((m) => shown.push(el("p", { class: "muted small notify-none" }, whyNotSent(m))));
    const sent = updates.filter((m) => m.sends);
    let tell = () => true;
    if (sent.length) {
      const choice = tellChoice("shortcut", sent[0].channel, sent.map((m) => m.text));
      shown.push(...choice.nodes);
      tell = choice.checked;
    }
    box.replaceChildren(...shown);
    return tell;
  }

  escalate() {
    const box = el("div", { class: "notify-box", "aria-live": "polite", hidden: true });
    let notify = Promise.resolve(() => true);
    let team = null;
    const preview = (values) => {
      if ((values.team_id || null) === team) return;  // another input changed: keep the box
      team = values.team_id || null;
      if (team) notify = showPreview(box, `/${this.kind}s/${this.id}/customer-update?escalate_to=${team}`, "escalate");
      else {
        box.hidden = true;
        notify = Promise.resolve(() => true);
      }
    };
    return this.ask(_("Escalate"), _("Pick a team or a level; the team is notified and the customer told a specialist has their request."), ESCALATE_INPUTS,
      async (inputs) => {
        if (!inputs.team_id && inputs.level === undefined) throw Object.assign(new Error(_("Pick a team or a level.")), { details: null });
        const path = withNotify(`/${this.kind}s/${this.id}/escalate`, (await notify)());
        const entry = await api("POST", path, inputs);
        toast(_("Escalated to L{level}.", { level: entry.to_level }));
      }, { extra: [box], onChange: preview });
  }

  async autoAssign() {
    await this.attempt(async () => {
      const { agent } = await api("POST", `/${this.kind}s/${this.id}/auto-assign`, {});
      toast(agent ? _("Assigned to {name}.", { name: agent.name }) : _("Nobody in the team is available right now."), agent ? "info" : "error");
    });
  }

  async attempt(action) {
    try {
      await action();
      this.onDone();
    } catch (error) {
      toast(describeError(error), "error");
    }
  }

  /**
   * A dialog asking for `inputs`, then `run(values)`; problems stay in the dialog. `extra`
   * nodes follow the inputs; `onChange(values)` runs whenever an input changes.
   */
  ask(title, description, inputs, run, { extra = [], onChange = null } = {}) {
    const problem = el("p", { class: "error", role: "alert", hidden: true });
    const fields = inputs.map((input) => [input.key, this.inputField(input)]);
    const values = () => {
      const found = {};
      for (const [key, field] of fields) {
        const value = field.read();
        if (value !== null && value !== "") found[key] = value;
      }
      return found;
    };
    if (onChange) for (const [, field] of fields) field.node.addEventListener("change", () => onChange(values()));
    modalForm({
      title,
      submitLabel: _("Run"),
      children: [description ? el("p", { class: "muted" }, description) : null, problem, ...fields.map(([, field]) => field.node), ...extra],
      submit: async () => {
        try {
          await run(values());
        } catch (error) {
          problem.hidden = false;
          problem.textContent = describeError(error);
          return false;
        }
        this.onDone();
        return true;
      },
    });
  }

  inputField({ key, required }) {
    let control;
    let read;
    if (key === "summary") {
      control = el("textarea", { rows: "4", maxlength: "2000", required, placeholder: _("What the specialist needs to know") });
      read = () => control.value.trim();
    } else if (key === "level") {
      control = el("select", { required }, el("option", { value: "" }, required ? _("Choose…") : "—"),
        ...[0, 1, 2, 3].map((level) => el("option", { value: String(level) }, `L${level}`)));
      read = () => (control.value === "" ? null : Number(control.value));
    } else {
      control = el("select", { required }, el("option", { value: "" }, required ? _("Choose…") : "—"),
        ...this.teams.map((team) => el("option", { value: team.id }, `${team.name} (L${team.level})`)));
      read = () => control.value || null;
    }
    return { node: el("label", {}, INPUT_LABELS[key], control), read };
  }
}
