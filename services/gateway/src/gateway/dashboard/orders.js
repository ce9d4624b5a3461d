// The orders blotter (/orders): every client's orders, filtered, live, with cancel and
// modify for working ones and a CSV of what is shown. Filters live in the URL's query.
import { api } from "./api.js";
import { on, throttled, watch } from "./live.js";
import { cancelButton, modifyButton } from "./orders_actions.js";
import { el, head, link, listOf, money, setError, statusCell, time } from "./util.js";

const STATUSES = ["", "WORKING", "PENDING", "SUBMITTED", "ACCEPTED", "PARTIALLY_FILLED", "PENDING_MODIFY", "PENDING_CANCEL",
  "FILLED", "CANCELED", "REJECTED", "DENIED", "EXPIRED"];
const WORKING_SET = ["SUBMITTED", "ACCEPTED", "PARTIALLY_FILLED", "PENDING_MODIFY", "PENDING_CANCEL"];
const COLUMNS = ["created_at", "client_id", "symbol", "token_id", "exchange", "execution_type", "side", "order_type",
  "trade_type", "quantity", "price", "trigger_price", "filled_quantity", "average_price", "status", "reason", "batch_id", "order_id"];

export function render(view) {
  const params = new URLSearchParams(location.search);
  const field = (name, props = {}) => el("input", { name, value: params.get(name) || "", ...props });
  const filters = {
    client_id: field("client_id", { placeholder: "client id" }),
    token_id: field("token_id", { placeholder: "token", inputMode: "numeric" }),
    status: el("select", { name: "status" }, ...STATUSES.map((s) => el("option", { value: s, selected: params.get("status") === s }, s || "any status"))),
    batch_id: field("batch_id", { placeholder: "batch id" }),
    since: field("since", { type: "datetime-local", title: "created at or after (your local time)" }),
    until: field("until", { type: "datetime-local", title: "created before (your local time)" }),
  };
  const body = el("tbody");
  const error = el("p", { class: "error", id: "orders-error" });
  const shown = el("span", { class: "muted small" });
  const download = el("button", { id: "orders-csv" }, "Download CSV");
  let rows = [];
  const form = el("form", { class: "filters", id: "order-filters" }, ...Object.entries(filters).map(([name, input]) => el("label", {}, `${name.replace("_id", "")} `, input)),
    el("button", { type: "submit" }, "filter"), download);
  view.replaceChildren(el("section", { class: "card" }, el("h2", {}, "Orders ", shown), form, error,
    el("table", { id: "blotter" }, head(["Time", "Client", "Instrument", "Side", "Type", "Trade", "Qty", "Price", "Filled", "Avg price", "Status", "Reason", "Batch", ""]), body)));

  function query() {
    const q = new URLSearchParams({ limit: "500" });
    for (const [name, input] of Object.entries(filters)) {
      const value = input.value.trim();
      if (!value) continue;
      if (name === "status" && value === "WORKING") WORKING_SET.forEach((s) => q.append("status", s));
      else if (name === "since" || name === "until") q.set(name, new Date(value).toISOString());
      else q.set(name, value);
    }
    return q;
  }

  async function load() {
    setError(error, null);
    Object.values(filters).forEach((i) => i.classList.remove("bad"));
    let data;
    try { data = await api("GET", `/orders?${query()}`); } catch (failure) {
      setError(error, failure);
      (failure.fields || []).forEach((f) => filters[f.field]?.classList.add("bad"));
      return;
    }
    rows = listOf(data, "orders");
    shown.textContent = `${rows.length} shown${rows.length === 500 ? " (the newest 500: narrow the filters)" : ""}`;
    body.replaceChildren(...rows.map((o) => el("tr", { dataset: { order: o.order_id, status: o.status } },
      el("td", { class: "small" }, time(o.created_at)),
      el("td", {}, link(`/clients/${encodeURIComponent(o.client_id)}`, o.client_id)),
      el("td", {}, o.symbol || o.token_id), el("td", {}, o.side || o.execution_type), el("td", {}, o.order_type),
      el("td", {}, o.trade_type), el("td", { class: "num" }, o.quantity ?? ""),
      el("td", { class: "num" }, o.price ? money(o.price) : ""), el("td", { class: "num" }, o.filled_quantity ?? ""),
      el("td", { class: "num" }, money(o.average_price, "no fill yet")), el("td", {}, statusCell(o.status)),
      el("td", { class: "muted" }, o.reason || ""),
      el("td", { class: "small" }, link(`/orders?batch_id=${encodeURIComponent(o.batch_id)}`, (o.batch_id || "").slice(0, 8))),
      el("td", {}, cancelButton(o, soon), " ", modifyButton(o, soon)))));
    new Set(rows.map((o) => o.client_id)).forEach((c) => watch(`orders:${c}`));
  }
  const soon = throttled(load, 400);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    for (const [name, input] of Object.entries(filters)) if (input.value.trim()) q.set(name, input.value.trim());
    history.replaceState(null, "", `/orders${q.size ? `?${q}` : ""}`);
    load();
  });
  download.addEventListener("click", (event) => {
    event.preventDefault();
    const cell = (v) => { const s = v === null || v === undefined ? "" : String(v); return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s; };
    const text = [COLUMNS.join(","), ...rows.map((o) => COLUMNS.map((c) => cell(o[c])).join(","))].join("\n");
    const a = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })), download: `orders-${new Date().toISOString().slice(0, 19)}.csv` });
    document.body.append(a); a.click(); a.remove();
  });
  on("orders:", soon);
  // An order that changed before the server confirmed a client's channel was never sent
  // here: read the list again once a client's orders are watched.
  on("", (m) => { if (m.type === "subscribed" && (m.channels || []).some((c) => c.startsWith("orders:"))) soon(); });
  api("GET", "/clients").then((clients) => clients.forEach((c) => watch(`orders:${c.client_id}`))).catch(() => {});
  load();
  return { reload: load };
}
