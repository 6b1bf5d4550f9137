/**
 * Sign-in screen: paste an access token, or (under `make run` only) the development sign-in.
 */

import { ApiError, request } from "./api.js";
import { h, replace } from "./dom.js";
import { t } from "./i18n.js";
import { decodeClaims, expired, merchantsOf } from "./session.js";

/**
 * @param {HTMLElement} main
 * @param {object} options
 * @param {boolean} options.devLogin whether the backoffice offers the development sign-in
 * @param {string} [options.notice] why the user is here again (e.g. the session ended)
 * @param {(token: string, merchants: string[]) => void} options.onSignedIn
 */
export function mountSignin(main, { devLogin, notice, onSignedIn }) {
  const problem = h("p", { class: "problem", role: "alert" }, notice ?? "");

  /** Check the token with the backoffice itself before keeping it. */
  async function accept(token) {
    let claims;
    try {
      claims = decodeClaims(token);
    } catch {
      return replace(problem, t("notAToken"));
    }
    if (expired(claims)) return replace(problem, t("tokenExpired"));
    const merchants = merchantsOf(claims);
    if (merchants.length === 0) return replace(problem, t("noMerchant"));
    try {
      await request("GET", "/v1/labels", { token });
    } catch (error) {
      return replace(problem, error instanceof ApiError ? error.detail : String(error));
    }
    onSignedIn(token, merchants);
  }

  const tokenInput = h("input", { id: "token", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  const tokenForm = h(
    "form",
    {
      class: "card stack",
      onsubmit: (event) => {
        event.preventDefault();
        accept(tokenInput.value.trim());
      },
    },
    h("label", { for: "token" }, t("accessToken")),
    tokenInput,
    h("button", { type: "submit", class: "primary" }, t("signIn")),
  );

  replace(main, h("section", { class: "signin stack" }, h("h1", {}, t("signInTitle")), problem, tokenForm, devLogin && devForm(problem, accept)));
  tokenInput.focus();
}

/**
 * The development sign-in: the backoffice mints a token for the chosen user and merchant.
 * @param {HTMLElement} problem where errors go
 * @param {(token: string) => Promise<void>} accept
 */
function devForm(problem, accept) {
  const user = h("input", { id: "dev-user", value: "rep1", required: true, autocomplete: "off" });
  const merchant = h("input", { id: "dev-merchant", value: "demo", required: true, autocomplete: "off" });
  return h(
    "form",
    {
      class: "card stack dev",
      "aria-label": t("devSignIn"),
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const body = { user_id: user.value.trim(), merchant_id: merchant.value.trim() };
          const { data } = await request("POST", "/console/dev-login", { body });
          await accept(data.token);
        } catch (error) {
          replace(problem, error instanceof ApiError ? error.detail : String(error));
        }
      },
    },
    h("p", { class: "muted" }, t("devHint")),
    h("label", { for: "dev-user" }, t("userId")),
    user,
    h("label", { for: "dev-merchant" }, t("merchant")),
    merchant,
    h("button", { type: "submit" }, t("devSignIn")),
  );
}
