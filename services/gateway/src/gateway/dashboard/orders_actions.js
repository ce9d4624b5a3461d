// Cancel and modify of a working order, shared by the blotter, batches and client detail.
import { once } from "./api.js";
import { el, MODIFIABLE, WORKING } from "./util.js";

export function cancelButton(order, after) {
  if (!WORKING.includes(order.status)) return "";
  return el("button", { class: "link cancel", onclick: async (event) => {
    event.target.disabled = true;
    try { await once(`/orders/${order.order_id}/cancel`); } catch (error) { report(event.target, error); }
    after();
  } }, "cancel");
}

// Modify: a small inline form for the new quantity and price; errors name the field.
export function modifyButton(order, after) {
  if (!MODIFIABLE.includes(order.status)) return "";
  return el("button", { class: "link modify", onclick: (event) => {
    const cell = event.target.parentElement;
    const qty = el("input", { class: "small-input", name: "quantity", value: order.quantity, inputMode: "numeric", title: "new total quantity" });
    const price = el("input", { class: "small-input", name: "price", value: order.price ?? "", inputMode: "decimal", title: "new price" });
    const error = el("span", { class: "error" });
    const save = el("button", { class: "link", onclick: async () => {
      const body = { quantity: Number(qty.value) };
      if (price.value) body.price = price.value;
      try { await once(`/orders/${order.order_id}/modify`, body); after(); } catch (e) { error.textContent = e.message; }
    } }, "save");
    cell.replaceChildren(qty, price, save, error);
  } }, "modify");
}

function report(button, error) {
  button.after(el("span", { class: "error" }, ` ${error.message}`));
}
