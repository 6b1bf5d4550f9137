/**
 * Editing an inquiry's contact, business and message fields. The save carries the ETag the
 * edit started from, so a colleague's change in between is a 412 (offered as a reload),
 * never silently overwritten.
 */

import { h } from "./dom.js";
import { codes, label, t } from "./i18n.js";

/** [field, label key, input type] of what staff may correct (SPEC §6 PATCH). */
const EDITABLE = [
  ["name", "name", "text"],
  ["email", "email", "email"],
  ["phone", "phone", "tel"],
  ["business_name", "businessName", "text"],
  ["website", "website", "url"],
  ["subject", "subject", "text"],
  ["message", "message", "textarea"],
];

/**
 * @param {ReturnType<import("./app.js").context>} ctx
 * @param {{inquiry: any, etag: string}} current the inquiry as it was when editing began
 * @param {{onClose: () => void, onProblem: (error: any) => void}} hooks
 * @returns {HTMLFormElement}
 */
export function editPanel(ctx, { inquiry, etag }, { onClose, onProblem }) {
  /** @type {Record<string, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>} */
  const inputs = {};
  for (const [field, , type] of EDITABLE) {
    const attrs = { id: `edit-${field}`, name: field, value: inquiry[field] ?? "" };
    inputs[field] = type === "textarea" ? h("textarea", { ...attrs, rows: 6 }, inquiry[field] ?? "") : h("input", { ...attrs, type });
  }
  inputs.type = h(
    "select",
    { id: "edit-type", name: "type" },
    codes("types").map((code) => h("option", { value: code, selected: code === inquiry.type }, label("types", code))),
  );

  async function save(event) {
    event.preventDefault();
    const changed = {};
    for (const [field, input] of Object.entries(inputs)) {
      input.removeAttribute("aria-invalid");
      const value = input.value.trim();
      if (value !== (inquiry[field] ?? "")) changed[field] = value === "" ? null : value;
    }
    if (Object.keys(changed).length === 0) return onClose();
    try {
      await ctx.api.update(inquiry.id, changed, etag);
      onProblem(null);
      onClose();
    } catch (error) {
      for (const { field } of error.errors ?? []) inputs[field]?.setAttribute("aria-invalid", "true");
      onProblem(error);
    }
  }

  const rows = [...EDITABLE, ["type", "type"]].map(([field, key]) => [h("label", { for: `edit-${field}` }, t(key)), inputs[field]]);
  return h(
    "form",
    { class: "stack card edit", onsubmit: save },
    rows,
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, t("save")), h("button", { type: "button", onclick: onClose }, t("cancel"))),
  );
}
