// Alerts (alerts.v1) on every page: a header badge with the count of unread alerts, a panel
// listing the latest ones (newest first) and a toast for each new one. Fed by the live
// socket's `alerts:all` channel, whose first frames are the alerts this gateway saw lately.
// Everything is written as text (util.el): an alert carries broker and client words.
import { always, watch } from "./live.js";
import { $, el } from "./util.js";

const KEEP = 50;
const TOAST_MS = 8000;
const seen = new Map(); // event_id -> alert, oldest first
let unread = 0;
let started = false;

export function startAlerts() {
  if (!started) {
    started = true;
    build();
    always("alerts:all", (message) => add(message.data));
  }
  watch("alerts:all"); // again after each sign-in: signing out forgot the channels
}

function build() {
  const badge = el("button", { id: "alerts-badge", class: "badge alerts-badge", title: "alerts", onclick: toggle }, "alerts");
  const live = $("live");
  live.parentNode.insertBefore(badge, live);
  document.body.append(
    el("aside", { id: "alerts-panel", class: "alerts-panel", hidden: true },
      el("h2", {}, "Alerts"), el("ol", { id: "alerts-list" })),
    el("div", { id: "alerts-toasts", class: "alerts-toasts", role: "status" }),
  );
}

function add(alert) {
  if (!alert?.event_id || seen.has(alert.event_id)) return;
  seen.set(alert.event_id, alert);
  while (seen.size > KEEP) seen.delete(seen.keys().next().value);
  unread += 1;
  render();
  toast(alert);
}

function render() {
  const badge = $("alerts-badge");
  badge.textContent = unread ? `alerts ${unread}` : "alerts";
  badge.classList.toggle("unread", unread > 0);
  const list = $("alerts-list");
  list.replaceChildren(...[...seen.values()].reverse().map(item));
  if (!seen.size) list.append(el("li", { class: "muted" }, "no alerts yet"));
}

function item(alert) {
  const when = new Date(alert.occurred_at).toLocaleTimeString("en-IN", { timeZone: "Asia/Kolkata" });
  return el("li", { class: `alert ${alert.severity}`, dataset: { kind: alert.kind } },
    el("div", {}, el("strong", {}, alert.title), " ", el("span", { class: "muted small" }, when)),
    alert.detail ? el("div", { class: "small" }, alert.detail) : null);
}

function toast(alert) {
  // never in the way of a click: a toast only shows, and goes by itself
  const node = el("div", { class: `alert-toast ${alert.severity}` }, el("strong", {}, alert.title));
  $("alerts-toasts").append(node);
  setTimeout(() => node.remove(), TOAST_MS);
}

function toggle() {
  const panel = $("alerts-panel");
  panel.hidden = !panel.hidden;
  if (!panel.hidden) { unread = 0; render(); }
}
