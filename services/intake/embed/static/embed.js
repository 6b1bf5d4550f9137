/**
 * Sales Inquiries — the embeddable inquiry form (SPEC §11), served by intake at /v1/embed.js.
 *
 *   <div data-inquiry-form data-merchant="m1" data-locale="vi" data-next="https://site.example/thanks"></div>
 *   <script src="https://intake.example/v1/embed.js" async></script>
 *
 * Renders the form into every [data-inquiry-form] element, replacing what the site put inside
 * (e.g. a link to the hosted form, for visitors without JavaScript), or enhances the form already
 * there on the hosted /v1/form page. Posts it as JSON to the intake this script was loaded from,
 * with one Idempotency-Key per rendered form: double clicks and retries store one inquiry.
 *
 * A classic script rather than an ES module, so that the one-line snippet works on any site; it
 * defines no globals. The form's markup and words come from the intake (/v1/form/fragment), the
 * same HTML the hosted page serves, so labels and rules live in one place.
 */
(() => {
  "use strict";

  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  if (!script?.src) {
    console.error("inquiry form: load embed.js with <script src=…>, not inline or as a module");
    return;
  }
  /** Where the form comes from and goes to: the intake that served this script, nothing else. */
  const INTAKE = new URL(script.src).origin;
  const STYLESHEET = `${INTAKE}/v1/embed.css`;
  /** A request that takes longer is treated like a network error: the visitor may retry. */
  const TIMEOUT_MS = 15000;
  /** The only words not served by the intake: shown when the intake cannot be reached. */
  const LOAD_FAILED = {
    en: "The inquiry form could not be loaded. Please reload the page to try again.",
    vi: "Không tải được biểu mẫu. Vui lòng tải lại trang để thử lại.",
  };
  const SOURCE_PARAMS = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  let formsRendered = 0;

  /** Link the form's stylesheet once, however many forms and script tags the page has. */
  function linkStylesheet() {
    const links = document.querySelectorAll('link[rel="stylesheet"]');
    if ([...links].some((link) => /** @type {HTMLLinkElement} */ (link).href === STYLESHEET)) {
      return;
    }
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = STYLESHEET;
    document.head.append(link);
  }

  /**
   * Fetch the form's markup from the intake.
   * @param {string} merchant
   * @param {"en" | "vi"} locale
   * @returns {Promise<HTMLElement>} the form's root (.inq)
   */
  async function loadForm(merchant, locale) {
    const url = new URL("/v1/form/fragment", INTAKE);
    url.search = new URLSearchParams({ merchant_id: merchant, locale }).toString();
    const response = await fetch(url, {
      credentials: "omit",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(`HTTP ${response.status}: ${body.detail ?? response.statusText}`);
    }
    const template = document.createElement("template");
    template.innerHTML = await response.text(); // the intake's own, escaped HTML
    const root = template.content.querySelector(".inq");
    if (!(root instanceof HTMLElement)) throw new Error("the intake sent no form");
    return root;
  }

  /**
   * Give the ids of one form a number of their own, so several forms can share a page.
   * @param {HTMLElement} root
   * @param {number} n
   */
  function numberIds(root, n) {
    /** @param {string} id */
    const renumber = (id) => id.replace(/^inq-/, `inq${n}-`);
    for (const element of root.querySelectorAll("[id]")) element.id = renumber(element.id);
    for (const label of root.querySelectorAll("label[for]")) {
      const forLabel = /** @type {HTMLLabelElement} */ (label);
      forLabel.htmlFor = renumber(forLabel.htmlFor);
    }
    for (const element of root.querySelectorAll("[aria-describedby]")) {
      const ids = element.getAttribute("aria-describedby") ?? "";
      element.setAttribute("aria-describedby", ids.split(" ").map(renumber).join(" "));
    }
  }

  /**
   * Where the visitor came from, as SPEC §4's `source` (each value at most 512 characters).
   * @returns {Record<string, string> | undefined}
   */
  function pageSource() {
    // The intake refuses control characters: a query string must not make the submit fail.
    /** @param {string} text */
    const clean = (text) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").slice(0, 512);
    /** @type {Record<string, string>} */
    const source = {};
    if (/^https?:/.test(location.href)) source.page_url = clean(location.href);
    if (/^https?:/.test(document.referrer)) source.referrer = clean(document.referrer);
    const params = new URLSearchParams(location.search);
    for (const name of SOURCE_PARAMS) {
      const value = clean(params.get(name) ?? "").trim();
      if (value) source[name] = value;
    }
    return Object.keys(source).length ? source : undefined;
  }

  /** @returns {string} a fresh Idempotency-Key (randomUUID needs a secure context) */
  function newKey() {
    if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  /**
   * An http(s) URL to go to after a submit, or null.
   * @param {string | undefined} next
   */
  function nextUrl(next) {
    if (!next) return null;
    try {
      const url = new URL(next, location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch {
      return null;
    }
  }

  /**
   * @param {HTMLFormElement} form
   * @param {HTMLElement} alert
   */
  function clearErrors(form, alert) {
    for (const error of form.querySelectorAll(".inq-error")) error.remove();
    for (const input of form.querySelectorAll('[aria-invalid="true"]')) {
      input.removeAttribute("aria-invalid");
      const rest = (input.getAttribute("aria-describedby") ?? "")
        .split(" ")
        .filter((id) => id && id !== `${input.id}-error`);
      if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
      else input.removeAttribute("aria-describedby");
    }
    alert.textContent = "";
  }

  /**
   * Show each field's message beside its field; the rest in the form's alert.
   * @param {HTMLFormElement} form
   * @param {HTMLElement} alert
   * @param {{field: string, message: string}[]} errors
   * @param {string} summary
   */
  function showErrors(form, alert, errors, summary) {
    /** @type {HTMLElement | null} */
    let first = null;
    const elsewhere = [];
    for (const { field, message } of errors) {
      const input = form.elements.namedItem(field);
      const visible = input instanceof HTMLElement && input.closest(".inq-field") !== null;
      if (!visible) {
        elsewhere.push(`${field}: ${message}`);
        continue;
      }
      const error = document.createElement("p");
      error.className = "inq-error";
      error.id = `${input.id}-error`;
      error.textContent = message;
      input.after(error);
      input.setAttribute("aria-invalid", "true");
      const described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", described ? `${error.id} ${described}` : error.id);
      first ??= input;
    }
    alert.textContent = [summary, ...elsewhere].join(" ");
    first?.focus();
  }

  /**
   * Post the form as JSON; the answer's status and body (null when not JSON).
   * @param {string} merchant
   * @param {string} key
   * @param {Record<string, unknown>} body
   * @returns {Promise<{status: number, body: any}>} rejects on a network error or timeout
   */
  async function post(merchant, key, body) {
    const response = await fetch(`${INTAKE}/v1/inquiries`, {
      method: "POST",
      credentials: "omit",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "x-merchant-id": merchant,
        "idempotency-key": key,
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  /**
   * Make a rendered form send itself by fetch.
   * @param {HTMLElement} host the [data-inquiry-form] element
   * @param {HTMLElement} root the form's .inq element inside it
   */
  function enhance(host, root) {
    const form = /** @type {HTMLFormElement} */ (root.querySelector("form"));
    const alert = /** @type {HTMLElement} */ (root.querySelector('[role="alert"]'));
    const status = /** @type {HTMLElement} */ (root.querySelector('[role="status"]'));
    const button = /** @type {HTMLButtonElement} */ (form.querySelector('[type="submit"]'));
    const text = root.dataset;
    const merchant = host.dataset.merchant ?? "";
    // One key for the life of this form: a retry after a lost answer replays the stored inquiry.
    const key = newKey();
    let sending = false;
    numberIds(root, ++formsRendered);
    // The intake checks every field at once and answers in the form's language.
    form.noValidate = true;
    form.action = `${INTAKE}/v1/inquiries?merchant_id=${encodeURIComponent(merchant)}`;
    const trap = /** @type {HTMLElement} */ (root.querySelector(".inq-hp"));
    // Off-screen even while the stylesheet is on its way, or if the site's policy blocks it.
    Object.assign(trap.style, { position: "absolute", left: "-10000px", overflow: "hidden" });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (sending) return;
      sending = true;
      button.disabled = true;
      form.setAttribute("aria-busy", "true");
      clearErrors(form, alert);
      /** @type {Record<string, unknown>} */
      const body = Object.fromEntries(new FormData(form));
      body.source = pageSource();
      try {
        const answer = await post(merchant, key, body);
        // 422: this key already stored this form's inquiry (an earlier answer was lost).
        if (answer.status === 201 || answer.status === 422) {
          const next = nextUrl(host.dataset.next);
          if (next) {
            location.assign(next);
            return;
          }
          form.remove();
          status.textContent = text.textThanks ?? "";
          status.focus();
        } else if (answer.status === 400 && Array.isArray(answer.body?.errors)) {
          showErrors(form, alert, answer.body.errors, text.textInvalid ?? "");
        } else {
          alert.textContent = text.textRetry ?? "";
        }
      } catch {
        alert.textContent = text.textRetry ?? "";
      } finally {
        sending = false;
        button.disabled = false;
        form.removeAttribute("aria-busy");
      }
    });
  }

  /**
   * Render (or enhance) the form of one [data-inquiry-form] element, once.
   * @param {HTMLElement} host
   */
  async function mount(host) {
    if (host.dataset.inquiryFormState) return; // the script was included twice
    host.dataset.inquiryFormState = "loading";
    const locale = host.dataset.locale === "vi" ? "vi" : "en";
    let root = host.querySelector(".inq");
    if (!(root instanceof HTMLElement)) {
      try {
        root = await loadForm(host.dataset.merchant ?? "", locale);
      } catch (error) {
        console.error("inquiry form:", error);
        // Whatever the site put inside (say, a link to the hosted form) stays, under the note.
        const note = document.createElement("p");
        note.textContent = LOAD_FAILED[locale];
        host.prepend(note);
        host.dataset.inquiryFormState = "failed";
        return;
      }
      host.replaceChildren(root);
    }
    enhance(host, root);
    host.dataset.inquiryFormState = "ready";
  }

  function start() {
    const hosts = document.querySelectorAll("[data-inquiry-form]");
    if (hosts.length) linkStylesheet();
    for (const host of hosts) void mount(/** @type {HTMLElement} */ (host));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start, { once: true });
  } else {
    start();
  }
})();
