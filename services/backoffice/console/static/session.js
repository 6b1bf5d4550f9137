/**
 * The signed-in session: the token (sessionStorage only, never a URL) and the chosen merchant.
 */

const KEY = "inquiries.console.session";

/**
 * @typedef {{sub: string, name?: string, exp: number, perms: Record<string, string[]>}} Claims
 * @typedef {{token: string, merchant: string, claims: Claims}} Session
 */

/**
 * The JWT payload, read without verifying it (the backoffice verifies every request).
 * @param {string} token
 * @returns {Claims}
 */
export function decodeClaims(token) {
  const part = token.split(".")[1];
  if (!part) throw new Error("not a JWT");
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const claims = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof claims?.sub !== "string" || typeof claims?.exp !== "number") throw new Error("no sub or exp");
  return { ...claims, perms: claims.perms ?? {} };
}

/**
 * Merchants whose inquiries the token may list, sorted.
 * @param {Claims} claims
 * @returns {string[]}
 */
export function merchantsOf(claims) {
  return Object.keys(claims.perms)
    .filter((m) => claims.perms[m]?.includes("inquiry.find"))
    .sort();
}

/**
 * Whether the session holds `permission` for its merchant.
 * @param {Session} session
 * @param {string} permission
 */
export function can(session, permission) {
  return session.claims.perms[session.merchant]?.includes(permission) ?? false;
}

/** @param {Claims} claims */
export function expired(claims) {
  return claims.exp * 1000 <= Date.now();
}

/** @returns {Session | null} the stored session, if its token is still readable and unexpired */
export function loadSession() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    if (!stored) return null;
    const claims = decodeClaims(stored.token);
    return expired(claims) ? null : { token: stored.token, merchant: stored.merchant, claims };
  } catch {
    return null;
  }
}

/**
 * @param {string} token
 * @param {string} merchant
 * @returns {Session}
 */
export function saveSession(token, merchant) {
  sessionStorage.setItem(KEY, JSON.stringify({ token, merchant }));
  return { token, merchant, claims: decodeClaims(token) };
}

export function clearSession() {
  sessionStorage.removeItem(KEY);
}
