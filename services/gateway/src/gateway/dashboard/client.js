// Client detail (/clients/{id}): funds and margins, open and closed positions with exit,
// working orders with modify and cancel, today's orders and fills, the broker session
// with re-login and OTP entry (admins).
import { api, once } from "./api.js";
import { followBatch } from "./batch.js";
import { on, throttled, watch } from "./live.js";
import { cancelButton, modifyButton } from "./orders_actions.js";
import { count, el, head, money, pnl, setError, statusCell, time, TODAY_PNL, todayPnl, WORKING } from "./util.js";

const NO_MARGINS = "no margin report read from the broker yet";

export function render(view, { clientId }, me) {
  const title = el("h2", {}, clientId);
  const error = el("p", { class: "error", id: "client-error" });
  const session = el("div", { id: "session" });
  const funds = el("dl", { class: "funds", id: "funds" });
  const open = el("tbody");
  const closed = el("tbody");
  const working = el("tbody");
  const today = el("tbody");
  const fills = el("tbody");
  const batchBox = el("section", { class: "card", id: "batch", hidden: true });
  const table = (id, headers, body) => el("table", { id }, head(headers), body);
  const positionHeaders = ["Instrument", "Type", "Net qty", "Avg price", "LTP", "Realized", "Unrealized", "Total", ""];
  const orderHeaders = ["Time", "Instrument", "Side", "Type", "Qty", "Price", "Filled", "Avg price", "Status", "Reason", ""];
  let batch = null;
  view.replaceChildren(
    el("section", { class: "card" }, title, error, el("div", { class: "columns" }, session, funds)),
    el("section", { class: "card" }, el("h3", {}, "Open positions"), table("open-positions", positionHeaders, open),
      el("h3", {}, "Working orders"), table("working-orders", orderHeaders, working)),
    batchBox,
    el("section", { class: "card" }, el("h3", {}, "Today's orders"), table("today-orders", orderHeaders, today),
      el("h3", {}, "Fills"), table("fills", ["Time", "Instrument", "Side", "Qty", "Price", "Order"], fills),
      el("h3", {}, "Closed positions"), table("closed-positions", positionHeaders, closed)));

  async function load() {
    let client, book;
    try {
      [client, book] = await Promise.all([api("GET", `/clients/${encodeURIComponent(clientId)}`),
        api("GET", `/clients/${encodeURIComponent(clientId)}/portfolio`)]);
    } catch (failure) { setError(error, failure); return; }
    setError(error, book.notes?.length ? new Error(book.notes.join("; ")) : null);
    title.replaceChildren(client.name, " ", el("span", { class: "muted" }, client.motilal_client_id), client.active ? "" : el("span", { class: "badge engaged" }, "disabled"));
    showSession(client.session);
    const f = book.funds;
    const pair = (label, node) => [el("dt", {}, label), el("dd", {}, node)];
    funds.replaceChildren(
      ...pair("Available margin", money(f.margin_available, NO_MARGINS)), ...pair("Margin used", money(f.margin_used, NO_MARGINS)),
      ...pair("Cash", money(f.available_cash, NO_MARGINS)), ...pair("Collateral", money(f.collateral, NO_MARGINS)),
      ...todayPair(f),
      ...pair("Realized P&L (all days)", pnl(f.realized_pnl)), ...pair("Unrealized P&L", pnl(f.unrealized_pnl)),
      ...pair("Total P&L", pnl(f.total_pnl)), ...pair("Open positions", count(f.open_positions)),
      ...pair("Margins read", f.margins_taken_at ? time(f.margins_taken_at) : el("span", { class: "missing", title: NO_MARGINS }, "–")));
    const positionRow = (t) => el("tr", { dataset: { trade: t.trade_id, token: t.token } },
      el("td", {}, el("strong", {}, t.symbol), " ", el("span", { class: "muted" }, `${t.exchange} ${t.token}`)), el("td", {}, t.trade_type),
      el("td", { class: "num" }, t.net_quantity), el("td", { class: "num" }, money(t.average_price)),
      el("td", { class: "num" }, money(t.last_price, "no quote for this token yet")),
      el("td", { class: "num" }, pnl(t.realized_pnl)), el("td", { class: "num" }, pnl(t.last_price === null && t.status === "ACTIVE" ? null : t.unrealized_pnl, "no quote yet: P&L needs a price")),
      el("td", { class: "num" }, pnl(t.total_pnl)),
      el("td", {}, t.status === "ACTIVE" ? el("button", { class: "link exit", onclick: (e) => confirmExit(e.target, t) }, "exit") : ""));
    open.replaceChildren(...book.positions.filter((t) => t.status === "ACTIVE").map(positionRow));
    closed.replaceChildren(...book.positions.filter((t) => t.status === "CLOSED").map(positionRow));
    const orderRow = (o) => el("tr", { dataset: { order: o.order_id, status: o.status } },
      el("td", { class: "small" }, time(o.created_at)), el("td", {}, o.symbol || o.token_id), el("td", {}, o.side || o.execution_type),
      el("td", {}, o.order_type), el("td", { class: "num" }, o.quantity ?? ""), el("td", { class: "num" }, o.price ? money(o.price) : ""),
      el("td", { class: "num" }, o.filled_quantity ?? ""), el("td", { class: "num" }, money(o.average_price, "no fill yet")),
      el("td", {}, statusCell(o.status)), el("td", { class: "muted" }, o.reason || ""),
      el("td", {}, cancelButton(o, load), " ", modifyButton(o, load)));
    const midnight = new Date(); midnight.setHours(0, 0, 0, 0);
    working.replaceChildren(...book.recent_orders.filter((o) => WORKING.includes(o.status)).map(orderRow));
    today.replaceChildren(...book.recent_orders.filter((o) => new Date(o.created_at) >= midnight).map(orderRow));
    fills.replaceChildren(...book.recent_fills.map((x) => el("tr", {}, el("td", { class: "small" }, time(x.traded_at)),
      el("td", {}, x.symbol || x.token), el("td", {}, x.side || ""), el("td", { class: "num" }, x.quantity ?? ""),
      el("td", { class: "num" }, money(x.price)), el("td", { class: "small muted" }, (x.order_id || "").slice(0, 8)))));
  }

  // Today's P&L first: what a desk watches; its parts follow, with the trading date.
  function todayPair(f) {
    const today = todayPnl(f);
    const day = f.trading_date ? ` (${f.trading_date})` : "";
    return [el("dt", { title: TODAY_PNL }, "Today's P&L"), el("dd", { id: "today-pnl" }, pnl(today.value, today.why)),
      el("dt", {}, `Realized today${day}`), el("dd", { id: "realized-today" }, pnl(f.realized_pnl_today, "the portfolio service did not send today's realized P&L"))];
  }

  function showSession(s) {
    const parts = [el("h3", {}, "Broker session"),
      s ? el("p", {}, el("span", { class: `session ${s.state}` }, s.state), s.reason ? ` ${s.reason}` : "", s.expires_at ? el("span", { class: "muted small" }, ` until ${time(s.expires_at)}`) : "")
        : el("p", {}, el("span", { class: "missing", title: "the broker-adapter has not reported a session yet" }, "–"))];
    if (me?.role === "admin") {
      const otp = el("input", { name: "otp", class: "small-input", placeholder: "OTP", inputMode: "numeric", maxLength: 6 });
      const note = el("span", { class: "error" });
      const call = (path, body) => async () => {
        note.textContent = "";
        otp.classList.remove("bad");
        try { showSession(await api("POST", path, body)); } catch (e) { note.textContent = e.message; if (e.fields?.some((f) => f.field === "otp")) otp.classList.add("bad"); }
      };
      parts.push(el("div", { class: "row" },
        el("button", { id: "relogin", onclick: call(`/clients/${encodeURIComponent(clientId)}/login`) }, "Log in again"),
        otp, el("button", { id: "send-otp", onclick: () => call(`/clients/${encodeURIComponent(clientId)}/otp`, { otp: otp.value.trim() })() }, "Send OTP"), note));
    }
    session.replaceChildren(...parts);
  }

  function confirmExit(button, t) {
    const cell = button.parentElement;
    cell.replaceChildren(el("button", { class: "danger exit-confirm", onclick: async () => {
      try { batch = followBatch(batchBox, (await once(`/trades/${t.trade_id}/exit`)).batch_id); } catch (e) { setError(error, e); }
    } }, `exit ${t.net_quantity}?`), el("button", { class: "link", onclick: load }, "no"));
  }

  const soon = throttled(load, 400);
  watch(`portfolio:${clientId}`, `orders:${clientId}`);
  on(`portfolio:${clientId}`, soon);
  on(`orders:${clientId}`, soon);
  load();
  return { reload: () => { load(); batch?.reload(); } };
}
