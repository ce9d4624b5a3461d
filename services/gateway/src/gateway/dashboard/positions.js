// Positions (/positions): the net position per token across clients, each linking to its
// exit page.
import { api } from "./api.js";
import { on, throttled, watch } from "./live.js";
import { el, link, money, pnl, setError } from "./util.js";

export function render(view) {
  const body = el("tbody");
  const error = el("p", { class: "error" });
  view.replaceChildren(el("section", { class: "card" }, el("h2", {}, "Open positions by instrument"), error,
    el("table", { id: "net-positions" }, el("thead", {}, el("tr", {}, ...["Instrument", "Exchange", "Type", "Holders", "Net qty", "Value", "Unrealized P&L", "Total P&L", ""]
      .map((h, i) => el("th", { class: i > 2 && i < 8 ? "num" : "" }, h)))), body)));

  async function load() {
    let trades;
    try { trades = await api("GET", "/trades?status=ACTIVE&limit=1000"); } catch (failure) { setError(error, failure); return; }
    setError(error, trades.length === 1000 ? new Error("the first 1,000 open positions only") : null);
    const groups = new Map();
    for (const t of trades) {
      const key = `${t.token}|${t.exchange}|${t.trade_type}`;
      const g = groups.get(key) || { token: t.token, exchange: t.exchange, symbol: t.symbol, trade_type: t.trade_type,
        holders: new Set(), qty: 0, value: 0, unrealized: 0, total: 0, unpriced: 0 };
      g.holders.add(t.client_id);
      g.qty += t.net_quantity;
      g.value += Number(t.market_value);
      g.unrealized += Number(t.unrealized_pnl);
      g.total += Number(t.total_pnl);
      if (t.last_price === null) g.unpriced += 1;
      groups.set(key, g);
    }
    const sorted = [...groups.values()].sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
    body.replaceChildren(...sorted.map((g) => el("tr", { dataset: { token: g.token } },
      el("td", {}, el("strong", {}, g.symbol), " ", el("span", { class: "muted" }, g.token)),
      el("td", {}, g.exchange), el("td", {}, g.trade_type), el("td", { class: "num" }, g.holders.size),
      el("td", { class: "num" }, g.qty), el("td", { class: "num" }, money(g.value)),
      el("td", { class: "num" }, g.unpriced ? pnl(null, "no quote for this token yet: P&L needs a price") : pnl(g.unrealized)),
      el("td", { class: "num" }, g.unpriced ? pnl(null, "no quote for this token yet: P&L needs a price") : pnl(g.total)),
      el("td", {}, link(`/exit/${g.token}`, "exit…")))));
    if (!sorted.length) body.replaceChildren(el("tr", {}, el("td", { colSpan: 9, class: "muted" }, "no open positions")));
  }
  on("portfolio:", throttled(load, 1000));
  api("GET", "/clients").then((all) => all.forEach((c) => watch(`portfolio:${c.client_id}`))).catch(() => {});
  load();
  return { reload: load };
}
