/* SPDX-License-Identifier: MIT */
/*
 * Resource assignments: a role for one user on a host or host group, on
 * top of what the identity provider grants, until it expires.  The list,
 * add one, remove one.
 */
import { ctl, read } from "../ctl.js";
import { h, button, trashIcon, when, table, field } from "../dom.js";
import { say, fail } from "../page.js";
import { dialog } from "../dialog.js";
import { route } from "../state.js";
import { nodes, roles } from "./common.js";

/* Roles granted to one user on a resource (host:NAME, hostgroup:NAME), whatever the directory says. */
export async function assignmentsView() {
    const list = (await read(["assign", "list"])) || [];
    const rows = list.map(a => h("tr", {},
                                 h("td", {}, a.orphaned ? a.id + " (orphaned)" : a.user),
                                 h("td", {}, a.directory),
                                 h("td", {}, h("code", {}, a.role)),
                                 h("td", {}, a.resource),
                                 h("td", {}, when(a.expires) + (a.expired ? " (expired)" : "")),
                                 h("td", { class: "gr-actions" },
                                   h("button", {
                                       type: "button",
                                       class: "gr-btn gr-btn-plain gr-unassign",
                                       "aria-label": "Remove " + a.role + " on " + a.resource + " from " + (a.user || a.id),
                                       title: "Remove this assignment",
                                       "data-role": a.role + "@" + a.resource + "@" + a.directory + "/" + a.id,
                                       onclick: () => unassignDialog(a),
                                   }, trashIcon()))));
    return nodes(h("div", { class: "gr-section-head" },
                   h("h2", {}, "Resource assignments"),
                   button("Add assignment", assignAddDialog, "gr-btn-primary", { id: "add-assignment" })),
                 h("p", { class: "gr-muted" }, "A role for one user on a host or host group, on top of what the " +
                   "identity provider grants, until it expires."),
                 table("Resource assignments", ["User", "Directory", "Role", "Resource", "Expires",
                                                h("span", { class: "gr-sr-only" }, "Actions")],
                       rows, "No resource assignments."));
}

async function assignAddDialog() {
    let all = [];
    try {
        all = await roles(true);
    } catch (err) {
        fail(err);
        return;
    }
    const user = h("input", { type: "text", class: "gr-input", autocomplete: "off", name: "user" });
    const role = h("select", { class: "gr-input", name: "role" },
                   all.map(r => h("option", { value: r.slug }, r.slug + (r.name && r.name !== r.slug ? " — " + r.name : ""))));
    const resource = h("input", { type: "text", class: "gr-input", autocomplete: "off", name: "resource", placeholder: "host:NAME" });
    const expires = h("input", { type: "text", class: "gr-input", autocomplete: "off", name: "expires", placeholder: "never" });
    dialog({
        title: "Add a resource assignment",
        body: h("div", {},
                field("User", user, "Login, userName or SCIM id."),
                field("Role", role),
                field("Resource", resource, "host:NAME or hostgroup:NAME."),
                field("Expires", expires, "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or +30d; empty: never.")),
        action: "Add",
        ready: () => user.value.trim() !== "" && resource.value.trim() !== "" && role.value !== "",
        submit: async () => {
            const args = ["assign", "add", user.value.trim(), role.value, "--resource", resource.value.trim()];
            if (expires.value.trim()) args.push("--expires", expires.value.trim());
            const r = await ctl(args);
            say("Assigned " + role.value + " on " + resource.value.trim() + " to " + user.value.trim() + "." +
                (r.warning ? " " + r.warning : ""));
            route();
        },
    });
}

function unassignDialog(a) {
    dialog({
        title: "Remove " + a.role + " on " + a.resource + "?",
        body: h("p", {}, (a.user || a.id) + " loses " + a.role + " on " + a.resource +
                " unless another source grants it."),
        action: "Remove",
        danger: true,
        submit: async () => {
            /* By SCIM id and directory: that works for orphaned assignments too. */
            const r = await ctl(["assign", "remove", a.id, a.role, "--resource", a.resource, "--directory", a.directory]);
            say("Removed " + a.role + " on " + a.resource + " from " + (a.user || a.id) + "." + (r.warning ? " " + r.warning : ""));
            route();
        },
    });
}
