// A batch followed live: one row per client's order, each to its end with the reason.
import { api } from "./api.js";
import { on, throttled, watch } from "./live.js";
import { cancelButton } from "./orders_actions.js";
import { el, money, statusCell } from "./util.js";

// Renders into `box` and keeps it current until every order has ended; returns a handle
// whose reload() the page calls after a reconnect.
export function followBatch(box, batchId, names = {}) {
  const counts = el("span", { class: "counts" });
  const body = el("tbody");
  box.replaceChildren(
    el("h2", {}, "Batch ", el("span", { class: "muted small" }, batchId), " ", counts),
    el("table", { class: "batch", dataset: { batch: batchId } },
      el("thead", {}, el("tr", {}, el("th", {}, "Client"), el("th", {}, "Status"), el("th", { class: "num" }, "Qty"),
        el("th", { class: "num" }, "Filled"), el("th", { class: "num" }, "Avg price"), el("th", {}, "Reason"), el("th"))),
      body));
  box.hidden = false;
  let done = false;
  let timer = null;
  async function reload() {
    const batch = await api("GET", `/batches/${batchId}`).catch(() => null);
    if (batch) {
      done = Boolean(batch.complete);
      counts.textContent = Object.entries(batch.counts || {}).map(([s, n]) => `${s} ${n}`).join(" · ");
      counts.classList.toggle("done", done);
      body.replaceChildren(...(batch.orders || []).map((o) => el("tr", { dataset: { client: o.client_id, status: o.status } },
        el("td", {}, names[o.client_id] || o.client_id), el("td", {}, statusCell(o.status)),
        el("td", { class: "num" }, o.quantity ?? ""), el("td", { class: "num" }, o.filled_quantity ?? ""),
        el("td", { class: "num" }, money(o.average_price, "no fill yet")),
        el("td", { class: "muted" }, o.reason || ""), el("td", {}, cancelButton(o, reload)))));
    }
    // The socket says when to look; a slow look as well, in case an update was missed.
    clearTimeout(timer);
    if (!done && box.isConnected) timer = setTimeout(reload, batch ? 3000 : 500);
  }
  const soon = throttled(reload, 150);
  watch(`batch:${batchId}`);
  on(`batch:${batchId}`, soon);
  reload();
  return { reload };
}
