/**
 * Inbox: the merchant's inquiries, newest first, with filters, "Load more" (keyset cursor),
 * and live changes applied in place (new arrivals at the top).
 */

import { h, replace } from "./dom.js";
import { codes, formatTime, label, t } from "./i18n.js";

/**
 * @param {HTMLElement} pane
 * @param {ReturnType<import("./app.js").context>} ctx
 */
export function mountInbox(pane, ctx) {
  const filters = { status: "", mine: false, q: "" };
  /** @type {Map<string, any>} the loaded inquiries by id, in display order */
  let items = new Map();
  /** @type {string | null} */
  let cursor = null;
  let loaded = false; // until the first page answers, an empty list means nothing yet
  let generation = 0; // a newer load makes an older one's answer obsolete

  const body = h("tbody", { role: "rowgroup" });
  const table = h(
    "table",
    { role: "table", "aria-label": t("inquiries"), class: "inbox" },
    h(
      "thead",
      { role: "rowgroup" },
      h("tr", { role: "row" }, ["name", "businessName", "subject", "status", "assignee", "received"].map((key) => h("th", { role: "columnheader", scope: "col" }, t(key)))),
    ),
    body,
  );
  const empty = h("p", { class: "muted", hidden: true }, t("noInquiries"));
  const problem = h("p", { class: "problem", role: "alert" });
  const more = h("button", { type: "button", hidden: true, onclick: () => load(true) }, t("loadMore"));

  const status = h(
    "select",
    { id: "filter-status", onchange: () => { filters.status = status.value; load(false); } },
    h("option", { value: "" }, t("all")),
    codes("statuses").map((code) => h("option", { value: code }, label("statuses", code))),
  );
  const mine = h("input", { id: "filter-mine", type: "checkbox", onchange: () => { filters.mine = mine.checked; load(false); } });
  let typing = 0;
  const search = h("input", {
    id: "filter-q",
    type: "search",
    maxlength: 200,
    oninput: () => {
      clearTimeout(typing);
      typing = setTimeout(() => { filters.q = search.value.trim(); load(false); }, 300);
    },
  });
  const filterForm = h(
    "form",
    { class: "filters", role: "search", "aria-label": t("filters"), onsubmit: (e) => e.preventDefault() },
    h("span", { class: "field" }, h("label", { for: "filter-status" }, t("status")), status),
    h("span", { class: "field check" }, mine, h("label", { for: "filter-mine" }, t("assignedToMe"))),
    h("span", { class: "field grow" }, h("label", { for: "filter-q" }, t("search")), search),
  );

  replace(pane, h("h1", { class: "visually-hidden" }, t("inbox")), filterForm, problem, h("div", { class: "table-wrap" }, table), empty, more);

  function query() {
    return { status: filters.status, q: filters.q, assignee_id: filters.mine ? ctx.me : "" };
  }

  /** Whether a (live) inquiry belongs in the list under the current filters. */
  function matches(inquiry) {
    const q = filters.q.toLowerCase();
    return (
      (!filters.status || inquiry.status === filters.status) &&
      (!filters.mine || inquiry.assignee_id === ctx.me) &&
      (!q || [inquiry.name, inquiry.email, inquiry.business_name, inquiry.subject].some((v) => v?.toLowerCase().includes(q)))
    );
  }

  function row(inquiry) {
    const open = () => { location.hash = `#/inquiry/${inquiry.id}`; };
    const fresh = ctx.unseen.has(inquiry.id);
    const assignee = inquiry.assignee_id ? (inquiry.assignee_id === ctx.me ? `${inquiry.assignee_id} (${t("you")})` : inquiry.assignee_id) : t("nobody");
    return h(
      "tr",
      { role: "row", "data-id": inquiry.id, class: fresh ? "unseen" : "", "aria-current": location.hash.endsWith(inquiry.id) ? "true" : false, onclick: open },
      h("td", { role: "cell", "data-label": t("name") }, h("a", { href: `#/inquiry/${inquiry.id}` }, inquiry.name), fresh && h("span", { class: "badge new" }, t("unopened"))),
      h("td", { role: "cell", "data-label": t("businessName") }, inquiry.business_name),
      h("td", { role: "cell", "data-label": t("subject") }, inquiry.subject),
      h(
        "td",
        { role: "cell", "data-label": t("status") },
        h("span", { class: `status s-${inquiry.status.toLowerCase()}` }, label("statuses", inquiry.status)),
        inquiry.overdue && h("span", { class: "badge overdue" }, t("overdue")),
      ),
      h("td", { role: "cell", "data-label": t("assignee") }, assignee),
      h("td", { role: "cell", "data-label": t("received") }, h("time", { datetime: inquiry.created_at }, formatTime(inquiry.created_at))),
    );
  }

  /** Put the keyboard focus on the link of a listed inquiry. @param {string} id */
  function focusRow(id) {
    body.querySelector(`tr[data-id="${CSS.escape(id)}"] a`)?.focus();
  }

  function draw() {
    // Rows are rebuilt on every change: keep the keyboard where it was.
    const focused = body.contains(document.activeElement) ? document.activeElement?.closest("tr")?.dataset.id : undefined;
    replace(body, [...items.values()].map(row));
    if (focused) focusRow(focused);
    empty.hidden = !loaded || items.size > 0;
    more.hidden = cursor === null;
  }

  /** @param {boolean} append true: the next page after the cursor; false: from the top */
  async function load(append) {
    const mine = ++generation;
    try {
      const page = await ctx.api.list({ ...query(), cursor: append ? cursor : undefined });
      if (mine !== generation) return;
      if (!append) items = new Map();
      for (const inquiry of page.items) items.set(inquiry.id, inquiry);
      cursor = page.next_cursor;
      loaded = true;
      replace(problem);
      draw();
    } catch (error) {
      if (mine === generation) replace(problem, error.detail ?? String(error));
    }
  }

  /** Fetch one inquiry again and put it where it belongs (top for a new one). */
  async function refresh(id, arriving) {
    let inquiry;
    try {
      inquiry = (await ctx.api.get(id)).inquiry;
    } catch (error) {
      if (error.status === 404) items.delete(id); // deleted meanwhile
      return draw();
    }
    if (arriving && !items.has(id) && matches(inquiry)) items = new Map([[id, inquiry], ...items]);
    else if (items.has(id)) items.set(id, inquiry);
    draw();
  }

  load(false);
  return {
    /** @param {string} kind the topic's last segment @param {{id: string}} data */
    onEvent(kind, data) {
      if (kind === "deleted") {
        items.delete(data.id);
        draw();
      } else if (kind === "submitted" && !items.has(data.id) && matches({ ...data, status: "NEW", assignee_id: null })) {
        // Shown at once from the event (it carries the row's fields); then completed.
        items = new Map([[data.id, { ...data, status: "NEW", assignee_id: null }], ...items]);
        draw();
        refresh(data.id, false);
      } else if (kind === "restored" || items.has(data.id)) {
        refresh(data.id, kind === "restored");
      }
    },
    reload: () => load(false),
    focusRow,
    /** Show a fresher copy of a listed inquiry. */
    update(inquiry) {
      if (!items.has(inquiry.id)) return;
      items.set(inquiry.id, inquiry);
      draw();
    },
    redraw: draw,
  };
}
