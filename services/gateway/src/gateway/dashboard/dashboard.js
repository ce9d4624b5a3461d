// The dashboard (/): the order form beside the clients grid, and the batch it sends.
import { api, once } from "./api.js";
import { followBatch } from "./batch.js";
import { clientsGrid } from "./grid.js";
import { groupPicker } from "./group_pick.js";
import { on, quoteChannel, throttled, watch } from "./live.js";
import { fetchPreview, marginLine, previewTable } from "./preview.js";
import { $, el, moneyText, setError } from "./util.js";

export const confirmLimits = () => ({
  value: Number(localStorage.getItem("confirmValue") || 1000000),
  clients: Number(localStorage.getItem("confirmClients") || 25),
});

export function render(view) {
  const state = { instrument: null, batch: null };
  // A quantity typed (not a live update) withdraws a confirmation already shown.
  const grid = clientsGrid((edited) => { if (edited) { confirmBox.hidden = true; picker.edited(); } update(); });
  const picker = groupPicker(() => (state.instrument ? terms() : null), grid, () => { confirmBox.hidden = true; update(); });
  const results = el("ul", { id: "token-results", class: "results" });
  const search = el("input", { id: "token-search", placeholder: "symbol, name or token (e.g. RELI)", autocomplete: "off" });
  const quote = el("div", { id: "instrument", class: "instrument", hidden: true });
  const select = (id, options) => el("select", { id }, ...options.map((o) => el("option", {}, o)));
  const trade = select("trade-type", ["INTRADAY", "DELIVERY", "MTF"]);
  const type = select("order-type", ["MARKET", "LIMIT", "STOPLOSS", "STOPLOSS_MARKET"]);
  const exec = select("execution-type", ["BUY", "SELL", "EXIT"]);
  const price = el("input", { id: "price", name: "price", inputMode: "decimal" });
  const trigger = el("input", { id: "trigger", name: "trigger_price", inputMode: "decimal" });
  const priceField = el("label", { id: "price-field" }, "Price ", price);
  const triggerField = el("label", { id: "trigger-field" }, "Trigger ", trigger);
  const fillN = el("input", { id: "fill-n", class: "small-input", inputMode: "numeric", placeholder: "N" });
  const csv = el("textarea", { id: "csv", rows: 3, placeholder: "paste: client code, quantity (one a line)" });
  const file = el("input", { id: "csv-file", type: "file", accept: ".csv,text/csv,text/plain" });
  const csvError = el("p", { class: "error", id: "csv-error" });
  const summary = el("div", { class: "summary", id: "summary" });
  const marginNote = el("div", { class: "summary small", id: "summary-margin" });
  const execute = el("button", { id: "execute", class: "primary", disabled: true }, "Execute all orders");
  // The confirmation sits above the grid: its preview table needs the width.
  const confirmBox = el("section", { id: "confirm", class: "card confirm", hidden: true });
  const error = el("p", { class: "error", id: "execute-error" });
  const batchBox = el("section", { class: "card", id: "batch", hidden: true });

  view.replaceChildren(
    el("div", { class: "columns" },
      el("section", { class: "card", id: "order-panel" }, el("h2", {}, "Order"),
        el("label", {}, "Instrument ", search), results, quote,
        el("div", { class: "grid" }, el("label", {}, "Trade type ", trade), el("label", {}, "Order type ", type),
          el("label", {}, "Execution ", exec), priceField, triggerField),
        picker.node,
        el("div", { class: "row" }, "Fill all with ", fillN, el("button", { id: "fill-all", onclick: () => { grid.fill(fillN.value); confirmBox.hidden = true; update(); } }, "fill")),
        el("details", {}, el("summary", {}, "Quantities from CSV (client code, quantity)"), csv,
          el("div", { class: "row" }, file, el("button", { id: "csv-apply", onclick: () => applyCsv(csv.value) }, "apply")), csvError),
        summary, marginNote, execute, error),
      el("div", { class: "stack" }, confirmBox, batchBox,
        el("section", { class: "card wide" }, el("h2", {}, "Clients ",
          el("span", { class: "muted small" }, "quantity in shares; empty or 0 skips; Tab to the next, Enter to execute")), grid.table))));

  // ---------- instrument ----------
  let searchTimer = null;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    const q = search.value.trim();
    if (!q) { results.replaceChildren(); return; }
    searchTimer = setTimeout(async () => {
      const found = await api("GET", `/tokens/search?q=${encodeURIComponent(q)}&limit=12`).catch(() => []);
      results.replaceChildren(...found.map((r) => el("li", { tabIndex: 0, dataset: { token: r.token },
        onclick: () => chooseInstrument(r), onkeydown: (e) => { if (e.key === "Enter") chooseInstrument(r); } },
        el("strong", {}, r.symbol), " ", el("span", { class: "muted" }, `${r.exchange} · ${r.token} · ${r.name || ""}`))));
    }, 200);
  });

  async function chooseInstrument(found) {
    results.replaceChildren();
    search.value = found.symbol;
    const instrument = await api("GET", `/tokens/${found.token}?exchange=${found.exchange}`);
    state.instrument = instrument;
    quote.hidden = false;
    quote.replaceChildren(
      el("div", {}, el("strong", {}, instrument.symbol), " ", el("span", { class: "muted" },
        `${instrument.exchange} · token ${instrument.token} · lot ${instrument.lot_size} · tick ${instrument.tick_size}`)),
      el("div", { class: "quote" }, el("span", { id: "inst-ltp" }), " ", el("span", { id: "inst-change" })),
      el("a", { href: `/exit/${instrument.token}`, dataset: { link: "" } }, "Holders and exit by token"));
    showQuote(instrument.quote);
    watch(quoteChannel(instrument));
    update();
  }

  function showQuote(q) {
    if (!state.instrument) return;
    state.instrument.quote = q || state.instrument.quote;
    const ltp = $("inst-ltp");
    const change = $("inst-change");
    if (!ltp) return;
    const now = state.instrument.quote;
    if (!now) { ltp.textContent = "–"; ltp.title = "no quote from the exchange yet"; change.textContent = ""; return; }
    ltp.textContent = moneyText(now.ltp);
    ltp.title = `last traded price${now.at || now.timestamp ? ` at ${now.at || now.timestamp}` : ""}`;
    const close = Number(now.close);
    const diff = close > 0 ? ((Number(now.ltp) - close) / close) * 100 : null;
    change.textContent = diff === null ? "" : `${diff >= 0 ? "+" : ""}${diff.toFixed(2)}% vs close`;
    change.className = diff > 0 ? "pos" : diff < 0 ? "neg" : "muted";
    update();
  }
  on("quotes:", (message, channel) => {
    if (state.instrument && channel === quoteChannel(state.instrument)) showQuote(message.data);
  });

  // ---------- terms and summary ----------
  function syncFields() {
    priceField.hidden = !["LIMIT", "STOPLOSS"].includes(type.value);
    triggerField.hidden = !["STOPLOSS", "STOPLOSS_MARKET"].includes(type.value);
    grid.exitMode(exec.value === "EXIT");
    confirmBox.hidden = true; // the terms changed: confirm again
    update();
    picker.refill(); // a group's quantities follow the terms (price, lots)
  }
  [trade, type, exec, price, trigger].forEach((node) => node.addEventListener("input", syncFields));

  function totals() {
    const orders = grid.chosen();
    const shares = orders.reduce((sum, o) => sum + (Number(o.quantity) || 0), 0);
    const lot = Number(state.instrument?.lot_size) || 1;
    const each = Number(price.value) || Number(state.instrument?.quote?.ltp) || 0;
    return { orders, shares, lots: shares / lot, value: shares * each, priced: each > 0 };
  }

  function update() {
    const t = totals();
    const exit = exec.value === "EXIT";
    summary.textContent = !t.orders.length ? "no quantities yet"
      : exit ? `${t.orders.length} clients: each exits its whole position`
      : `${t.orders.length} clients · ${t.shares} shares · ${Number.isInteger(t.lots) ? t.lots : t.lots.toFixed(2)} lots · `
        + (t.priced ? `about ₹${moneyText(t.value)}` : "value –: no price yet");
    execute.disabled = !state.instrument || (t.orders.length === 0 && !picker.order());
    previewSoon();
  }

  // The margin line: a preview of the batch as it stands, asked again once the batch has
  // stayed the same for 600 ms (a quote tick alone does not ask).
  let previewTimer = null;
  let previewAsked = 0;
  let previewed = "";
  function previewSoon() {
    const key = execute.disabled ? "" : JSON.stringify(requestBody());
    if (key === previewed) return;
    previewed = key;
    clearTimeout(previewTimer);
    if (!key) { marginNote.textContent = ""; return; }
    marginNote.textContent = "margin: asking pre-trade risk…";
    previewTimer = setTimeout(async () => {
      const asked = ++previewAsked;
      const line = await fetchPreview(requestBody()).then(marginLine, (e) => `margin –: ${e.message}`);
      if (asked === previewAsked) marginNote.textContent = line; // an older answer is stale
    }, 600);
  }

  // ---------- CSV quantities ----------
  file.addEventListener("change", async () => { if (file.files[0]) { csv.value = await file.files[0].text(); applyCsv(csv.value); } });
  function applyCsv(text) {
    const unknown = grid.applyCsv(text);
    csvError.textContent = unknown.length ? `unknown client codes: ${unknown.join(", ")}` : "";
    confirmBox.hidden = true;
    update();
  }

  // ---------- execute, with a confirmation step above the limits ----------
  grid.onEnter(() => { if (!execute.disabled) execute.click(); });
  execute.addEventListener("click", () => {
    const t = totals();
    const limits = confirmLimits();
    if (t.value > limits.value || t.orders.length > limits.clients) { confirm(t); return; }
    send();
  });

  // The confirmation shows the preview's rows (risk's denials highlighted) before sending.
  async function confirm(t, why = null) {
    const body = requestBody();
    confirmBox.hidden = false;
    confirmBox.replaceChildren(el("p", {}, "checking each client with pre-trade risk…"));
    let answer = null;
    let failure = null;
    try { answer = await fetchPreview(body); } catch (e) { failure = e; }
    if (JSON.stringify(body) !== JSON.stringify(requestBody())) return; // edited meanwhile: withdrawn
    const head = `Confirm: ${exec.value} ${state.instrument.symbol} for ${t.orders.length} clients, ${t.shares} shares, about ₹${moneyText(t.value)}.`;
    if (failure?.status === 422) { // sending would fail the same way: show it, mark the fields
      confirmBox.replaceChildren(el("p", {}, head), el("p", { class: "error" }, failure.message),
        el("button", { class: "link", onclick: () => { confirmBox.hidden = true; } }, "back"));
      markFields(failure.fields || [], grid.chosen());
      return;
    }
    const denied = answer ? answer.rows.filter((r) => !r.skipped && r.risk && !r.risk.approved).length : 0;
    confirmBox.replaceChildren(
      why ? el("p", { class: "error", id: "confirm-why" }, why) : "",
      el("p", {}, head, answer ? ` ${marginLine(answer)}.` : ""),
      answer ? previewTable(answer, grid.names()) : el("p", { class: "error" }, `no preview: ${failure.message}; risk still checks every order`),
      denied ? el("p", { class: "error" }, `${denied} highlighted orders would be DENIED as things stand.`) : "",
      el("button", { id: "confirm-send", class: "primary", onclick: () => send(answer?.preview_id, t) }, "Confirm and send"),
      el("button", { class: "link", onclick: () => { confirmBox.hidden = true; } }, "back"));
    confirmBox.scrollIntoView({ block: "nearest" });
  }

  function terms() {
    const body = {
      token_id: state.instrument.token, exchange: state.instrument.exchange,
      execution_type: exec.value, order_type: type.value, trade_type: trade.value,
    };
    if (!priceField.hidden) body.price = price.value || null;
    if (!triggerField.hidden) body.trigger_price = trigger.value || null;
    return body;
  }

  // The batch as it stands: the group order while the grid is the group rule's, else
  // the quantities typed (an EXIT sends none: each client exits its whole position).
  function requestBody() {
    const group = picker.order();
    if (group) return { ...terms(), ...group };
    const exit = exec.value === "EXIT";
    return { ...terms(), client_orders: grid.chosen().map((o) => ({ client_id: o.client_id, ...(exit ? {} : { quantity: o.quantity }) })) };
  }

  async function send(previewId, shown) {
    confirmBox.hidden = true;
    const orders = grid.chosen();
    const body = requestBody();
    if (previewId) body.preview_id = previewId; // placed exactly as previewed, or 409
    execute.disabled = true;
    setError(error, null);
    markFields([], orders);
    try {
      const answer = await once("/orders/execute-all", body);
      grid.clear();
      picker.sent();
      state.batch = followBatch(batchBox, answer.batch_id, grid.names());
      batchBox.scrollIntoView({ block: "nearest" });
    } catch (failure) {
      if (failure.status === 409 && previewId) { confirm(shown, `Not sent: ${failure.message}. The preview below is fresh.`); return; }
      setError(error, failure);
      markFields(failure.fields || [], orders);
    } finally { update(); }
  }

  // A 422 names fields: the price and trigger inputs, or a client's quantity.
  function markFields(fields, orders) {
    price.classList.toggle("bad", fields.some((f) => f.field === "price"));
    trigger.classList.toggle("bad", fields.some((f) => f.field === "trigger_price"));
    const badClients = fields.filter((f) => f.loc[1] === "client_orders" && orders[f.loc[2]]).map((f) => orders[f.loc[2]].client_id);
    grid.markBad(badClients);
  }

  syncFields();
  const reloadClients = throttled(() => grid.load(), 500);
  on("portfolio:", reloadClients);
  grid.load();
  return { reload: () => { grid.load(); picker.load(); state.batch?.reload(); if (state.instrument) chooseInstrument(state.instrument); } };
}
