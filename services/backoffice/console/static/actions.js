/**
 * The lifecycle actions of the detail: only those the inquiry's status allows (SPEC §4), as
 * buttons; "Reply" and "Mark lost" open a small form. Typed text survives live redraws.
 */

import { h, replace } from "./dom.js";
import { codes, label, t } from "./i18n.js";

const OPEN = ["NEW", "ASSIGNED", "REPLIED"];
const WORKED = ["ASSIGNED", "REPLIED"];

/**
 * @param {ReturnType<import("./app.js").context>} ctx
 * @param {string} id
 * @param {HTMLElement} slot where the buttons and forms go
 * @param {{onDone: () => Promise<void>, onProblem: (error: any) => void, onEdit: () => void}} hooks
 */
export function actionBar(ctx, id, slot, { onDone, onProblem, onEdit }) {
  /** @type {"reply" | "lose" | null} the form that is open */
  let open = null;
  let busy = false;
  let last = null;
  // Built once so a colleague's change (a live redraw) never wipes what is being typed.
  const replyText = h("textarea", { id: "reply-text", rows: 5, maxlength: 5000, required: true });
  const reason = h("select", { id: "lost-reason", required: true });
  const note = h("textarea", { id: "lost-note", rows: 2, maxlength: 5000 });

  /** @param {string} action @param {object} [body] */
  async function perform(action, body) {
    if (busy) return;
    busy = true;
    try {
      await ctx.api.act(id, action, body);
      if (action === "reply") replyText.value = "";
      if (action === "lose") note.value = "";
      open = null;
      onProblem(null);
      await onDone();
    } catch (error) {
      onProblem(error);
    } finally {
      busy = false;
    }
  }

  function toggle(form) {
    open = open === form ? null : form;
    rerender();
    document.getElementById(form === "reply" ? "reply-text" : "lost-reason")?.focus();
  }

  function rerender() {
    if (last) draw(last);
  }

  function replyForm() {
    return h(
      "form",
      { class: "stack card", onsubmit: (e) => { e.preventDefault(); perform("reply", { message: replyText.value }); } },
      h("label", { for: "reply-text" }, t("reply")),
      replyText,
      h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, t("sendReply")), h("button", { type: "button", onclick: () => toggle("reply") }, t("cancel"))),
    );
  }

  function loseForm() {
    const chosen = reason.value;
    replace(
      reason,
      h("option", { value: "" }, t("chooseReason")),
      codes("lost_reasons").map((code) => h("option", { value: code, selected: code === chosen }, label("lost_reasons", code))),
    );
    return h(
      "form",
      { class: "stack card", onsubmit: (e) => { e.preventDefault(); perform("lose", { reason: reason.value, note: note.value.trim() || undefined }); } },
      h("label", { for: "lost-reason" }, t("reason")),
      reason,
      h("label", { for: "lost-note" }, t("note")),
      note,
      h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, t("confirm")), h("button", { type: "button", onclick: () => toggle("lose") }, t("cancel"))),
    );
  }

  /** Show the buttons (and the open form) for the inquiry as it is now. */
  function draw(inquiry) {
    last = inquiry;
    // A redraw (often a colleague's live change) must not take the keyboard away: refocus the
    // same field, or the button with the same name.
    const focused = slot.contains(document.activeElement) ? /** @type {HTMLElement} */ (document.activeElement) : null;
    replace(slot, buttons(inquiry));
    if (!focused) return;
    if (slot.contains(focused)) focused.focus();
    else [...slot.querySelectorAll("button")].find((b) => b.textContent === focused.textContent)?.focus();
  }

  function buttons(inquiry) {
    if (!ctx.can("inquiry.update")) return null;
    const status = inquiry.status;
    if (!OPEN.includes(status)) return h("p", { class: "muted" }, t("closed"));
    if (open === "reply" && !WORKED.includes(status)) open = null;
    const button = (key, onclick, hidden = false) => h("button", { type: "button", onclick, hidden }, t(key));
    return [
      h(
        "div",
        { class: "row actions" },
        inquiry.assignee_id !== ctx.me && button("claim", () => perform("assign")),
        // An open form replaces its own button: only one "…reply…" button is ever on screen.
        WORKED.includes(status) && button("reply", () => toggle("reply"), open === "reply"),
        WORKED.includes(status) && button("markConverted", () => perform("convert")),
        button("markLost", () => toggle("lose"), open === "lose"),
        button("edit", onEdit),
      ),
      open === "reply" && replyForm(),
      open === "lose" && loseForm(),
    ];
  }

  return { draw, hide: () => replace(slot) };
}
