// What a batch would do before it is sent: POST /orders/preview answers per client the
// resolved quantity, lots, estimated margin against the available, the broker session and
// pre-trade risk's verdict. The summary shows its totals; the confirmation shows its rows.
import { api } from "./api.js";
import { addMoney, el, head, known, missing, money, moneyText } from "./util.js";

export const fetchPreview = (body) => api("POST", "/orders/preview", body);

// Totals of the rows placed: margin required (where risk could estimate it) and verdicts.
export function previewTotals(answer) {
  const placed = answer.rows.filter((r) => !r.skipped);
  const priced = placed.filter((r) => known(r.required_margin));
  const denied = placed.filter((r) => r.risk && !r.risk.approved);
  return {
    placed: placed.length,
    margin: priced.length ? addMoney(...priced.map((r) => r.required_margin)) : null,
    unpriced: placed.length - priced.length,
    short: placed.filter((r) => r.margin_enough === false).length,
    denied,
    rules: [...new Set(denied.map((r) => r.risk.rule))],
  };
}

// One line for the summary under the order form.
export function marginLine(answer) {
  const t = previewTotals(answer);
  const parts = [t.margin === null ? "margin –: risk could not estimate it (no price or margin rate yet)"
    : `margin about ₹${moneyText(t.margin)}${t.unpriced ? ` (${t.unpriced} clients without an estimate left out)` : ""}`];
  if (t.short) parts.push(`${t.short} short of margin`);
  if (t.denied.length) parts.push(`${t.denied.length} would be denied (${t.rules.join(", ")})`);
  else if (t.placed) parts.push("risk approves all");
  return parts.join(" · ");
}

const sessionCell = (s) => (s ? el("span", { class: `session ${s.state}`, title: s.reason || "" }, s.state)
  : missing("the broker-adapter has not reported a session yet"));

function verdictCell(row) {
  if (row.skipped) return el("span", { class: "muted" }, `skipped: ${row.reason || "quantity 0"}`);
  if (!row.risk) return missing("risk did not answer for this client");
  const notes = (row.risk.notes || []).join("; ");
  if (row.risk.approved) return el("span", { class: "pos", title: notes }, "approved");
  return el("span", { class: "rule", title: notes }, el("strong", {}, row.risk.rule || "denied"), row.risk.reason ? ` ${row.risk.reason}` : "");
}

// The preview's rows; a row risk would deny (or short of margin) is highlighted.
export function previewTable(answer, names = {}) {
  const why = "risk could not estimate it: no price or margin rate for this order yet";
  return el("table", { id: "preview-rows", class: "preview" },
    head(["Client", "Qty", "Lots", "Est. margin", "Available", "Session", "Risk"]),
    el("tbody", {}, ...answer.rows.map((r) => el("tr", {
      class: r.skipped ? "skipped" : r.risk && !r.risk.approved ? "denied" : r.margin_enough === false ? "short" : "",
      dataset: { client: r.client_id, rule: r.risk?.rule || "" } },
    el("td", {}, names[r.client_id] || r.client_id, r.reason && !r.skipped ? el("div", { class: "muted small" }, r.reason) : ""),
    el("td", { class: "num" }, r.quantity ?? ""), el("td", { class: "num" }, r.lots ?? ""),
    el("td", { class: "num" }, r.skipped ? "" : money(r.required_margin, why)),
    el("td", { class: "num" }, r.skipped ? "" : money(r.available_margin, "no margin report read from the broker yet")),
    el("td", {}, sessionCell(r.session)), el("td", {}, verdictCell(r))))));
}
