/**
 * Detail: every field of one inquiry, the actions its status allows, and its audit trail
 * ("Activity"). Changes by colleagues arrive live and redraw it in place.
 */

import { actionBar } from "./actions.js";
import { h, replace } from "./dom.js";
import { editPanel } from "./edit.js";
import { formatTime, label, t } from "./i18n.js";

/**
 * @param {HTMLElement} pane
 * @param {ReturnType<import("./app.js").context>} ctx
 * @param {string} id
 */
export function mountDetail(pane, ctx, id) {
  const heading = h("h2", { tabindex: "-1" });
  const summary = h("p", { class: "summary" });
  const problem = h("div", { class: "problem", role: "alert" });
  const actionsSlot = h("div", { class: "actions-slot" });
  const editSlot = h("div");
  const fields = h("div", { class: "fields" });
  const activity = h("ol", { class: "activity", "aria-labelledby": "activity-title" });
  /** @type {{inquiry: any, etag: string} | null} */
  let current = null;
  /** @type {HTMLFormElement | null} open while editing; live redraws leave it alone */
  let editor = null;

  replace(
    pane,
    h("a", { href: "#/", class: "back" }, `← ${t("back")}`),
    h("article", { "aria-labelledby": "detail-title" }, heading, summary, problem, actionsSlot, editSlot, fields, h("h3", { id: "activity-title" }, t("activity")), activity),
  );
  heading.id = "detail-title";
  ctx.seen(id);

  const actions = actionBar(ctx, id, actionsSlot, {
    onDone: async () => {
      await reload();
      heading.focus();
    },
    onProblem: showProblem,
    onEdit: () => {
      editor = editPanel(ctx, /** @type {any} */ (current), {
        onClose: closeEditor,
        onProblem: showProblem,
      });
      replace(editSlot, editor);
      draw();
    },
  });

  /** @param {any} error an ApiError; a stale edit (412) offers a reload */
  function showProblem(error) {
    if (!error) return replace(problem);
    if (error.status === 412) {
      const button = h("button", { type: "button", onclick: () => { showProblem(null); closeEditor(); } }, t("reload"));
      return replace(problem, h("p", {}, t("stale")), button);
    }
    replace(problem, h("p", {}, error.detail ?? String(error)));
  }

  /** Leave editing (saved, cancelled or stale) and show the inquiry as the server has it. */
  function closeEditor() {
    editor = null;
    replace(editSlot);
    reload();
  }

  function draw() {
    if (!current) return;
    const inquiry = current.inquiry;
    replace(heading, `${inquiry.business_name} — ${inquiry.subject}`);
    replace(
      summary,
      h("span", { class: `status s-${inquiry.status.toLowerCase()}` }, label("statuses", inquiry.status)),
      inquiry.overdue && h("span", { class: "badge overdue" }, t("overdue")),
      " ",
      `${t("assignee")}: ${inquiry.assignee_id ?? t("nobody")}`,
    );
    if (editor) actions.hide();
    else actions.draw(inquiry);
    replace(fields, fieldGroups(inquiry).map(([title, rows]) => h("section", {}, h("h3", {}, t(title)), h("dl", {}, rows.map(([key, value]) => [h("dt", {}, t(key)), h("dd", {}, value || t("nobody"))])))));
  }

  async function reload() {
    try {
      const [one, events] = await Promise.all([ctx.api.get(id), ctx.api.events(id)]);
      current = one;
      ctx.changed(one.inquiry);
      replace(activity, events.length ? events.map(activityItem) : h("li", {}, t("noActivity")));
      draw();
    } catch (error) {
      showProblem(error);
    }
  }

  reload().then(() => heading.focus());
  return {
    id,
    reload,
    /** @param {string} kind */
    onEvent(kind) {
      if (kind === "deleted") return showProblem({ detail: t("deleted") });
      reload();
    },
  };
}

/** @returns {[string, [string, any][]][]} titled groups of [label key, value] */
function fieldGroups(inquiry) {
  const web = /^https?:\/\//i.test(inquiry.website ?? "") ? h("a", { href: inquiry.website, rel: "noopener noreferrer", target: "_blank" }, inquiry.website) : inquiry.website;
  const source = Object.entries(inquiry.source ?? {}).map(([k, v]) => h("div", {}, `${k}: ${v}`));
  return [
    ["contact", [["name", inquiry.name], ["email", h("a", { href: `mailto:${inquiry.email}` }, inquiry.email)], ["phone", inquiry.phone]]],
    ["business", [["businessName", inquiry.business_name], ["businessSize", inquiry.business_size], ["industry", inquiry.industry], ["website", web], ["country", inquiry.country]]],
    [
      "inquiry",
      [
        ["type", label("types", inquiry.type)],
        ["subject", inquiry.subject],
        ["message", h("div", { class: "text" }, inquiry.message)],
        ["locale", inquiry.locale],
        ["source", source.length ? source : null],
        ["received", formatTime(inquiry.created_at)],
        ["duplicateOf", inquiry.duplicate_of && h("a", { href: `#/inquiry/${inquiry.duplicate_of}` }, inquiry.duplicate_of)],
      ],
    ],
    [
      "handling",
      [
        ["status", label("statuses", inquiry.status)],
        ["assignee", inquiry.assignee_id],
        ["assignedAt", formatTime(inquiry.assigned_at)],
        ["assignedBy", inquiry.assigned_by],
        ["lastReply", inquiry.last_reply_message && h("div", { class: "text" }, inquiry.last_reply_message)],
        ["repliedBy", inquiry.replied_by],
        ["repliedAt", formatTime(inquiry.replied_at)],
        ["firstRepliedAt", formatTime(inquiry.first_replied_at)],
        ["dueAt", formatTime(inquiry.due_at)],
        ["convertedAt", formatTime(inquiry.converted_at)],
        ["lostAt", formatTime(inquiry.lost_at)],
        ["lostReason", label("lost_reasons", inquiry.lost_reason)],
        ["lostNote", inquiry.lost_note],
        ["updated", formatTime(inquiry.updated_at)],
      ],
    ],
  ];
}

/** One audit event: when, what, who, and the change it made. */
function activityItem(event) {
  const moved = event.from_status && event.to_status && event.from_status !== event.to_status;
  const data = event.data ?? {};
  const what =
    data.message ?? (data.reason ? label("lost_reasons", data.reason) : null) ?? (data.assignee_id ? `→ ${data.assignee_id}` : null) ?? (data.note || null);
  return h(
    "li",
    {},
    h("time", { datetime: event.at }, formatTime(event.at)),
    " ",
    h("strong", {}, t(`action_${event.action}`)),
    event.actor_id && ` ${t("by", { actor: event.actor_id })}`,
    moved && ` (${label("statuses", event.from_status)} → ${label("statuses", event.to_status)})`,
    what && h("div", { class: "text" }, what),
  );
}
