/**
 * Live updates: the notifier's own browser client (SPEC §10), loaded at run time from the
 * notifier, so reconnecting, resuming and de-duplicating are done once, by the server's code.
 */

/**
 * The notifier's base URL: the page's `<meta name="notifier-url">` (CONSOLE_NOTIFIER_URL),
 * else the page's host on port 8003.
 * @returns {{socket: string, script: string}} the WebSocket URL and the client's URL
 */
export function notifierUrls() {
  const configured = document.querySelector('meta[name="notifier-url"]')?.getAttribute("content") ?? "";
  const secure = location.protocol === "https:";
  const base = new URL(configured || `${secure ? "wss" : "ws"}://${location.hostname}:8003`);
  const path = base.pathname.replace(/\/$/, "");
  const tls = base.protocol === "wss:" || base.protocol === "https:";
  return {
    socket: `${tls ? "wss" : "ws"}://${base.host}${path}/v1/ws`,
    script: `${tls ? "https" : "http"}://${base.host}${path}/v1/client.js`,
  };
}

/**
 * Subscribe to one room. Resolves to a handle with `close()`; rejects when the client
 * cannot be loaded (the console then works without live updates).
 * @param {object} options
 * @param {() => Promise<string>} options.getToken a fresh token (throws to stop: signed out)
 * @param {string} options.room e.g. "inquiries:m1"
 * @param {(event: {topic: string, event_id: string, data: any}) => void} options.onEvent
 * @param {() => void} options.onReset continuity lost: reload from the backoffice
 * @param {(state: string, detail?: any) => void} options.onState
 * @returns {Promise<{close: () => void}>}
 */
export async function startLive({ getToken, room, onEvent, onReset, onState }) {
  const urls = notifierUrls();
  const { NotifierClient } = await import(urls.script);
  const client = new NotifierClient({ url: urls.socket, getToken });
  client.onState(onState);
  client.subscribe(room, { onEvent, onReset });
  return { close: () => client.close() };
}

/** The last segment of an event's topic: "submitted", "assigned", "overdue", … */
export function topicName(topic) {
  return topic.slice(topic.lastIndexOf("/") + 1);
}
