// The clients grid of the dashboard: live funds and P&L per client, a quantity per client.
import { api } from "./api.js";
import { watch } from "./live.js";
import { addMoney, count, el, known, link, money, pnl, TODAY_PNL, todayPnl } from "./util.js";

const NO_PORTFOLIO = "the portfolio service did not answer for this client";
const NO_MARGINS = "no margin report read from the broker yet";

export function clientsGrid(changed) {
  const body = el("tbody");
  const foot = el("tfoot");
  const tips = { "Today's P&L": TODAY_PNL, "Total P&L": "realized (all days) + unrealized", Available: "net available margin the broker reported" };
  const table = el("table", { id: "clients" },
    el("thead", {}, el("tr", {}, ...["Client", "Session", "Available", "Margin used", "Today's P&L", "Total P&L", "Open", "Quantity"]
      .map((h, i) => el("th", { class: i > 1 ? "num" : "", title: tips[h] }, h)))), body, foot);
  let clients = [];
  let enter = () => {};
  let exit = false;
  const inputs = () => [...body.querySelectorAll("input.qty")];

  // Rows are updated in place: what the operator is typing (and where) survives updates.
  async function load() {
    const fresh = (await api("GET", "/clients")).filter((c) => c.active);
    const rows = new Map([...body.querySelectorAll("tr")].map((r) => [r.dataset.client, r]));
    clients = membersFirst(fresh);
    const same = [...rows.keys()].join("\n") === clients.map((c) => c.client_id).join("\n");
    const updated = clients.map((c) => {
      const old = rows.get(c.client_id);
      const cells = figures(c);
      if (!old) return el("tr", { dataset: { client: c.client_id }, class: members.includes(c.client_id) ? "member" : undefined }, ...cells, el("td", { class: "num" }, quantityInput(c)));
      cells.forEach((cell, i) => old.replaceChild(cell, old.children[i])); // the quantity cell stays put, focus and all
      return old;
    });
    if (!same) body.replaceChildren(...updated); // moving rows would take the focus away
    foot.replaceChildren(totalsRow());
    clients.forEach((c) => watch(`portfolio:${c.client_id}`));
    exitMode(exit);
    changed();
  }

  // A picked group's members come first (in the API's order otherwise), marked.
  let members = [];
  const membersFirst = (list) => [...list.filter((c) => members.includes(c.client_id)), ...list.filter((c) => !members.includes(c.client_id))];
  function markMembers(ids) {
    members = ids;
    clients = membersFirst(clients);
    const rows = new Map([...body.querySelectorAll("tr")].map((r) => [r.dataset.client, r]));
    body.replaceChildren(...clients.map((c) => rows.get(c.client_id)).filter(Boolean));
    rows.forEach((r, id) => r.classList.toggle("member", ids.includes(id)));
  }

  function quantityInput(c) {
    return el("input", { class: "qty", inputMode: "numeric", dataset: { client: c.client_id },
      oninput: () => changed(true), onkeydown: (e) => { if (e.key === "Enter") { e.preventDefault(); enter(); } } });
  }

  function figures(c) {
    const p = c.portfolio;
    const s = c.session;
    const session = s ? el("span", { class: `session ${s.state}`, title: s.reason || s.error_code || "" }, s.state)
      : el("span", { class: "missing", title: "the broker-adapter has not reported a session yet" }, "–");
    const margins = p && known(p.margin_available);
    return [
      el("td", {}, Object.assign(link(`/clients/${encodeURIComponent(c.client_id)}`, el("strong", {}, c.name)), { tabIndex: -1 }), " ", el("span", { class: "muted" }, c.motilal_client_id)),
      el("td", { class: "small" }, session),
      el("td", { class: "num available" }, p ? money(p.margin_available, NO_MARGINS) : money(null, NO_PORTFOLIO)),
      el("td", { class: "num used" }, p ? money(p.margin_used, margins ? "the broker reported no margin in use" : NO_MARGINS) : money(null, NO_PORTFOLIO)),
      todayCell(p),
      el("td", { class: "num total" }, pnl(p?.total_pnl, NO_PORTFOLIO)),
      el("td", { class: "num open" }, count(p?.open_positions, NO_PORTFOLIO))];
  }

  function todayCell(p) {
    const today = todayPnl(p);
    const node = pnl(today.value, today.why);
    if (today.value !== null) node.title = `${TODAY_PNL}: ${p.realized_pnl_today} + ${p.unrealized_pnl}${p.trading_date ? ` (trading date ${p.trading_date})` : ""}`;
    return el("td", { class: "num today" }, node);
  }

  function totalsRow() {
    const figure = (c, name) => (name === "today" ? todayPnl(c.portfolio).value : c.portfolio?.[name]);
    const sum = (name) => {
      const have = clients.filter((c) => known(figure(c, name)));
      return { value: addMoney(...have.map((c) => figure(c, name))), missingCount: clients.length - have.length, any: have.length > 0 };
    };
    const cell = (name, show) => {
      const s = sum(name);
      const node = s.any ? show(s.value) : money(null, "no client has this figure yet");
      if (s.any && s.missingCount) node.title = `${s.missingCount} clients without this figure are left out`;
      return el("td", { class: `num total-${name}` }, node);
    };
    return el("tr", { class: "totals" }, el("td", {}, `Total (${clients.length} clients)`), el("td"),
      cell("margin_available", (v) => money(v)), cell("margin_used", (v) => money(v)),
      cell("today", (v) => pnl(v)), cell("total_pnl", (v) => pnl(v)), cell("open_positions", (v) => count(v)), el("td"));
  }

  // Quantities as typed: whole numbers are sent as numbers, anything else as typed so
  // the API's 422 names the client's quantity field.
  function chosen() {
    return inputs().filter((i) => i.value.trim() && i.value.trim() !== "0").map((i) => {
      const raw = i.value.trim();
      return { client_id: i.dataset.client, quantity: /^\d+$/.test(raw) ? Number(raw) : raw };
    });
  }

  function applyCsv(text) {
    const byCode = new Map();
    for (const c of clients) { byCode.set(c.client_id.toUpperCase(), c.client_id); byCode.set(String(c.motilal_client_id).toUpperCase(), c.client_id); }
    const unknown = [];
    for (const line of text.split(/\r?\n/)) {
      const [code, quantity] = line.split(/[,;\t]/).map((p) => (p || "").trim());
      if (!code || /^client/i.test(code)) continue; // blank lines and a header
      const id = byCode.get(code.toUpperCase());
      const input = id && body.querySelector(`input.qty[data-client="${CSS.escape(id)}"]`);
      if (input) input.value = quantity || ""; else unknown.push(code);
    }
    return unknown;
  }

  function exitMode(on) {
    exit = on;
    inputs().forEach((i) => { i.placeholder = on ? "1 = exit" : "0"; });
  }

  return {
    table, load, chosen, applyCsv, exitMode,
    fill: (n) => inputs().forEach((i) => { i.value = n; }),
    clear: () => inputs().forEach((i) => { i.value = ""; }),
    // Quantities by client id; every other client's is cleared.
    setQuantities: (byClient) => inputs().forEach((i) => { i.value = byClient[i.dataset.client] ?? ""; }),
    names: () => Object.fromEntries(clients.map((c) => [c.client_id, c.name])),
    markMembers,
    markBad: (ids) => body.querySelectorAll("tr").forEach((r) => r.classList.toggle("bad", ids.includes(r.dataset.client))),
    onEnter: (fn) => { enter = fn; },
  };
}
