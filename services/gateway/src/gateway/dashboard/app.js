// The operator's dashboard: plain DOM over the public API and /ws. Every value shown is
// written with textContent, so nothing a client name or broker message holds runs as markup.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { tokens: null, instrument: null, clients: [], batch: null, socket: null,
  channels: new Set(), detailClient: null };

// ---------- small DOM helpers ----------
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}
const money = (v) => (v === null || v === undefined || v === "" ? "–"
  : Number(v).toLocaleString("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const signed = (v) => el("span", { class: Number(v) > 0 ? "pos" : Number(v) < 0 ? "neg" : "" }, money(v));
// List endpoints answer either a bare list or {<name>: [...]}; take the list either way.
const listOf = (data, name) => (Array.isArray(data) ? data : data?.[name] || data?.items || []);
const statusCell = (s) => el("span", { class: `status ${s}` }, s);

// ---------- API with token refresh ----------
async function api(method, path, body, extraHeaders = {}) {
  const send = () => fetch(`/api/v1${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...(state.tokens ? { Authorization: `Bearer ${state.tokens.access_token}` } : {}), ...extraHeaders },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let response = await send();
  if (response.status === 401 && state.tokens && await refresh()) response = await send();
  if (response.status === 401) { signOut(); throw new Error("signed out"); }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw Object.assign(new Error(describe(data) || response.statusText), { status: response.status, data });
  return data;
}

function describe(data) {
  if (!data) return "";
  if (typeof data.detail === "string") return data.detail;
  if (Array.isArray(data.detail)) return data.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("\n");
  return JSON.stringify(data);
}

async function refresh() {
  const response = await fetch("/api/v1/auth/refresh", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: state.tokens.refresh_token }) });
  if (!response.ok) return false;
  saveTokens(await response.json());
  return true;
}

function saveTokens(tokens) { state.tokens = tokens; sessionStorage.setItem("tokens", JSON.stringify(tokens)); }
function signOut() {
  sessionStorage.removeItem("tokens"); state.tokens = null;
  if (state.socket) state.socket.close();
  $("app").hidden = true; $("login").hidden = false;
}

// ---------- live updates over /ws ----------
function connectSocket() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(state.tokens.access_token)}`);
  state.socket = socket;
  socket.onopen = () => { if (state.channels.size) socket.send(JSON.stringify({ action: "subscribe", channels: [...state.channels] })); };
  socket.onmessage = (event) => onLive(JSON.parse(event.data));
  socket.onclose = () => { if (state.tokens) setTimeout(connectSocket, 2000); };
}
function watch(...channels) {
  const fresh = channels.filter((c) => !state.channels.has(c));
  fresh.forEach((c) => state.channels.add(c));
  if (fresh.length && state.socket?.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify({ action: "subscribe", channels: fresh }));
}
function onLive(message) {
  const channel = message.channel || "";
  if (channel.startsWith("quotes:") && state.instrument && channel === `quotes:${state.instrument.token}`) showQuote(message.data);
  else if (channel.startsWith("batch:") || channel.startsWith("orders:")) refreshBatchSoon();
  else if (channel.startsWith("portfolio:")) refreshClientsSoon();
}
let batchTimer = null, clientsTimer = null;
function refreshBatchSoon() { if (!batchTimer) batchTimer = setTimeout(() => { batchTimer = null; loadBatch(); }, 150); }
function refreshClientsSoon() { if (!clientsTimer) clientsTimer = setTimeout(() => { clientsTimer = null; loadClients(); if (state.detailClient) showClient(state.detailClient); }, 500); }

// ---------- instruments ----------
let searchTimer = null;
$("token-search").addEventListener("input", (event) => {
  clearTimeout(searchTimer);
  const q = event.target.value.trim();
  if (!q) { $("token-results").replaceChildren(); return; }
  searchTimer = setTimeout(async () => {
    const results = await api("GET", `/tokens/search?q=${encodeURIComponent(q)}&limit=12`).catch(() => []);
    $("token-results").replaceChildren(...results.map((r) => el("li", { onclick: () => selectInstrument(r) },
      el("strong", {}, r.symbol), " ", el("span", { class: "muted" }, `${r.exchange} · ${r.token} · ${r.name || ""}`))));
  }, 200);
});

async function selectInstrument(result) {
  $("token-results").replaceChildren();
  $("token-search").value = result.symbol;
  const instrument = await api("GET", `/tokens/${result.token}?exchange=${result.exchange}`);
  state.instrument = instrument;
  $("instrument").hidden = false;
  $("inst-symbol").textContent = instrument.symbol;
  $("inst-exchange").textContent = instrument.exchange;
  $("inst-token").textContent = instrument.token;
  $("inst-lot").textContent = instrument.lot_size;
  $("inst-tick").textContent = instrument.tick_size;
  showQuote(instrument.quote);
  watch(`quotes:${instrument.token}`);
  updateSummary();
}

function showQuote(quote) {
  if (!quote) { $("inst-ltp").textContent = "no quote yet"; $("inst-change").textContent = ""; return; }
  $("inst-ltp").textContent = money(quote.ltp);
  const close = Number(quote.close);
  $("inst-change").textContent = close > 0 ? `${(((quote.ltp - close) / close) * 100).toFixed(2)}% vs close` : "";
  if (state.instrument) state.instrument.quote = quote;
  updateSummary();
}

// ---------- order form ----------
function syncPriceFields() {
  const type = $("order-type").value;
  $("price-field").hidden = !["LIMIT", "STOPLOSS"].includes(type);
  $("trigger-field").hidden = !["STOPLOSS", "STOPLOSS_MARKET"].includes(type);
  const exit = $("execution-type").value === "EXIT";
  document.querySelectorAll("input.qty").forEach((input) => { input.disabled = false; input.placeholder = exit ? "exit: 1 = yes" : "0"; });
  updateSummary();
}
["order-type", "execution-type", "trade-type", "price", "trigger"].forEach((id) => $(id).addEventListener("input", syncPriceFields));

function chosenOrders() {
  return [...document.querySelectorAll("input.qty")].map((input) => ({ client_id: input.dataset.client, quantity: Number(input.value || 0) }))
    .filter((o) => o.quantity > 0);
}

function updateSummary() {
  const orders = chosenOrders();
  const shares = orders.reduce((sum, o) => sum + o.quantity, 0);
  const price = Number($("price").value) || Number(state.instrument?.quote?.ltp) || 0;
  const exit = $("execution-type").value === "EXIT";
  $("summary").textContent = exit ? `${orders.length} clients: each exits its whole position`
    : `${orders.length} clients · ${shares} shares · about ₹${money(shares * price)}`;
  $("execute").disabled = !state.instrument || orders.length === 0;
}

$("execute").addEventListener("click", async () => {
  const exit = $("execution-type").value === "EXIT";
  const body = {
    token_id: state.instrument.token, exchange: state.instrument.exchange,
    execution_type: $("execution-type").value, order_type: $("order-type").value, trade_type: $("trade-type").value,
    client_orders: [...document.querySelectorAll("input.qty")].map((input) => ({ client_id: input.dataset.client,
      quantity: exit ? (Number(input.value || 0) > 0 ? null : 0) : Number(input.value || 0) })),
  };
  if (!$("price-field").hidden) body.price = $("price").value || null;
  if (!$("trigger-field").hidden) body.trigger_price = $("trigger").value || null;
  $("execute").disabled = true;
  $("execute-error").textContent = "";
  markBadRows([]);
  try {
    const answer = await api("POST", "/orders/execute-all", body, { "Idempotency-Key": crypto.randomUUID() });
    document.querySelectorAll("input.qty").forEach((input) => { input.value = ""; });
    startBatch(answer.batch_id);
  } catch (error) {
    $("execute-error").textContent = error.message;
    markBadRows(error.data?.detail || []);
  } finally { updateSummary(); }
});

function markBadRows(details) {
  const bad = new Set(Array.isArray(details) ? details.filter((d) => d.loc?.[1] === "client_orders").map((d) => d.loc[2]) : []);
  document.querySelectorAll("#clients tbody tr").forEach((row, index) => row.classList.toggle("bad", bad.has(index)));
}

// ---------- batches ----------
function startBatch(batchId) {
  state.batch = batchId;
  $("batch").hidden = false;
  $("batch-id").textContent = batchId;
  watch(`batch:${batchId}`);
  loadBatch();
}

async function loadBatch() {
  if (!state.batch) return;
  const batch = await api("GET", `/batches/${state.batch}`).catch(() => null);
  if (!batch) { setTimeout(loadBatch, 500); return; }
  const names = Object.fromEntries(state.clients.map((c) => [c.client_id, c.name]));
  $("batch-counts").textContent = Object.entries(batch.counts || {}).map(([s, n]) => `${s} ${n}`).join(" · ");
  $("batch").querySelector("tbody").replaceChildren(...(batch.orders || []).map((o) => el("tr", {},
    el("td", {}, names[o.client_id] || o.client_id), el("td", {}, statusCell(o.status)),
    el("td", { class: "num" }, o.filled_quantity ?? ""), el("td", { class: "num" }, money(o.average_price)),
    el("td", { class: "muted" }, o.reason || ""),
    el("td", {}, ["ACCEPTED", "PARTIALLY_FILLED", "SUBMITTED"].includes(o.status)
      ? el("button", { class: "link", onclick: () => cancelOrder(o.order_id) }, "cancel") : ""))));
}

async function cancelOrder(orderId) {
  await api("POST", `/orders/${orderId}/cancel`).catch((error) => alert(error.message));
  refreshBatchSoon();
}

// ---------- clients ----------
async function loadClients() {
  const clients = await api("GET", "/clients");
  const typed = Object.fromEntries([...document.querySelectorAll("input.qty")].map((i) => [i.dataset.client, i.value]));
  state.clients = clients;
  $("clients").querySelector("tbody").replaceChildren(...clients.filter((c) => c.active).map((c) => {
    const funds = c.funds || {};
    const qty = el("input", { class: "qty", inputMode: "numeric", value: typed[c.client_id] || "", oninput: updateSummary });
    qty.dataset.client = c.client_id;
    const session = c.session ? `${c.session.state}${c.session.reason ? `: ${c.session.reason}` : ""}` : "–";
    return el("tr", {},
      el("td", {}, el("strong", {}, c.name), " ", el("span", { class: "muted" }, c.motilal_client_id)),
      el("td", { class: "muted small" }, session),
      el("td", { class: "num" }, money(funds.margin_available ?? c.margin_available)),
      el("td", { class: "num" }, money(funds.margin_used ?? c.margin_used)),
      el("td", { class: "num" }, signed(funds.total_pnl ?? c.total_pnl)),
      el("td", { class: "num" }, qty),
      el("td", {}, el("button", { class: "link", onclick: () => showClient(c) }, "details")));
  }));
  clients.forEach((c) => watch(`portfolio:${c.client_id}`));
  updateSummary();
}

async function showClient(client) {
  state.detailClient = client;
  $("client-detail").hidden = false;
  $("detail-name").textContent = `${client.name} (${client.motilal_client_id})`;
  const [trades, orders] = await Promise.all([
    api("GET", `/trades?client_id=${encodeURIComponent(client.client_id)}`).catch(() => []),
    api("GET", `/orders?client_id=${encodeURIComponent(client.client_id)}&limit=20`).catch(() => []),
  ]);
  $("positions").querySelector("tbody").replaceChildren(...listOf(trades, "trades").map((t) => el("tr", {},
    el("td", {}, t.symbol || t.token), el("td", {}, t.trade_type), el("td", { class: "num" }, t.net_quantity),
    el("td", { class: "num" }, money(t.average_price)), el("td", { class: "num" }, signed(t.realized_pnl)),
    el("td", { class: "num" }, signed(t.unrealized_pnl)), el("td", {}, t.status),
    el("td", {}, t.status === "ACTIVE" ? el("button", { class: "link", onclick: () => exitTrade(t) }, "exit") : ""))));
  $("recent-orders").querySelector("tbody").replaceChildren(...listOf(orders, "orders").map((o) => el("tr", {},
    el("td", { class: "muted small" }, (o.created_at || "").replace("T", " ").slice(0, 19)),
    el("td", {}, o.symbol || o.token_id || o.instrument?.symbol || ""), el("td", {}, o.side || ""),
    el("td", { class: "num" }, o.quantity ?? ""), el("td", {}, statusCell(o.status)),
    el("td", { class: "muted" }, o.reason || ""),
    el("td", {}, ["ACCEPTED", "PARTIALLY_FILLED"].includes(o.status) ? el("button", { class: "link", onclick: () => cancelOrder(o.order_id) }, "cancel") : ""))));
}
$("close-detail").addEventListener("click", () => { $("client-detail").hidden = true; state.detailClient = null; });

async function exitTrade(trade) {
  if (!confirm(`Exit ${trade.net_quantity} of ${trade.symbol || trade.token} (${trade.trade_type})?`)) return;
  try {
    const answer = await api("POST", `/trades/${trade.position_id || trade.id}/exit`, undefined, { "Idempotency-Key": crypto.randomUUID() });
    startBatch(answer.batch_id);
  } catch (error) { alert(error.message); }
}

// ---------- holders and exit by token ----------
$("show-holders").addEventListener("click", async () => {
  const token = state.instrument.token;
  $("holders").hidden = false;
  $("holders-symbol").textContent = state.instrument.symbol;
  const holders = await api("GET", `/tokens/${token}/holders`).catch(() => []);
  $("holders").querySelector("tbody").replaceChildren(...listOf(holders, "holders").map((h) => {
    const box = el("input", { type: "checkbox", checked: true });
    box.dataset.client = h.client_id;
    return el("tr", {}, el("td", {}, box), el("td", {}, h.client_name || h.client_id),
      el("td", { class: "num" }, h.net_quantity ?? h.quantity), el("td", { class: "num" }, money(h.average_price)),
      el("td", { class: "num" }, signed(h.unrealized_pnl ?? h.pnl)));
  }));
});
$("holders-all").addEventListener("change", (event) => document.querySelectorAll("#holders tbody input").forEach((b) => { b.checked = event.target.checked; }));
$("close-holders").addEventListener("click", () => { $("holders").hidden = true; });
$("exit-holders").addEventListener("click", async () => {
  const clientIds = [...document.querySelectorAll("#holders tbody input:checked")].map((b) => b.dataset.client);
  if (!clientIds.length || !confirm(`Exit ${state.instrument.symbol} for ${clientIds.length} clients?`)) return;
  try {
    const answer = await api("POST", `/trades/exit-by-token/${state.instrument.token}`, { client_ids: clientIds }, { "Idempotency-Key": crypto.randomUUID() });
    $("holders").hidden = true;
    startBatch(answer.batch_id);
  } catch (error) { $("holders-error").textContent = error.message; }
});

// ---------- kill switch badge ----------
async function loadKillSwitch() {
  const ks = await api("GET", "/admin/kill-switch").catch(() => null);
  const badge = $("kill-switch");
  const engaged = ks && (ks.global?.engaged || ks.engaged);
  badge.textContent = ks ? (engaged ? "KILL SWITCH ENGAGED" : "trading open") : "";
  badge.classList.toggle("engaged", Boolean(engaged));
}

// ---------- start ----------
$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const response = await fetch("/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: form.get("username"), password: form.get("password") }) });
  if (!response.ok) { $("login-error").textContent = describe(await response.json().catch(() => null)) || "sign-in failed"; return; }
  saveTokens(await response.json());
  start();
});
$("logout").addEventListener("click", signOut);

async function start() {
  $("login").hidden = true;
  $("app").hidden = false;
  const me = await api("GET", "/auth/me").catch(() => null);
  $("who").textContent = me ? `${me.username} (${me.role})` : "";
  connectSocket();
  syncPriceFields();
  await Promise.all([loadClients(), loadKillSwitch()]);
}

state.tokens = JSON.parse(sessionStorage.getItem("tokens") || "null");
if (state.tokens) start().catch(signOut); else $("login").hidden = false;
