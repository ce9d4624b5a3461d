// The public API with the operator's token (refreshed once on a 401). Errors carry the
// HTTP status and body, and `fields` names each field a 422 complained about.

export const session = { tokens: JSON.parse(sessionStorage.getItem("tokens") || "null"), onSignOut: () => {} };

export function saveTokens(tokens) {
  session.tokens = tokens;
  sessionStorage.setItem("tokens", JSON.stringify(tokens));
}

export function clearTokens() {
  session.tokens = null;
  sessionStorage.removeItem("tokens");
}

export async function api(method, path, body, extraHeaders = {}) {
  let used = null;
  const send = () => {
    used = session.tokens?.access_token;
    return fetch(`/api/v1${path}`, {
      method,
      headers: {
        "Content-Type": "application/json",
        ...(used ? { Authorization: `Bearer ${used}` } : {}),
        ...extraHeaders,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };
  let response = await send();
  if (response.status === 401 && session.tokens) {
    // a refresh finished while this request was out: just send it again with the new token
    if (session.tokens.access_token !== used || await refresh()) response = await send();
  }
  if (response.status === 401) { session.onSignOut(); throw new Error("signed out"); }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    throw Object.assign(new Error(describe(data) || `${response.status} ${response.statusText}`),
      { status: response.status, data, fields: fieldsOf(data) });
  }
  return data;
}

// A POST that the server runs once however often the network makes us retry it.
export const once = (path, body) => api("POST", path, body, { "Idempotency-Key": crypto.randomUUID() });

export function describe(data) {
  if (!data) return "";
  if (typeof data.detail === "string") return data.detail;
  if (Array.isArray(data.detail)) return data.detail.map((d) => `${fieldName(d.loc)}: ${d.msg}`).join("\n");
  return JSON.stringify(data);
}

// "body.client_orders.2.quantity" -> "client_orders.2.quantity" (the request part dropped).
export const fieldName = (loc) => (loc || []).filter((p, i) => !(i === 0 && ["body", "query", "path"].includes(p))).join(".");

function fieldsOf(data) {
  return Array.isArray(data?.detail) ? data.detail.map((d) => ({ field: fieldName(d.loc), loc: d.loc || [], msg: d.msg })) : [];
}

// One refresh at a time, shared by every caller (API requests and the live socket): a
// refresh token shown twice is taken for a stolen one and revokes the whole login, so two
// parallel 401s each refreshing would sign the operator out.
let refreshing = null;

export function refresh() {
  if (!refreshing) refreshing = refreshOnce().finally(() => { refreshing = null; });
  return refreshing;
}

async function refreshOnce() {
  if (!session.tokens) return false;
  const response = await fetch("/api/v1/auth/refresh", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: session.tokens.refresh_token }),
  });
  if (!response.ok) return false;
  saveTokens(await response.json());
  return true;
}
