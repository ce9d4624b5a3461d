// Live updates over /ws. The access token goes in the first message (never in the URL,
// which proxies log), and is renewed on the open socket a minute before it expires, so a
// dashboard left open all day stays live. The socket reconnects after a drop (backing off
// up to 10 s), subscribes again to every channel it had, and asks the current page to
// reload its data, since updates sent while it was away are lost.
import { refresh, session } from "./api.js";
import { $ } from "./util.js";

const channels = new Set();
let handlers = [];
let socket = null;
let retry = 0;
let everOpened = false;
let onReconnect = () => {};

export const liveState = { connected: false, reconnects: 0 };

export function connect(reconnected) {
  onReconnect = reconnected;
  open();
}

function open() {
  if (!session.tokens) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  const mine = socket;
  mine.onopen = () => {
    retry = 0;
    send({ action: "auth", token: session.tokens.access_token });
    show(true);
    if (channels.size) send({ action: "subscribe", channels: [...channels] });
    if (everOpened) { liveState.reconnects += 1; onReconnect(); }
    everOpened = true;
  };
  mine.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "welcome" || message.type === "authenticated") renewBefore(message.expires_at);
    else dispatch(message);
  };
  mine.onclose = async (event) => {
    if (socket !== mine) return;
    clearTimeout(renewal);
    show(false);
    if (!session.tokens) return;
    if (event.code === 4401 && !(await refresh())) { session.onSignOut(); return; }
    retry = Math.min(retry + 1, 5);
    setTimeout(open, Math.min(500 * 2 ** retry, 10000));
  };
}

let renewal = null;

// A minute before the socket's token expires: a fresh token (the single shared refresh),
// sent on the same socket; the server closes a socket whose token ran out.
function renewBefore(expiresAt) {
  clearTimeout(renewal);
  if (!expiresAt) return;
  const wait = Math.max(1000, new Date(expiresAt).getTime() - Date.now() - 60000);
  renewal = setTimeout(async () => {
    if (!(await refresh())) { session.onSignOut(); return; }
    send({ action: "auth", token: session.tokens.access_token });
  }, wait);
}

export function disconnect() {
  clearTimeout(renewal);
  const old = socket;
  socket = null;
  everOpened = false;
  channels.clear();
  if (old) old.close();
  show(false);
}

// For the browser tests and the curious: drop the connection as a network would.
export function drop() { if (socket) socket.close(); }

function send(message) { if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message)); }

function show(connected) {
  liveState.connected = connected;
  const badge = $("live");
  if (!badge) return;
  badge.textContent = connected ? "live" : "reconnecting…";
  badge.title = connected ? "live updates connected" : "live updates lost; reconnecting, the page reloads its data when back";
  badge.classList.toggle("down", !connected);
}

export function watch(...names) {
  const fresh = names.filter((c) => !channels.has(c));
  fresh.forEach((c) => channels.add(c));
  if (fresh.length) send({ action: "subscribe", channels: fresh });
}

// An instrument's quote channel: token numbers repeat across exchanges (NSE 772 is not
// NSECD 772), so the channel names both.
export function quoteChannel(instrument) { return `quotes:${instrument.exchange}:${instrument.token}`; }

// Handlers of the current page; the router clears them on every navigation.
export function on(prefix, handler) { handlers.push([prefix, handler]); }
export function clearHandlers() { handlers = []; }
// Handlers of every page (the alerts panel): kept across navigations.
const lasting = [];
export function always(prefix, handler) { lasting.push([prefix, handler]); }

function dispatch(message) {
  const channel = message.channel || "";
  // "quotes:" matches every quotes channel; "quotes:NSE:2885" only that one.
  for (const [name, handler] of [...lasting, ...handlers]) {
    if (name.endsWith(":") ? channel.startsWith(name) : channel === name) handler(message, channel);
  }
}

// Calls fn at most once per `ms`, however many updates arrive meanwhile.
export function throttled(fn, ms = 300) {
  let timer = null;
  return () => { if (!timer) timer = setTimeout(() => { timer = null; fn(); }, ms); };
}
