/**
 * The console shell: sign-in or the signed-in layout (sections, merchant, language, live
 * state), the hash routes (#/, #/inquiry/<id>, #/stats), and the live events every screen gets.
 */

import { Api } from "./api.js";
import { mountDetail } from "./detail.js";
import { h, replace } from "./dom.js";
import { LANGUAGES, currentLanguage, setLanguage, setVocabulary, t } from "./i18n.js";
import { mountInbox } from "./inbox.js";
import { startLive, topicName } from "./live.js";
import { can, clearSession, loadSession, merchantsOf, saveSession } from "./session.js";
import { mountSignin } from "./signin.js";
import { mountStats } from "./stats.js";

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
const nav = /** @type {HTMLElement} */ (document.getElementById("nav"));
const tools = /** @type {HTMLElement} */ (document.getElementById("tools"));
const toasts = /** @type {HTMLElement} */ (document.getElementById("toasts"));
const devLogin = document.querySelector('meta[name="dev-login"]')?.getAttribute("content") === "1";
const INQUIRY_ROUTE = /^#\/inquiry\/([0-9a-f-]{36})$/;

/** What the screens share while someone is signed in. */
const state = {
  /** @type {import("./session.js").Session | null} */ session: null,
  /** @type {Api | null} */ api: null,
  /** @type {{close: () => void} | null} */ live: null,
  /** @type {"liveConnecting" | "liveOn" | "liveOff" | "liveUnavailable"} */ liveState: "liveConnecting",
  /** Inquiries that arrived live and are not opened yet in this console (the title's count). */
  unseen: new Set(),
  /** @type {ReturnType<typeof mountInbox> | null} */ inbox: null,
  /** @type {{id: string, onEvent: Function, reload: Function} | null} */ detail: null,
};

/** The context each screen is given. */
function context() {
  const session = /** @type {import("./session.js").Session} */ (state.session);
  return {
    api: /** @type {Api} */ (state.api),
    me: session.claims.sub,
    can: (/** @type {string} */ permission) => can(session, permission),
    unseen: state.unseen,
    /** The detail loaded a fresher copy: the inbox row shows it too. */
    changed: (/** @type {any} */ inquiry) => state.inbox?.update(inquiry),
    /** @param {string} id */
    seen(id) {
      state.unseen.delete(id);
      refreshTitle();
    },
  };
}

function refreshTitle() {
  const count = state.unseen.size;
  document.title = (count ? `(${count}) ` : "") + t("title");
}

/** @param {string} text */
function toast(text) {
  const item = h("p", { class: "toast" }, text);
  toasts.append(item);
  setTimeout(() => item.remove(), 8000);
}

function languageSelect() {
  const select = h(
    "select",
    { id: "language", onchange: () => { setLanguage(select.value); redraw(); } },
    Object.entries(LANGUAGES).map(([code, name]) => h("option", { value: code, selected: code === currentLanguage() }, name)),
  );
  return [h("label", { for: "language" }, t("language")), select];
}

function merchantSelect() {
  const session = /** @type {import("./session.js").Session} */ (state.session);
  const merchants = merchantsOf(session.claims);
  if (merchants.length < 2) return [];
  const select = h(
    "select",
    { id: "merchant", onchange: () => signedIn(saveSession(session.token, select.value)) },
    merchants.map((m) => h("option", { value: m, selected: m === session.merchant }, m)),
  );
  return [h("label", { for: "merchant" }, t("merchant")), select];
}

function drawChrome() {
  replace(/** @type {HTMLElement} */ (document.getElementById("brand")), t("title"));
  if (!state.session) {
    nav.hidden = true;
    replace(tools, languageSelect());
    return;
  }
  const section = location.hash === "#/stats" ? "stats" : "inbox";
  nav.hidden = false;
  nav.setAttribute("aria-label", t("sections"));
  replace(
    nav,
    h("a", { href: "#/", "aria-current": section === "inbox" ? "page" : false }, t("inbox")),
    h("a", { href: "#/stats", "aria-current": section === "stats" ? "page" : false }, t("stats")),
  );
  replace(
    tools,
    h("span", { class: "live", id: "live-state" }, t(state.liveState)),
    merchantSelect(),
    languageSelect(),
    h("span", { class: "who" }, state.session.claims.name ?? state.session.claims.sub),
    h("button", { type: "button", onclick: () => signOut() }, t("signOut")),
  );
}

/** Show the screen the hash names; the inbox stays mounted while details open and close. */
function route() {
  if (!state.session) return;
  drawChrome();
  refreshTitle();
  if (location.hash === "#/stats") {
    state.inbox = state.detail = null;
    document.body.classList.remove("detail-open");
    mountStats(main, context());
    return;
  }
  if (!state.inbox) {
    const list = h("section", { class: "pane list-pane" });
    const detail = h("section", { class: "pane detail-pane", id: "detail" });
    replace(main, h("div", { class: "panes" }, list, detail));
    state.inbox = mountInbox(list, context());
  }
  const id = INQUIRY_ROUTE.exec(location.hash)?.[1];
  const closed = id ? undefined : state.detail?.id;
  document.body.classList.toggle("detail-open", Boolean(id));
  const pane = /** @type {HTMLElement} */ (document.getElementById("detail"));
  if (!id) {
    state.detail = null;
    replace(pane);
  } else if (state.detail?.id !== id) {
    state.detail = mountDetail(pane, context(), id);
  }
  state.inbox.redraw(); // the open row, and the "Unread" marks of what is now seen
  // Back in the list, the keyboard continues from the inquiry that was open.
  if (closed) state.inbox.focusRow(closed);
}

/** Language changed: draw everything again in it. */
function redraw() {
  if (!state.session) return start();
  state.inbox = state.detail = null;
  route();
}

/** @param {{topic: string, data: any}} event */
function onLiveEvent(event) {
  const kind = topicName(event.topic);
  if (kind === "submitted") {
    state.unseen.add(event.data.id);
    toast(t("newInquiry", { business: event.data.business_name }));
  } else if (kind === "deleted") {
    state.unseen.delete(event.data.id);
  }
  refreshTitle();
  state.inbox?.onEvent(kind, event.data);
  if (state.detail?.id === event.data.id) state.detail.onEvent(kind, event.data);
}

/** @param {"liveConnecting" | "liveOn" | "liveOff" | "liveUnavailable"} key */
function showLiveState(key) {
  state.liveState = key;
  const badge = document.getElementById("live-state");
  if (badge) badge.textContent = t(key);
}

function startLiveUpdates() {
  const session = /** @type {import("./session.js").Session} */ (state.session);
  showLiveState("liveConnecting");
  startLive({
    room: `inquiries:${session.merchant}`,
    async getToken() {
      const current = loadSession();
      if (!current) throw new Error("signed out");
      return current.token;
    },
    onEvent: onLiveEvent,
    onReset() {
      state.inbox?.reload();
      state.detail?.reload();
    },
    onState(liveState, detail) {
      if (liveState === "closed" && detail?.reason === "unauthorized") return signOut(detail.reason);
      const shown = { connected: "liveOn", connecting: "liveConnecting", disconnected: "liveOff" };
      showLiveState(shown[liveState] ?? "liveUnavailable");
    },
  })
    .then((live) => {
      if (state.session === session) state.live = live;
      else live.close(); // signed out (or switched merchant) while the client loaded
    })
    .catch(() => showLiveState("liveUnavailable"));
}

function stopLiveUpdates() {
  state.live?.close();
  state.live = null;
}

/** @param {import("./session.js").Session} session */
async function signedIn(session) {
  stopLiveUpdates();
  state.session = session;
  state.unseen.clear();
  state.inbox = state.detail = null;
  state.api = new Api(session, (error) => signOut(error.detail));
  try {
    setVocabulary(await state.api.labels());
  } catch (error) {
    // A 401 has already signed out; anything else (backoffice down) says so, with a retry.
    if (error.status !== 401) replace(main, h("p", { role: "alert" }, error.detail), h("button", { type: "button", onclick: () => start() }, t("reload")));
    return;
  }
  startLiveUpdates();
  route();
}

/** @param {string} [reason] why the session ended, when it was not the user's choice */
function signOut(reason) {
  stopLiveUpdates();
  clearSession();
  state.session = null;
  state.unseen.clear();
  state.inbox = state.detail = null;
  document.body.classList.remove("detail-open");
  start(reason ? t("sessionEnded", { reason }) : undefined);
}

/** @param {string} [notice] */
function start(notice) {
  const session = loadSession();
  if (session) return signedIn(session);
  drawChrome();
  refreshTitle();
  mountSignin(main, { devLogin, notice, onSignedIn: (token, merchants) => signedIn(saveSession(token, merchants[0])) });
}

window.addEventListener("hashchange", route);
start();
