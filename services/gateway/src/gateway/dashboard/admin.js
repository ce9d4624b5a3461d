// Admin (/admin): the kill switch (global and per client), users, clients, and this
// browser's confirmation limits for the dashboard.
import { api } from "./api.js";
import { groupsSection } from "./admin_groups.js";
import { confirmLimits } from "./dashboard.js";
import { el, link, setError, time } from "./util.js";

export function render(view, _params, me, refreshHeader) {
  if (me?.role !== "admin") {
    view.replaceChildren(el("section", { class: "card" }, el("h2", {}, "Admin"), el("p", {}, "This page is for admins.")));
    return { reload: () => {} };
  }
  const ks = el("div", { id: "kill-switches" });
  const users = el("tbody");
  const clients = el("tbody");
  const error = el("p", { class: "error", id: "admin-error" });
  const limits = confirmLimits();
  const limitValue = el("input", { id: "confirm-value", value: limits.value, inputMode: "numeric" });
  const limitClients = el("input", { id: "confirm-clients", value: limits.clients, inputMode: "numeric" });
  const newUser = { username: el("input", { name: "username", placeholder: "username" }),
    password: el("input", { name: "password", type: "password", placeholder: "password" }),
    role: el("select", { name: "role" }, ...["viewer", "trader", "admin"].map((r) => el("option", {}, r))) };
  const groups = groupsSection();
  view.replaceChildren(
    el("section", { class: "card" }, el("h2", {}, "Kill switch"), error, ks),
    el("section", { class: "card" }, el("h2", {}, "Confirmation before sending"),
      el("p", { class: "muted small" }, "The dashboard asks to confirm a batch above this value or client count (kept in this browser)."),
      el("div", { class: "row" }, el("label", {}, "Value ₹ ", limitValue), el("label", {}, "Clients ", limitClients),
        el("button", { id: "confirm-save", onclick: () => { localStorage.setItem("confirmValue", limitValue.value); localStorage.setItem("confirmClients", limitClients.value); } }, "save"))),
    el("section", { class: "card" }, el("h2", {}, "Users"),
      el("table", { id: "users" }, el("thead", {}, el("tr", {}, ...["User", "Role", "Active", ""].map((h) => el("th", {}, h)))), users),
      el("form", { class: "row", id: "new-user", onsubmit: createUser }, newUser.username, newUser.password, newUser.role, el("button", { type: "submit" }, "add user"))),
    groups.node,
    el("section", { class: "card" }, el("h2", {}, "Clients"),
      el("table", { id: "admin-clients" }, el("thead", {}, el("tr", {}, ...["Client", "Motilal id", "Active", "Kill switch", ""].map((h) => el("th", {}, h)))), clients)));

  async function setSwitch(clientId, engaged, reason, cancel) {
    setError(error, null);
    try {
      await api("POST", "/admin/kill-switch", { client_id: clientId, engaged, reason: reason || (engaged ? "stopped from the dashboard" : "released from the dashboard"), cancel_open_orders: Boolean(cancel) });
    } catch (failure) { setError(error, failure); }
    load();
    refreshHeader();
  }

  async function load() {
    const [state, userList, clientList] = await Promise.all([api("GET", "/admin/kill-switch").catch((e) => { setError(error, e); return null; }),
      api("GET", "/users").catch(() => []), api("GET", "/clients").catch(() => [])]);
    if (state) {
      const g = state.global;
      const reason = el("input", { id: "ks-reason", placeholder: "reason", value: "" });
      const cancel = el("input", { type: "checkbox", id: "ks-cancel" });
      ks.replaceChildren(el("p", {}, "Global: ", el("span", { class: `badge ${g.engaged ? "engaged" : "open"}`, id: "ks-global" }, g.engaged ? "ENGAGED" : "released"),
        g.reason ? ` ${g.reason}` : "", g.updated_at ? el("span", { class: "muted small" }, ` (${g.actor}, ${time(g.updated_at)})`) : ""),
        el("div", { class: "row" }, reason, el("label", {}, cancel, " cancel working orders"),
          g.engaged ? el("button", { id: "ks-release", onclick: () => setSwitch(null, false, reason.value) }, "Release")
            : el("button", { id: "ks-engage", class: "danger", onclick: () => setSwitch(null, true, reason.value, cancel.checked) }, "Engage kill switch")));
    }
    const perClient = new Map((state?.clients || []).map((c) => [c.client_id, c]));
    users.replaceChildren(...userList.map((u) => el("tr", {}, el("td", {}, u.username), el("td", {}, u.role), el("td", {}, u.active ? "yes" : "no"),
      el("td", {}, el("button", { class: "link", onclick: () => api("PUT", `/users/${encodeURIComponent(u.username)}`, { active: !u.active }).then(load, (e) => setError(error, e)) }, u.active ? "disable" : "enable")))));
    clients.replaceChildren(...clientList.map((c) => {
      const k = perClient.get(c.client_id);
      return el("tr", { dataset: { client: c.client_id } }, el("td", {}, link(`/clients/${encodeURIComponent(c.client_id)}`, c.name)), el("td", {}, c.motilal_client_id),
        el("td", {}, c.active ? "yes" : "no"), el("td", {}, k?.engaged ? el("span", { class: "badge engaged" }, "ENGAGED") : "off"),
        el("td", {}, el("button", { class: "link", onclick: () => setSwitch(c.client_id, !k?.engaged) }, k?.engaged ? "release" : "stop"), " ",
          el("button", { class: "link", onclick: () => api("POST", `/clients/${encodeURIComponent(c.client_id)}/${c.active ? "disable" : "enable"}`).then(load, (e) => setError(error, e)) }, c.active ? "disable" : "enable")));
    }));
  }

  async function createUser(event) {
    event.preventDefault();
    Object.values(newUser).forEach((i) => i.classList.remove("bad"));
    try {
      await api("POST", "/users", { username: newUser.username.value, password: newUser.password.value, role: newUser.role.value });
      newUser.username.value = ""; newUser.password.value = "";
      setError(error, null);
      load();
    } catch (failure) {
      setError(error, failure);
      (failure.fields || []).forEach((f) => newUser[f.field]?.classList.add("bad"));
    }
  }
  load();
  groups.load();
  return { reload: () => { load(); groups.load(); } };
}
