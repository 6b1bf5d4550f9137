/**
 * Stats: counts per status, time to first reply, conversion, the first-response SLA and the
 * volume per day (inline SVG), over a chosen date range (whole UTC days).
 */

import { h, replace, svg } from "./dom.js";
import { codes, formatDuration, label, t } from "./i18n.js";

const DAY = 86_400_000;

/** @param {Date} date @returns {string} YYYY-MM-DD (UTC) */
const day = (date) => date.toISOString().slice(0, 10);

/**
 * @param {HTMLElement} main
 * @param {ReturnType<import("./app.js").context>} ctx
 */
export function mountStats(main, ctx) {
  const from = h("input", { id: "stats-from", type: "date", value: day(new Date(Date.now() - 29 * DAY)), required: true });
  const to = h("input", { id: "stats-to", type: "date", value: day(new Date()), required: true });
  const problem = h("p", { class: "problem", role: "alert" });
  const figures = h("div", { class: "figures" });
  const form = h(
    "form",
    { class: "filters", onchange: show, onsubmit: (e) => { e.preventDefault(); show(); } },
    h("span", { class: "field" }, h("label", { for: "stats-from" }, t("from")), from),
    h("span", { class: "field" }, h("label", { for: "stats-to" }, t("to")), to),
  );
  replace(main, h("section", { class: "stats stack" }, h("h1", { tabindex: "-1" }, t("stats")), form, problem, figures));
  let generation = 0;

  async function show() {
    if (!from.value || !to.value) return;
    const mine = ++generation;
    const end = day(new Date(Date.parse(to.value) + DAY)); // "to" is inclusive for people
    try {
      const [stats, settings] = await Promise.all([ctx.api.stats(`${from.value}T00:00:00Z`, `${end}T00:00:00Z`), ctx.api.settings()]);
      if (mine !== generation) return;
      replace(problem);
      replace(figures, render(stats, settings, from.value, to.value));
    } catch (error) {
      if (mine === generation) replace(problem, error.detail ?? String(error));
    }
  }
  show();
}

/** @param {string} name @param {string | number} value */
function figure(name, value) {
  return [h("dt", {}, name), h("dd", {}, String(value))];
}

function percent(rate) {
  return rate === null || rate === undefined ? t("notAvailable") : `${Math.round(rate * 1000) / 10} %`;
}

function render(stats, settings, from, to) {
  const sla = stats.sla;
  return [
    h("section", { class: "card" }, h("h2", {}, t("countsPerStatus")), h("dl", { class: "counts" }, codes("statuses").map((code) => figure(label("statuses", code), stats.counts?.[code] ?? 0)))),
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("firstReply")),
      h("dl", {}, figure(t("median"), formatDuration(stats.first_reply_seconds?.median)), figure(t("p90"), formatDuration(stats.first_reply_seconds?.p90))),
      h("h2", {}, t("conversionRate")),
      h("p", { class: "big" }, percent(stats.conversion_rate)),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("sla")),
      h(
        "dl",
        {},
        figure(t("slaTarget"), settings ? formatDuration(settings.first_response_target_seconds) : t("notAvailable")),
        figure(t("slaMet"), sla?.met ?? t("notAvailable")),
        figure(t("slaMissed"), sla?.missed ?? t("notAvailable")),
        figure(t("slaOpenOverdue"), sla?.open_overdue ?? t("notAvailable")),
      ),
    ),
    h("section", { class: "card wide" }, h("h2", {}, t("volume")), stats.series ? chart(stats.series, from, to) : h("p", { class: "muted" }, t("noSeries"))),
  ];
}

/** Bars of submitted inquiries per day; each bar names its day and count. */
function chart(series, from, to) {
  const width = 640;
  const height = 180;
  const axis = 20;
  const top = Math.max(1, ...series.map((b) => b.submitted));
  const slot = width / Math.max(1, series.length);
  const total = series.reduce((sum, b) => sum + b.submitted, 0);
  const summary = t("volumeChart", { from, to, total });
  const bars = series.map((bucket, i) => {
    const tall = ((height - axis - 10) * bucket.submitted) / top;
    return svg(
      "rect",
      { class: "bar", x: i * slot + slot * 0.15, y: height - axis - tall, width: slot * 0.7, height: Math.max(tall, bucket.submitted ? 1 : 0) },
      svg("title", {}, `${bucket.start.slice(0, 10)}: ${bucket.submitted}`),
    );
  });
  const ticks = [0, Math.floor((series.length - 1) / 2), series.length - 1]
    .filter((i, n, all) => i >= 0 && all.indexOf(i) === n)
    .map((i) => svg("text", { x: i * slot + slot / 2, y: height - 4, "text-anchor": "middle", class: "tick" }, series[i].start.slice(5, 10)));
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": summary, class: "chart" },
    svg("title", {}, summary),
    svg("text", { x: 4, y: 12, class: "tick" }, String(top)),
    svg("line", { x1: 0, x2: width, y1: height - axis, y2: height - axis, class: "axis" }),
    bars,
    ticks,
  );
}
