// Small DOM and formatting helpers. Every value is written as text (never as markup), so
// nothing a client name or a broker message holds can run in the page.

export const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const RUPEES = new Intl.NumberFormat("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const WHOLE = new Intl.NumberFormat("en-IN", { maximumFractionDigits: 0 });

export const known = (v) => v !== null && v !== undefined && v !== "" && !Number.isNaN(Number(v));

// A figure the page does not have: a dash whose tooltip says why, never a 0.
export const missing = (why) => el("span", { class: "missing", title: why }, "–");

// Rupees in Indian grouping (12,34,567.80), or a dash with the reason.
export const money = (v, why = "not known yet") => (known(v) ? el("span", {}, RUPEES.format(Number(v))) : missing(why));
export const moneyText = (v) => (known(v) ? RUPEES.format(Number(v)) : "–");
export const count = (v, why = "not known yet") => (known(v) ? el("span", {}, WHOLE.format(Number(v))) : missing(why));

// Sums money exactly (in paise), so a column's total is what its rows add up to.
export const addMoney = (...values) => values.reduce((t, v) => t + Math.round(Number(v) * 100), 0) / 100;

// Today's P&L = realized P&L booked to today's trading date + unrealized on open positions.
// Without the day's realized figure (a portfolio service that does not send it) it is not
// known: null with the reason, never a guess.
export const TODAY_PNL = "Today's P&L = realized today (trades closed this trading date) + unrealized (open positions at the latest quote)";
export function todayPnl(p) {
  if (!p) return { value: null, why: "the portfolio service did not answer for this client" };
  if (!known(p.realized_pnl_today)) return { value: null, why: "the portfolio service did not send today's realized P&L" };
  if (!known(p.unrealized_pnl)) return { value: null, why: "no unrealized P&L yet" };
  return { value: addMoney(p.realized_pnl_today, p.unrealized_pnl), why: null };
}

// Profit and loss, coloured by sign.
export function pnl(v, why = "not known yet") {
  if (!known(v)) return missing(why);
  const n = Number(v);
  return el("span", { class: n > 0 ? "pos" : n < 0 ? "neg" : "" }, RUPEES.format(n));
}

export const statusCell = (s) => el("span", { class: `status ${s}` }, s);
export const WORKING = ["SUBMITTED", "ACCEPTED", "PARTIALLY_FILLED", "PENDING_MODIFY"];
export const MODIFIABLE = ["ACCEPTED", "PARTIALLY_FILLED"];
export const TERMINAL = ["FILLED", "CANCELED", "REJECTED", "EXPIRED", "DENIED"];
export const time = (iso) => (iso ? new Date(iso).toLocaleString("en-IN", { hour12: false }) : "");

// List endpoints answer a bare list or {<name>: [...]}; take the list either way.
export const listOf = (data, name) => (Array.isArray(data) ? data : data?.[name] || data?.items || []);

// A link that routes inside the page (history API) instead of loading a new one.
export const link = (href, ...children) => el("a", { href, dataset: { link: "" } }, ...children);

export function setError(node, error) {
  node.textContent = error ? error.message || String(error) : "";
}

// A table head whose number columns are right-aligned like their figures.
const NUMERIC = new Set(["Qty", "Quantity", "Net qty", "Price", "Filled", "Avg price", "LTP", "Value", "Realized",
  "Unrealized", "Total", "Holders", "Unrealized P&L", "Total P&L", "Today's P&L", "Lots", "Est. margin", "Available"]);
export const head = (labels) => el("thead", {}, el("tr", {}, ...labels.map((h) => el("th", { class: NUMERIC.has(h) ? "num" : "" }, h))));
