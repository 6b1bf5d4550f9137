/**
 * English and Vietnamese: the console's own words (words.js) and the vocabulary (statuses,
 * types, lost reasons) from the backoffice's /v1/labels; dates and durations.
 */

import { WORDS } from "./words.js";

export const LANGUAGES = { en: "English", vi: "Tiếng Việt" };
const STORE = "inquiries.console.language";

let language = localStorage.getItem(STORE) in WORDS ? localStorage.getItem(STORE) : "en";
/** @type {Record<string, Record<string, {en: string, vi: string}>>} */
let vocabulary = { statuses: {}, types: {}, lost_reasons: {} };

/** @returns {"en" | "vi"} */
export function currentLanguage() {
  return /** @type {"en" | "vi"} */ (language);
}

/** @param {string} code "en" or "vi" (remembered in localStorage: a preference, not a secret) */
export function setLanguage(code) {
  language = code in WORDS ? code : "en";
  localStorage.setItem(STORE, language);
  document.documentElement.lang = language;
}

/** @param {typeof vocabulary} labels the body of /v1/labels */
export function setVocabulary(labels) {
  vocabulary = labels;
}

/**
 * A console phrase, with `{name}` placeholders filled from `values`.
 * @param {string} key a key of words.js
 * @param {Record<string, string | number>} [values]
 */
export function t(key, values = {}) {
  const text = WORDS[language][key] ?? WORDS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/**
 * A vocabulary label ("statuses", "types", "lost_reasons"); the code itself when unknown.
 * @param {"statuses" | "types" | "lost_reasons"} kind
 * @param {string | null} code
 */
export function label(kind, code) {
  if (!code) return "";
  return vocabulary[kind]?.[code]?.[language] ?? code;
}

/** @param {"statuses" | "types" | "lost_reasons"} kind @returns {string[]} the codes, in server order */
export function codes(kind) {
  return Object.keys(vocabulary[kind] ?? {});
}

/** @param {string | null} iso a timestamp, shown in the reader's time zone */
export function formatTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(language === "vi" ? "vi-VN" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** @param {number | null | undefined} seconds a duration, e.g. "1 h 5 min" */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return t("notAvailable");
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

setLanguage(language);
