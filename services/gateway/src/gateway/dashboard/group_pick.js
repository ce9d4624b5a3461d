// The order form's group and allocation: picking a desk group and a rule (fixed, multiplier,
// capital, explicit) asks the preview for each member's quantity (the gateway's own
// arithmetic: caps, whole lots), fills the grid with it and names each member skipped and
// why. Until a quantity is edited by hand the batch is sent as the group order itself.
import { api } from "./api.js";
import { fetchPreview } from "./preview.js";
import { el, listOf, setError } from "./util.js";

const MODES = {
  fixed: { label: "Quantity for each", field: "quantity" },
  multiplier: { label: "Base quantity (x multiplier)", field: "base_quantity" },
  capital: { label: "% of available margin", field: "percent" },
  explicit: { label: "", field: null }, // the quantities typed in the grid, members only
};

// terms(): the order's terms (or null without an instrument); grid: the clients grid;
// changed(): the picker's state changed (the summary is redone).
export function groupPicker(terms, grid, changed) {
  let groups = [];
  let order = null; // {group, allocation} while the grid shows what the group rule gave
  let refillTimer = null;
  const pick = el("select", { id: "group" });
  const mode = el("select", { id: "alloc-mode" }, ...Object.keys(MODES).map((m) => el("option", {}, m)));
  const amount = el("input", { id: "alloc-amount", inputMode: "decimal", class: "small-input" });
  const amountLabel = el("label", { id: "alloc-amount-label" }, "", amount);
  const apply = el("button", { id: "alloc-apply", type: "button" }, "fill from group");
  const note = el("div", { id: "group-note", class: "small" });
  const error = el("p", { class: "error", id: "group-error" });
  const rule = el("div", { id: "allocation", hidden: true },
    el("div", { class: "row" }, el("label", {}, "Allocation ", mode), amountLabel, apply), note, error);
  const node = el("div", { id: "group-picker" }, el("label", {}, "Group ", pick), rule);

  function syncMode() {
    const m = MODES[mode.value];
    amountLabel.hidden = !m.field;
    amountLabel.firstChild.textContent = `${m.label} `;
  }

  async function load() {
    groups = listOf(await api("GET", "/groups").catch(() => []), "groups");
    const chosen = pick.value;
    pick.replaceChildren(el("option", { value: "" }, "none: quantities typed below"),
      ...groups.map((g) => el("option", { value: g.name }, `${g.name} (${g.members.length})`)));
    pick.value = groups.some((g) => g.name === chosen) ? chosen : "";
    rule.hidden = !pick.value;
  }

  function allocation() {
    const m = MODES[mode.value];
    if (!m.field) { // an EXIT sends no quantity: each member exits its whole position
      const exit = terms()?.execution_type === "EXIT";
      return { mode: "explicit", client_orders: grid.chosen().map((o) => (exit ? { client_id: o.client_id } : o)) };
    }
    const raw = amount.value.trim();
    const value = m.field === "percent" ? raw : /^\d+$/.test(raw) ? Number(raw) : raw;
    return { mode: mode.value, [m.field]: value };
  }

  const group = () => groups.find((g) => g.name === pick.value);

  async function fill() {
    setError(error, null);
    amount.classList.remove("bad");
    const t = terms();
    if (!t) { setError(error, new Error("choose an instrument first: the allocation needs its lot size and price")); return; }
    if (!MODES[mode.value].field) { // explicit: the members' typed quantities, nobody else's
      const members = new Set(group()?.members.map((x) => x.client_id));
      grid.setQuantities(Object.fromEntries(grid.chosen().filter((o) => members.has(o.client_id)).map((o) => [o.client_id, o.quantity])));
      if (!grid.chosen().length) { setError(error, new Error(`type quantities for members of ${pick.value} in the grid first (they are marked)`)); return; }
    }
    const wanted = { group: pick.value, allocation: allocation() };
    let answer;
    try { answer = await fetchPreview({ ...t, ...wanted }); } catch (failure) {
      setError(error, failure);
      if ((failure.fields || []).some((f) => f.field.startsWith("allocation"))) amount.classList.add("bad");
      return;
    }
    const names = grid.names();
    grid.setQuantities(Object.fromEntries(answer.rows.filter((r) => !r.skipped).map((r) => [r.client_id, r.quantity ?? 1])));
    const skipped = answer.rows.filter((r) => r.skipped);
    const cut = answer.rows.filter((r) => !r.skipped && r.reason);
    note.replaceChildren(
      el("p", {}, `${answer.rows.length - skipped.length} of ${answer.rows.length} members filled from ${pick.value} (${mode.value})`),
      skipped.length ? el("ul", { id: "group-skips" }, ...skipped.map((r) => el("li", { dataset: { client: r.client_id } },
        el("strong", {}, names[r.client_id] || r.client_id), ` skipped: ${r.reason}`))) : "",
      cut.length ? el("ul", { id: "group-cuts", class: "muted" }, ...cut.map((r) => el("li", { dataset: { client: r.client_id } },
        `${names[r.client_id] || r.client_id}: ${r.reason}`))) : "");
    order = wanted;
    changed();
  }

  pick.addEventListener("change", () => { rule.hidden = !pick.value; order = null; grid.markMembers((group()?.members || []).map((m) => m.client_id)); note.replaceChildren(); setError(error, null); changed(); });
  mode.addEventListener("change", () => { syncMode(); order = null; changed(); });
  apply.addEventListener("click", fill);
  syncMode();
  load();

  return {
    node, load,
    // The group order to send, or null (quantities typed: sent as an explicit list).
    // Explicit: the quantities typed now, while every one of them is a member's (a
    // quantity typed for someone else makes it a plain list, so nothing typed is dropped).
    order: () => {
      if (!order || order.allocation.mode !== "explicit") return order;
      const members = new Set(group()?.members.map((x) => x.client_id));
      const explicit = allocation();
      if (!explicit.client_orders.length || explicit.client_orders.some((o) => !members.has(o.client_id))) return null;
      return { group: order.group, allocation: explicit };
    },
    // The terms changed: a rule's quantities are asked again (capital follows the price).
    refill: () => {
      clearTimeout(refillTimer);
      if (order && order.allocation.mode !== "explicit") refillTimer = setTimeout(fill, 400);
    },
    // The batch was sent: the next one starts from scratch.
    sent: () => { order = null; note.replaceChildren(); },
    // A quantity typed by hand: the grid no longer is the rule's (explicit keeps the group).
    edited: () => {
      if (order && order.allocation.mode !== "explicit") {
        order = null;
        note.prepend(el("p", { class: "muted" }, "quantities edited: they are sent as typed, not as the group rule"));
      }
    },
  };
}
