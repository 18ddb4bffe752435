/* SPDX-License-Identifier: MIT */
/*
 * What several views share.  A view (views/*.js) is an async function that
 * reads what it shows with grouprolectl and returns nodes(...); one that
 * changes something calls route() from ../state.js afterwards, which reads
 * the view afresh, and say() from ../page.js to tell what it did.
 */
import { ctl, read } from "../ctl.js";
import { h, table, field } from "../dom.js";
import { say, fail } from "../page.js";
import { route } from "../state.js";

/* What a view returns: route() draws it unless a newer view started meanwhile. */
export function nodes(...list) {
    return list;
}

/* The role list, read once; fresh: read it again. */
let roleCache = null;
export async function roles(fresh) {
    if (!roleCache || fresh)
        roleCache = (await read(["role", "list"])) || [];
    return roleCache;
}

/* A role's name where it says more than its slug, else "". */
export function roleName(list, slug) {
    const r = list.find(x => x.slug === slug);
    return r && r.name && r.name !== slug ? r.name : "";
}

/* Whether any of the fields contains the query, case aside. */
export function matches(query, ...fields) {
    const q = query.trim().toLowerCase();
    return q === "" || fields.some(f => String(f || "").toLowerCase().includes(q));
}

/* A search box over a list already read from the CLI. */
export function searchable(label, placeholder, rowsFor, all, caption, headers, empty) {
    const input = h("input", { type: "search", placeholder, autocomplete: "off", class: "gr-input" });
    const count = h("p", { class: "gr-muted", "aria-live": "polite" });
    const holder = h("div");
    function update() {
        const rows = all.filter(x => rowsFor.match(input.value, x)).map(rowsFor.row);
        holder.replaceChildren(table(caption, headers, rows, input.value ? "Nothing matches \u201c" + input.value + "\u201d." : empty));
        count.textContent = rows.length + " of " + all.length;
    }
    input.addEventListener("input", update);
    update();
    return [h("div", { class: "gr-toolbar" }, field(label, input)), count, holder];
}

/*
 * An on/off switch that runs one grouprolectl command when toggled, then
 * says what it did and reads the view afresh.  ID keeps the focus on it
 * when the view is drawn again; COMMAND(next) gives the command for the
 * new state, SAID(next) the sentence.
 */
export function toggleSwitch(id, label, on, attrs, command, said) {
    const next = !on;
    const sw = h("button", {
        type: "button",
        role: "switch",
        id,
        class: "gr-switch",
        "aria-checked": on ? "true" : "false",
        "aria-label": label,
        ...attrs,
    }, h("span", { class: "gr-switch-track", "aria-hidden": "true" }), h("span", {}, on ? "On" : "Off"));
    sw.addEventListener("click", async () => {
        /* Not .disabled: that would take the focus away from the switch. */
        if (sw.getAttribute("aria-disabled") === "true")
            return;
        sw.setAttribute("aria-disabled", "true");
        try {
            const r = await ctl(command(next));
            say(said(next) + (r.warning ? " " + r.warning : ""));
            route();
        } catch (err) {
            sw.removeAttribute("aria-disabled");
            fail(err);
        }
    });
    return sw;
}
