// The desk's screen: sign-in, the header (kill switch, live state) and a router that maps
// each URL to its page with the history API, so deep links and the back button work.
import * as admin from "./admin.js";
import { startAlerts } from "./alerts.js";
import { api, clearTokens, describe, saveTokens, session } from "./api.js";
import * as client from "./client.js";
import * as dashboard from "./dashboard.js";
import * as exit from "./exit.js";
import { clearHandlers, connect, disconnect, drop, liveState } from "./live.js";
import * as orders from "./orders.js";
import * as positions from "./positions.js";
import { $, el } from "./util.js";

const ROUTES = [
  [/^\/$/, dashboard, () => ({})],
  [/^\/clients\/([^/]+)$/, client, (m) => ({ clientId: decodeURIComponent(m[1]) })],
  [/^\/exit\/(\d+)$/, exit, (m) => ({ token: Number(m[1]) })],
  [/^\/orders$/, orders, () => ({})],
  [/^\/positions$/, positions, () => ({})],
  [/^\/admin$/, admin, () => ({})],
];

let me = null;
let current = null;
let killSwitchTimer = null;

function route() {
  clearHandlers();
  const view = $("view");
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === location.pathname));
  for (const [pattern, page, params] of ROUTES) {
    const match = location.pathname.match(pattern);
    if (match) { current = page.render(view, params(match), me, loadKillSwitch); return; }
  }
  current = null;
  view.replaceChildren(el("section", { class: "card" }, el("h2", {}, "Not found"), el("p", {}, `No page at ${location.pathname}.`)));
}

export function navigate(href) {
  history.pushState(null, "", href);
  route();
  window.scrollTo(0, 0);
}

// Links marked data-link route inside the page; others (and modified clicks) load normally.
document.addEventListener("click", (event) => {
  const a = event.target.closest("a[data-link]");
  if (!a || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(a.getAttribute("href"));
});
window.addEventListener("popstate", route);

async function loadKillSwitch() {
  const badge = $("kill-switch");
  if (me?.role !== "admin") {
    badge.textContent = "kill switch –";
    badge.title = "only admins can read the kill switch";
    return;
  }
  const ks = await api("GET", "/admin/kill-switch").catch(() => null);
  const engaged = ks?.global?.engaged;
  const clients = (ks?.clients || []).filter((c) => c.engaged).length;
  badge.textContent = !ks ? "kill switch –" : engaged ? "KILL SWITCH ENGAGED" : clients ? `trading open · ${clients} clients stopped` : "trading open";
  badge.title = !ks ? "the order-router did not answer" : engaged ? `global: ${ks.global.reason || ""}` : "no global kill switch";
  badge.classList.toggle("engaged", Boolean(engaged));
}

function signOut() {
  clearTokens();
  disconnect();
  me = null;
  $("app").hidden = true;
  $("login").hidden = false;
}
session.onSignOut = signOut;

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const response = await fetch("/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: form.get("username"), password: form.get("password") }) });
  if (!response.ok) { $("login-error").textContent = describe(await response.json().catch(() => null)) || "sign-in failed"; return; }
  $("login-error").textContent = "";
  saveTokens(await response.json());
  start();
});
$("logout").addEventListener("click", signOut);

async function start() {
  $("login").hidden = true;
  $("app").hidden = false;
  me = await api("GET", "/auth/me").catch(() => null);
  $("who").textContent = me ? `${me.username} (${me.role})` : "";
  // After a drop the socket is back: reload what the page shows and the header.
  connect(() => { current?.reload(); loadKillSwitch(); });
  startAlerts(); // the header's alerts badge, panel and toasts (alerts:all)
  await loadKillSwitch();
  killSwitchTimer ??= setInterval(loadKillSwitch, 15000); // another admin may flip it; no live channel for it
  route();
}

window.desk = { navigate, drop, liveState }; // for the browser tests and the console

if (session.tokens) start().catch(signOut); else $("login").hidden = false;
