/**
 * The backoffice JSON API (SPEC §6, §13) as the console uses it. Every error becomes an
 * {@link ApiError} carrying the server's status and message.
 */

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0: the backoffice did not answer)
   * @param {string} detail the server's message
   * @param {{field: string, message: string}[]} [errors] per-field problems of a 400
   */
  constructor(status, detail, errors = []) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.errors = errors;
  }
}

/**
 * @param {string} method
 * @param {string} path
 * @param {{token?: string, merchant?: string, query?: Record<string, any>, body?: any, headers?: Record<string, string>}} options
 * @returns {Promise<{data: any, response: Response}>}
 */
export async function request(method, path, { token, merchant, query, body, headers = {} } = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "" && value !== false) url.searchParams.set(key, String(value));
  }
  const all = { Accept: "application/json", ...headers };
  if (token) all.Authorization = `Bearer ${token}`;
  if (merchant) all["x-merchant-id"] = merchant;
  if (body !== undefined) all["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "The backoffice did not answer. Check the connection and try again.");
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data?.detail ?? response.statusText, data?.errors ?? []);
  return { data, response };
}

/** Calls on behalf of one signed-in session; `onUnauthorized` runs on any 401. */
export class Api {
  /**
   * @param {import("./session.js").Session} session
   * @param {(error: ApiError) => void} onUnauthorized
   */
  constructor(session, onUnauthorized) {
    this.session = session;
    this.onUnauthorized = onUnauthorized;
  }

  /** @param {string} method @param {string} path @param {object} [options] */
  async call(method, path, options = {}) {
    try {
      return await request(method, path, { token: this.session.token, merchant: this.session.merchant, ...options });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.onUnauthorized(error);
      throw error;
    }
  }

  /** One page of inquiries, newest first. @param {Record<string, any>} query */
  async list(query) {
    return (await this.call("GET", "/v1/inquiries", { query: { limit: 25, ...query } })).data;
  }

  /** The inquiry and its ETag (for If-Match). @param {string} id */
  async get(id) {
    const { data, response } = await this.call("GET", `/v1/inquiries/${id}`);
    return { inquiry: data, etag: response.headers.get("ETag") };
  }

  /** The audit trail, oldest first. @param {string} id */
  async events(id) {
    return (await this.call("GET", `/v1/inquiries/${id}/events`)).data;
  }

  /**
   * A lifecycle action: assign, reply, convert or lose.
   * @param {string} id @param {string} action @param {object} [body]
   */
  async act(id, action, body = {}) {
    return (await this.call("POST", `/v1/inquiries/${id}/${action}`, { body })).data;
  }

  /** Change fields; a stale `etag` is a 412. @param {string} id @param {object} fields @param {string} etag */
  async update(id, fields, etag) {
    return (await this.call("PATCH", `/v1/inquiries/${id}`, { body: fields, headers: { "If-Match": etag } })).data;
  }

  /** Figures over [from, to), with the per-day series when the server has it. */
  async stats(from, to) {
    return (await this.call("GET", "/v1/inquiries/stats", { query: { from, to, interval: "day" } })).data;
  }

  /** The merchant's SLA target, or null where the server has no settings yet. */
  async settings() {
    try {
      return (await this.call("GET", "/v1/settings")).data;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** The bilingual statuses, types and lost reasons. */
  async labels() {
    return (await this.call("GET", "/v1/labels")).data;
  }
}
