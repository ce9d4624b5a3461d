// Admin: desk groups and their members' multipliers and caps (GET/POST/PUT/DELETE
// /groups). Members are edited as lines "client code, multiplier, cap" (the dealer
// terminals' upload habit); a 422 names the line and the field it is about.
import { api } from "./api.js";
import { el, listOf, setError } from "./util.js";

const HINT = "one member a line: client code, multiplier (default 1), cap in shares (optional)";

export function groupsSection() {
  const rows = el("tbody");
  const error = el("p", { class: "error", id: "group-admin-error" });
  const name = el("input", { name: "name", id: "group-name", placeholder: "name (letters, digits, _ . -)" });
  const description = el("input", { name: "description", id: "group-description", placeholder: "description" });
  const members = el("textarea", { id: "group-members", rows: 6, placeholder: HINT });
  const title = el("h3", {}, "New group");
  const save = el("button", { id: "group-save", type: "submit" }, "create group");
  let editing = null; // the group's name while editing one
  let byCode = new Map();

  const editor = el("form", { id: "group-editor" }, title,
    el("div", { class: "row" }, name, description), el("label", {}, HINT, members),
    el("div", { class: "row" }, save, el("button", { type: "button", class: "link", onclick: () => edit(null) }, "new group")), error);
  editor.addEventListener("submit", submit);

  const node = el("section", { class: "card" }, el("h2", {}, "Groups and multipliers"),
    el("table", { id: "groups" }, el("thead", {}, el("tr", {}, ...["Group", "Description", "Members", "Updated", ""].map((h) => el("th", {}, h)))), rows),
    editor);

  function edit(group) {
    editing = group?.name || null;
    title.textContent = group ? `Edit ${group.name}` : "New group";
    save.textContent = group ? "save group" : "create group";
    name.value = group?.name || "";
    name.disabled = Boolean(group); // a group is renamed by making another
    description.value = group?.description || "";
    members.value = (group?.members || []).map((m) => [m.client_id, m.multiplier, m.max_quantity ?? ""].join(", ").replace(/, $/, "")).join("\n");
    [name, members].forEach((i) => i.classList.remove("bad"));
    setError(error, null);
  }

  // "EMUM7551, 2, 500" -> {client_id, multiplier, max_quantity}; a Motilal code maps to its client.
  function parse(text) {
    return text.split(/\r?\n/).map((line) => line.split(/[,;\t]/).map((p) => p.trim())).filter((p) => p[0])
      .map(([code, multiplier, cap]) => ({ client_id: byCode.get(code.toUpperCase()) || code,
        ...(multiplier ? { multiplier } : {}), ...(cap ? { max_quantity: /^\d+$/.test(cap) ? Number(cap) : cap } : {}) }));
  }

  async function submit(event) {
    event.preventDefault();
    [name, members].forEach((i) => i.classList.remove("bad"));
    const body = { description: description.value, members: parse(members.value) };
    try {
      if (editing) await api("PUT", `/groups/${encodeURIComponent(editing)}`, body);
      else await api("POST", "/groups", { name: name.value.trim(), ...body });
      edit(null);
      await load();
    } catch (failure) {
      // members.3.multiplier -> "line 4 (multiplier): ..."
      const lines = (failure.fields || []).map((f) => (f.loc[1] === "members" && Number.isInteger(f.loc[2])
        ? `line ${f.loc[2] + 1}${f.loc[3] ? ` (${f.loc[3]})` : ""}: ${f.msg}` : `${f.field}: ${f.msg}`));
      setError(error, lines.length ? new Error(lines.join("\n")) : failure);
      (failure.fields || []).forEach((f) => { if (f.field === "name") name.classList.add("bad"); if (f.loc[1] === "members") members.classList.add("bad"); });
    }
  }

  async function remove(group, button) {
    const cell = button.parentElement;
    cell.replaceChildren(el("button", { class: "danger group-delete-confirm", onclick: async () => {
      try { await api("DELETE", `/groups/${encodeURIComponent(group.name)}`); } catch (e) { setError(error, e); }
      if (editing === group.name) edit(null);
      load();
    } }, `delete ${group.name}?`), el("button", { class: "link", onclick: load }, "no"));
  }

  async function load() {
    const [groups, clients] = await Promise.all([api("GET", "/groups").catch((e) => { setError(error, e); return []; }),
      api("GET", "/clients").catch(() => [])]);
    byCode = new Map();
    for (const c of clients) { byCode.set(String(c.motilal_client_id).toUpperCase(), c.client_id); byCode.set(c.client_id.toUpperCase(), c.client_id); }
    rows.replaceChildren(...listOf(groups, "groups").map((g) => el("tr", { dataset: { group: g.name } },
      el("td", {}, el("strong", {}, g.name)), el("td", {}, g.description),
      el("td", { class: "small", title: g.members.map((m) => `${m.client_id} x${m.multiplier}${m.max_quantity ? ` cap ${m.max_quantity}` : ""}`).join("\n") },
        `${g.members.length}: `, g.members.slice(0, 4).map((m) => `${m.client_id} x${m.multiplier}${m.max_quantity ? ` ≤${m.max_quantity}` : ""}`).join(", "), g.members.length > 4 ? ", …" : ""),
      el("td", { class: "small muted" }, `${g.updated_by}`),
      el("td", {}, el("button", { class: "link group-edit", onclick: () => edit(g) }, "edit"), " ",
        el("button", { class: "link group-delete", onclick: (e) => remove(g, e.target) }, "delete")))));
  }

  return { node, load };
}
