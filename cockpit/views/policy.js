/* SPDX-License-Identifier: MIT */
/* Policy: multiple roles on or off, the default role, the role attribute. */
import { ctl, read } from "../ctl.js";
import { h, button, field } from "../dom.js";
import { say, fail } from "../page.js";
import { dialog } from "../dialog.js";
import { route } from "../state.js";
import { nodes, roles, toggleSwitch } from "./common.js";

export async function policyView() {
    const p = (await read(["policy", "show"])) || {};
    return nodes(h("h2", {}, "Policy"),
                 h("dl", { class: "gr-facts gr-policy" },
                   h("dt", {}, "Multiple roles"),
                   h("dd", {}, policySwitch(!!p.multiple_roles),
                     h("p", { class: "gr-hint" }, "Off: of the roles from the identity provider, only the one with the highest priority is kept.")),
                   h("dt", {}, "Default role"),
                   h("dd", {}, h("span", { id: "policy-default-role-value" }, p.default_role || "none"), " ",
                     button("Change", () => defaultRoleDialog(p.default_role), "gr-btn-secondary", { id: "policy-default-role", "aria-label": "Change the default role" }),
                     h("p", { class: "gr-hint" }, "The role of users who get no role from the identity provider.")),
                   h("dt", {}, "Role attribute"),
                   h("dd", {}, h("span", { id: "policy-role-attribute-value" }, p.role_attribute || "none"), " ",
                     button("Change", () => roleAttributeDialog(p.role_attribute), "gr-btn-secondary", { id: "policy-role-attribute", "aria-label": "Change the role attribute" }),
                     h("p", { class: "gr-hint" }, "A user attribute whose values name roles."))));
}

function policySwitch(on) {
    return toggleSwitch("policy-multiple-roles", "Multiple roles", on, {},
                        next => ["policy", "set", "multiple-roles", next ? "on" : "off"],
                        next => "Multiple roles are " + (next ? "on" : "off") + ".");
}

async function defaultRoleDialog(cur) {
    let all = [];
    try {
        all = await roles(true);
    } catch (err) {
        fail(err);
        return;
    }
    const sel = h("select", { class: "gr-input", name: "default-role" },
                  h("option", { value: "none" }, "none"),
                  all.map(r => h("option", { value: r.slug, selected: r.slug === cur }, r.slug)));
    dialog({
        title: "Default role",
        body: field("Default role", sel, "Users who get no role from the identity provider get this one."),
        action: "Save",
        submit: async () => {
            const r = await ctl(["policy", "set", "default-role", sel.value]);
            say("The default role is " + sel.value + "." + (r.warning ? " " + r.warning : ""));
            route();
        },
    });
}

function roleAttributeDialog(cur) {
    const attr = h("input", { type: "text", class: "gr-input", autocomplete: "off", name: "role-attribute", value: cur || "" });
    dialog({
        title: "Role attribute",
        body: field("Attribute", attr, "e.g. title; empty: none."),
        action: "Save",
        submit: async () => {
            const v = attr.value.trim() || "none";
            const r = await ctl(["policy", "set", "role-attribute", v]);
            say("The role attribute is " + v + "." + (r.warning ? " " + r.warning : ""));
            route();
        },
    });
}
