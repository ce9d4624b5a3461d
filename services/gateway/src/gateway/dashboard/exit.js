// Exit by token (/exit/{token}): every holder with quantity, average price, LTP and P&L,
// all ticked by default; the exit is confirmed, then followed live to its end.
import { api, once } from "./api.js";
import { followBatch } from "./batch.js";
import { on, quoteChannel, throttled, watch } from "./live.js";
import { el, link, money, moneyText, pnl, setError } from "./util.js";

export function render(view, { token }) {
  const title = el("h2", {}, `Holders of token ${token}`);
  const all = el("input", { type: "checkbox", id: "holders-all", checked: true, title: "all or none" });
  const body = el("tbody");
  const foot = el("tfoot");
  const exitButton = el("button", { id: "exit-holders", class: "danger" }, "Exit selected positions");
  const confirmBox = el("div", { id: "exit-confirm", class: "confirm", hidden: true });
  const error = el("p", { class: "error", id: "holders-error" });
  const batchBox = el("section", { class: "card", id: "batch", hidden: true });
  let holders = [];
  let symbol = `token ${token}`;
  let batch = null;
  let quotes = null; // quotes:EXCHANGE:token, once the instrument says its exchange
  view.replaceChildren(
    el("section", { class: "card", id: "holders" }, title,
      el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, all), el("th", {}, "Client"), el("th", {}, "Type"),
        el("th", { class: "num" }, "Quantity"), el("th", { class: "num" }, "Avg price"), el("th", { class: "num" }, "LTP"),
        el("th", { class: "num" }, "Value"), el("th", { class: "num" }, "Unrealized P&L"))), body, foot),
      exitButton, confirmBox, error),
    batchBox);

  async function load() {
    const [instrument, found] = await Promise.all([
      api("GET", `/tokens/${token}`).catch(() => null),
      api("GET", `/tokens/${token}/holders`).catch((e) => { setError(error, e); return null; }),
    ]);
    if (instrument) symbol = instrument.symbol;
    if (instrument && !quotes) { quotes = quoteChannel(instrument); watch(quotes); }
    if (instrument) title.textContent = `Holders of ${instrument.symbol} (${instrument.exchange} · token ${token})`;
    if (!found) return;
    const ticked = new Set(holders.length ? [...body.querySelectorAll("input:checked")].map((b) => b.dataset.trade) : found.holders.map((h) => h.trade_id));
    holders = found.holders;
    body.replaceChildren(...holders.map((h) => el("tr", { dataset: { client: h.client_id } },
      el("td", {}, el("input", { type: "checkbox", checked: ticked.has(h.trade_id), dataset: { client: h.client_id, trade: h.trade_id } })),
      el("td", {}, link(`/clients/${encodeURIComponent(h.client_id)}`, h.client_name || h.client_id)),
      el("td", {}, h.trade_type), el("td", { class: "num qty" }, h.quantity),
      el("td", { class: "num" }, money(h.average_price)),
      el("td", { class: "num ltp" }, money(h.last_price, "no quote for this token yet")),
      el("td", { class: "num" }, money(h.value)),
      el("td", { class: "num" }, pnl(h.last_price === null ? null : h.unrealized_pnl, "no quote for this token yet: P&L needs a price")))));
    foot.replaceChildren(el("tr", { class: "totals" }, el("td"), el("td", {}, `${holders.length} holders`), el("td"),
      el("td", { class: "num" }, found.total_quantity), el("td"), el("td"), el("td", { class: "num" }, money(found.total_value)),
      el("td", { class: "num" }, pnl(found.total_pnl))));
    if (!holders.length) body.replaceChildren(el("tr", {}, el("td", { colSpan: 8, class: "muted" }, "no client holds this token")));
    exitButton.disabled = !holders.length;
    holders.forEach((h) => watch(`portfolio:${h.client_id}`));
  }

  all.addEventListener("change", () => body.querySelectorAll("input[type=checkbox]").forEach((b) => { b.checked = all.checked; }));
  exitButton.addEventListener("click", () => {
    const picked = [...body.querySelectorAll("input:checked")];
    setError(error, picked.length ? null : new Error("tick at least one holder"));
    if (!picked.length) return;
    const shares = picked.reduce((t, b) => t + Math.abs(Number(holders.find((h) => h.trade_id === b.dataset.trade)?.quantity || 0)), 0);
    confirmBox.hidden = false;
    confirmBox.replaceChildren(
      el("p", {}, `Exit ${shares} shares of ${symbol} for ${new Set(picked.map((b) => b.dataset.client)).size} clients at MARKET?`),
      el("button", { id: "exit-confirm-send", class: "danger", onclick: () => send(picked) }, "Confirm exit"),
      el("button", { class: "link", onclick: () => { confirmBox.hidden = true; } }, "back"));
  });

  async function send(picked) {
    confirmBox.hidden = true;
    const clientIds = [...new Set(picked.map((b) => b.dataset.client))];
    try {
      const answer = await once(`/trades/exit-by-token/${token}`, { client_ids: clientIds });
      const names = Object.fromEntries(holders.map((h) => [h.client_id, h.client_name || h.client_id]));
      batch = followBatch(batchBox, answer.batch_id, names);
    } catch (failure) { setError(error, failure); }
  }

  const soon = throttled(load, 500);
  on("quotes:", (m, channel) => {
    if (channel !== quotes) return;
    body.querySelectorAll("td.ltp").forEach((td) => { td.textContent = moneyText(m.data?.ltp); });
    soon();
  });
  on("portfolio:", soon);
  load();
  return { reload: () => { load(); batch?.reload(); } };
}
