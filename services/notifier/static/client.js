/**
 * The Sales Inquiries notifier client (SPEC section 10): one dependency-free ES module for
 * dashboards in the browser and in Node 22+ (global WebSocket).
 *
 *   import { NotifierClient } from "https://notifier.example/v1/client.js";
 *   const client = new NotifierClient({ url: "wss://notifier.example/v1/ws", getToken });
 *   client.onState((state, detail) => console.log(state, detail));
 *   const sub = client.subscribe("inquiries:m1", { onEvent(event) {}, onReset() {} });
 *
 * It reconnects after any loss with full-jitter backoff, resumes every room with `since` (and
 * the stream epoch), delivers each room's events in stream order and each event at most once,
 * renews the token over the live socket before it expires, and detects a dead connection.
 */

/** The notifier that serves this file replaces this with its own version. */
export const VERSION = "0.0.0-dev";

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 20_000;
/** A connection that lasted this long was healthy: the next loss starts the backoff afresh. */
const STABLE_MS = 10_000;
/** The first failure after 4029 (too many sockets) waits at least this long. */
const TOO_MANY_FLOOR_MS = 5_000;
/** How many recent (room, event_id) pairs are remembered for de-duplication. */
const RECENT_EVENTS = 10_000;
const REFRESH_MARGIN_MS = 60_000;
const REFRESH_MIN_MS = 1_000;
/** A getToken() that has not settled by then counts as failed (a hung endpoint can't stall us). */
const GET_TOKEN_TIMEOUT_MS = 30_000;
const REFRESH_RETRY_MS = 2_000;
/** setTimeout fires at once for delays past 2^31-1 ms; a long-lived token is renewed daily. */
const REFRESH_MAX_MS = 86_400_000;
/** A room refused with "rate_limited" (too many resumes at once) is asked for again after this. */
const RATE_LIMITED_RETRY_MS = 2_000;

const UNAUTHORIZED = 4001;
const TOO_MANY_CONNECTIONS = 4029;

/** @typedef {"connecting" | "connected" | "disconnected" | "closed"} ConnectionState */

/**
 * What `onState` listeners get with a state: `attempt` (connecting), `code`/`reason`/`retryInMs`
 * (disconnected), `reason` ("closed" by `close()`, "unauthorized", "bad_url") when closed.
 * @typedef {{attempt?: number, code?: number, reason?: string, retryInMs?: number, error?: unknown}} StateDetail
 */

/**
 * The SPEC section 8 event message.
 * @typedef {object} NotifierEvent
 * @property {string} room
 * @property {string} offset    the stream entry ID
 * @property {string} topic
 * @property {string} event_id
 * @property {Record<string, unknown>} data
 */

/**
 * @typedef {object} SubscribeOptions
 * @property {string} [since]   resume point (an offset kept from an earlier session)
 * @property {string} [epoch]   the stream epoch that `since` belongs to, if kept too
 * @property {(event: NotifierEvent) => void} [onEvent]
 * @property {() => void} [onReset]   continuity was lost: reload the list from the backoffice
 * @property {(error: {code: string, detail?: string, room: string}) => void} [onError]
 *   the server refused the room ("forbidden", also when a renewed token lacks its permission,
 *   or "bad_request"); the subscription ends. A "rate_limited" resume is retried, not reported.
 */

/**
 * @typedef {object} ClientOptions
 * @property {string} url   the notifier's WebSocket URL, e.g. "wss://notifier.example/v1/ws"
 * @property {() => string | Promise<string>} getToken   a fresh staff JWT on every call
 * @property {number} [pingIntervalMs]   send a ping after this much silence (default 5 s)
 * @property {number} [pongTimeoutMs]    a ping unanswered this long means dead (default 10 s)
 */

/** One room subscription; `offset` is the last delivered offset (persist it to resume). */
export class Subscription {
  /** @type {string | undefined} */
  offset;
  /** @type {string | undefined} */
  epoch;
  #detach;

  /**
   * @param {string} room
   * @param {SubscribeOptions} options
   * @param {(sub: Subscription) => void} detach
   */
  constructor(room, options, detach) {
    /** @readonly */
    this.room = room;
    this.offset = options.since;
    this.epoch = options.since === undefined ? undefined : options.epoch;
    this.#detach = detach;
  }

  /** Leave the room; no more events are delivered (idempotent). */
  unsubscribe() {
    this.#detach(this);
  }
}

/** The notifier client: one WebSocket, any number of rooms. */
export class NotifierClient {
  #url;
  #getToken;
  #pingIntervalMs;
  #pongTimeoutMs;
  /** @type {Map<string, {sub: Subscription, options: SubscribeOptions}>} */
  #rooms = new Map();
  /** @type {Set<(state: ConnectionState, detail: StateDetail) => void>} */
  #listeners = new Set();
  /** @type {ConnectionState} */
  #state = "connecting";
  /** @type {WebSocket | null} */
  #ws = null;
  /** The token the current socket authenticated with (last sent). */
  #token = "";
  #ready = false;
  #closed = false;
  #failures = 0;
  #connectedAt = 0;
  /** A 4001 was seen: the next token is the last chance. */
  #lastChance = false;
  #openedAt = 0;
  #lastSeen = 0;
  #pingSentAt = 0;
  /** @type {Set<string>} insertion-ordered, so the oldest is evicted first */
  #recent = new Set();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #reconnectTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #refreshTimer;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #watchdog;

  /** @param {ClientOptions} options */
  constructor({ url, getToken, pingIntervalMs = 5_000, pongTimeoutMs = 10_000 }) {
    if (typeof url !== "string" || typeof getToken !== "function") {
      throw new TypeError("NotifierClient needs {url: string, getToken: () => Promise<string>}");
    }
    this.#url = url;
    this.#getToken = getToken;
    this.#pingIntervalMs = pingIntervalMs;
    this.#pongTimeoutMs = pongTimeoutMs;
    // After the caller's synchronous setup, so its onState listener sees "connecting".
    queueMicrotask(() => this.#connect());
  }

  /** The current connection state. */
  get state() {
    return this.#state;
  }

  /**
   * Call `listener(state, detail)` on every state change; returns a function that stops it.
   * @param {(state: ConnectionState, detail: StateDetail) => void} listener
   * @returns {() => void}
   */
  onState(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Join a room: its events go to `onEvent` in stream order, each at most once.
   * @param {string} room   "inquiries:{merchant}" or "inquiries:{merchant}:{inquiry_id}"
   * @param {SubscribeOptions} [options]
   * @returns {Subscription}
   */
  subscribe(room, options = {}) {
    if (this.#closed) throw new Error("the client is closed");
    if (this.#rooms.has(room)) throw new Error(`already subscribed to ${room}`);
    const sub = new Subscription(room, options, (it) => this.#unsubscribe(it));
    this.#rooms.set(room, { sub, options });
    if (this.#ready) this.#sendSubscribe(sub);
    return sub;
  }

  /** Close the connection for good: state "closed" with reason "closed". */
  close() {
    this.#finish({ reason: "closed" });
  }

  // --- connection -------------------------------------------------------------------------

  async #connect() {
    if (this.#closed) return;
    this.#setState("connecting", { attempt: this.#failures + 1 });
    /** @type {string} */
    let token;
    try {
      token = await this.#freshToken();
    } catch (error) {
      if (this.#lastChance) this.#finish({ reason: "unauthorized", error });
      else this.#lost({ code: 0, reason: "getToken failed", error });
      return;
    }
    if (this.#closed) return;
    /** @type {WebSocket} */
    let ws;
    try {
      ws = new WebSocket(this.#url);
    } catch (error) {
      this.#finish({ reason: "bad_url", error });
      return;
    }
    this.#ws = ws;
    this.#token = token;
    this.#openedAt = this.#lastSeen = Date.now();
    this.#pingSentAt = 0;
    // Every handler checks that its socket is still the current one: a torn-down socket's
    // late messages and close events must not touch the new connection's state.
    ws.onopen = () => {
      if (ws !== this.#ws) return;
      this.#lastSeen = Date.now();
      this.#send({ op: "auth", token });
    };
    ws.onmessage = (message) => {
      if (ws === this.#ws) this.#receive(message.data);
    };
    ws.onclose = (event) => {
      if (ws === this.#ws) this.#lost({ code: event.code, reason: event.reason });
    };
    ws.onerror = () => {
      // Browsers follow a failed connection's error with a close event (code 1006); Node 20's
      // experimental WebSocket does not when the connection is refused, so act on the error.
      if (ws === this.#ws && ws.readyState !== WebSocket.OPEN) {
        this.#lost({ code: 1006, reason: "connection failed" });
      }
    };
    // Ticks at half the ping interval: silence is noticed within 1.5 intervals, and a dead
    // connection within 1.5 ping intervals + the pong timeout + half an interval (20 s).
    this.#watchdog = setInterval(() => this.#watch(ws), this.#pingIntervalMs / 2);
  }

  /** @param {WebSocket} ws */
  #watch(ws) {
    if (ws !== this.#ws) return;
    const now = Date.now();
    if (!this.#ready) {
      // Opening handshake and auth: a server that accepted TCP but answers nothing is dead.
      if (now - this.#openedAt >= this.#pingIntervalMs + this.#pongTimeoutMs) this.#dead();
    } else if (this.#pingSentAt >= this.#lastSeen) {
      // Only an unanswered ping counts, so a timer throttled in a background tab never does.
      if (now - this.#pingSentAt >= this.#pongTimeoutMs) this.#dead();
    } else if (now - this.#lastSeen >= this.#pingIntervalMs) {
      this.#pingSentAt = now;
      this.#send({ op: "ping" });
    }
  }

  #dead() {
    this.#lost({ code: 0, reason: "no answer from the server" });
  }

  /**
   * The connection is gone (or given up on): tear it down and plan the next attempt.
   * @param {{code: number, reason: string, error?: unknown}} detail
   */
  #lost(detail) {
    const lasted = this.#connectedAt > 0 ? Date.now() - this.#connectedAt : 0;
    this.#teardown();
    if (this.#closed) return;
    if (detail.code === UNAUTHORIZED) {
      if (this.#lastChance) {
        this.#finish({ reason: "unauthorized", code: detail.code });
        return;
      }
      this.#lastChance = true; // one more fresh token, right away
      this.#setState("disconnected", { ...detail, retryInMs: 0 });
      this.#connect();
      return;
    }
    this.#failures = lasted >= STABLE_MS ? 1 : this.#failures + 1;
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (this.#failures - 1));
    let delay = Math.random() * ceiling; // full jitter
    if (detail.code === TOO_MANY_CONNECTIONS) {
      // The server is at our cap: wait long enough for another tab's socket to go away.
      delay = TOO_MANY_FLOOR_MS + Math.random() * Math.max(ceiling, TOO_MANY_FLOOR_MS);
    }
    this.#setState("disconnected", { ...detail, retryInMs: Math.round(delay) });
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  #teardown() {
    const ws = this.#ws;
    this.#ws = null;
    this.#ready = false;
    this.#connectedAt = 0;
    clearInterval(this.#watchdog);
    clearTimeout(this.#refreshTimer);
    if (ws === null) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) {
      try {
        ws.close(1000, "client going away");
      } catch {
        // already closing: nothing left to do
      }
    }
  }

  /** @param {StateDetail} detail */
  #finish(detail) {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#teardown();
    this.#rooms.clear();
    this.#setState("closed", detail);
  }

  /**
   * @param {ConnectionState} state
   * @param {StateDetail} detail
   */
  #setState(state, detail) {
    this.#state = state;
    for (const listener of [...this.#listeners]) guarded(listener, state, detail);
  }

  /** @param {Record<string, unknown>} message */
  #send(message) {
    try {
      this.#ws?.send(JSON.stringify(message));
    } catch {
      // the socket is closing; its close event starts the reconnect
    }
  }

  // --- token renewal ----------------------------------------------------------------------

  /** @param {string} token */
  #scheduleRefresh(token) {
    clearTimeout(this.#refreshTimer);
    const lifetimeMs = remainingLifetimeMs(token);
    if (lifetimeMs === undefined) return;
    const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 3);
    const delay = Math.min(REFRESH_MAX_MS, Math.max(REFRESH_MIN_MS, lifetimeMs - margin));
    this.#refreshTimer = setTimeout(() => this.#refresh(), delay);
  }

  /** @returns {Promise<string>} */
  async #freshToken() {
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error("getToken timed out")), GET_TOKEN_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.#getToken(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Send a fresh token on the live socket (SPEC section 8 refresh): no reconnect. */
  async #refresh() {
    const ws = this.#ws;
    /** @type {string} */
    let token;
    try {
      token = await this.#freshToken();
    } catch {
      // Try again until the token expires; then the server's 4001 decides.
      if (ws === this.#ws) this.#refreshTimer = setTimeout(() => this.#refresh(), REFRESH_RETRY_MS);
      return;
    }
    if (ws !== this.#ws || !this.#ready) return;
    this.#token = token;
    this.#send({ op: "auth", token });
    this.#scheduleRefresh(token);
  }

  // --- messages ---------------------------------------------------------------------------

  /** @param {unknown} raw */
  #receive(raw) {
    this.#lastSeen = Date.now();
    /** @type {any} */
    let message;
    try {
      message = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (message.op === "ready") this.#onReady();
    else if (message.op === "subscribed") this.#onSubscribed(message);
    else if (message.op === "event") this.#onEvent(message);
    else if (message.op === "error") this.#onError(message);
    // "pong" and "unsubscribed" only prove the connection is alive (lastSeen above).
  }

  #onReady() {
    if (this.#ready) return; // the answer to a token refresh
    this.#ready = true;
    this.#lastChance = false;
    this.#connectedAt = Date.now();
    this.#scheduleRefresh(this.#token);
    this.#setState("connected", {});
    for (const { sub } of this.#rooms.values()) this.#sendSubscribe(sub);
  }

  /** @param {Subscription} sub */
  #sendSubscribe(sub) {
    /** @type {Record<string, string>} */
    const message = { op: "subscribe", room: sub.room };
    if (sub.offset !== undefined) {
      message.since = sub.offset;
      if (sub.epoch !== undefined) message.epoch = sub.epoch;
    }
    this.#send(message);
  }

  /** @param {{room: string, offset: string, recovered?: boolean, epoch?: string}} message */
  #onSubscribed({ room, offset, recovered, epoch }) {
    const entry = this.#rooms.get(room);
    if (entry === undefined) return;
    const { sub, options } = entry;
    if (epoch !== undefined) sub.epoch = epoch;
    if (recovered === false) {
      // Nothing is replayed; live events follow the stream's newest entry.
      sub.offset = offset;
      if (options.onReset) guarded(options.onReset);
    } else if (sub.offset === undefined) {
      sub.offset = offset; // a resume from here misses nothing published after subscribing
    }
  }

  /** @param {NotifierEvent} event */
  #onEvent({ room, offset, topic, event_id, data }) {
    const entry = this.#rooms.get(room);
    if (entry === undefined) return; // unsubscribed while it was on its way
    const { sub, options } = entry;
    if (sub.offset === undefined || compareOffsets(offset, sub.offset) > 0) sub.offset = offset;
    if (this.#seenBefore(room, event_id)) return;
    if (options.onEvent) guarded(options.onEvent, { room, offset, topic, event_id, data });
  }

  /** @param {{code: string, detail?: string, room?: string}} message */
  #onError({ code, detail, room }) {
    const entry = room === undefined ? undefined : this.#rooms.get(room);
    if (entry === undefined || room === undefined) return; // not about a room of ours
    if (code === "rate_limited") {
      // Too many resumes on this socket at once (many rooms): ask again a little later.
      const ws = this.#ws;
      const delay = RATE_LIMITED_RETRY_MS * (1 + Math.random());
      setTimeout(() => {
        if (ws === this.#ws && this.#ready && this.#rooms.get(room) === entry) {
          this.#sendSubscribe(entry.sub);
        }
      }, delay);
      return;
    }
    // The server refused the room (or dropped it after a refresh): resubscribing won't help.
    this.#rooms.delete(room);
    if (entry.options.onError) guarded(entry.options.onError, { code, detail, room });
  }

  /**
   * @param {string} room
   * @param {string} eventId
   */
  #seenBefore(room, eventId) {
    // Keyed by room too: an event reaches both its rooms, and each room's onEvent gets it once.
    const key = `${room}\n${eventId}`;
    if (this.#recent.has(key)) return true;
    this.#recent.add(key);
    if (this.#recent.size > RECENT_EVENTS) {
      const oldest = this.#recent.values().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
    return false;
  }

  /** @param {Subscription} sub */
  #unsubscribe(sub) {
    if (this.#rooms.get(sub.room)?.sub !== sub) return;
    this.#rooms.delete(sub.room);
    if (this.#ready) this.#send({ op: "unsubscribe", room: sub.room });
  }
}

// --- helpers --------------------------------------------------------------------------------

/**
 * Call a user callback; its exception is reported, never breaks the client.
 * @template {unknown[]} A
 * @param {(...args: A) => unknown} callback
 * @param {A} args
 */
function guarded(callback, ...args) {
  try {
    callback(...args);
  } catch (error) {
    if (typeof globalThis.reportError === "function") globalThis.reportError(error);
    else console.error(error);
  }
}

/**
 * Stream IDs ("1700000000000-3") in stream order.
 * @param {string} a
 * @param {string} b
 */
function compareOffsets(a, b) {
  const [aMs, aSeq] = a.split("-").map(BigInt);
  const [bMs, bSeq] = b.split("-").map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

/**
 * How long a JWT is valid from now, from its payload's `exp` (and `iat`, which bounds it when
 * the local clock runs behind the server's); `undefined` when it carries no expiry.
 * @param {string} token
 * @returns {number | undefined}
 */
function remainingLifetimeMs(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const payload = JSON.parse(atob(part.padEnd(Math.ceil(part.length / 4) * 4, "=")));
    if (typeof payload.exp !== "number") return undefined;
    const byClock = payload.exp * 1000 - Date.now();
    if (typeof payload.iat !== "number") return byClock;
    return Math.min(byClock, (payload.exp - payload.iat) * 1000);
  } catch {
    return undefined;
  }
}
