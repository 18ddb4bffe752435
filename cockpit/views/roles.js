/* SPDX-License-Identifier: MIT */
/*
 * Roles: the list, with create, edit (name, description, priority) and
 * delete, which first shows who would lose the role.  Without a database
 * the list offers Create role, which starts one.
 */
import { CtlError, ctl, read } from "../ctl.js";
import { h, button, trashIcon, editIcon, table, field } from "../dom.js";
import { say, problem } from "../page.js";
import { dialog } from "../dialog.js";
import { route } from "../state.js";
import { nodes, roles } from "./common.js";

export async function rolesView() {
    let all = [];
    let notice = null;
    try {
        all = await roles(true);
    } catch (err) {
        /* Without a database, creating the first role is how to start one. */
        if (!(err instanceof CtlError) || err.kind !== "nodb")
            throw err;
        notice = problem(err);
    }
    const rows = all.map(r => h("tr", {},
                                h("td", {}, h("code", {}, r.slug)),
                                h("td", {}, r.name),
                                h("td", {}, r.description || ""),
                                h("td", { class: "gr-num" }, String(r.priority)),
                                h("td", {}, r.unix_group + " (" + r.gid + ")"),
                                h("td", { class: "gr-actions" },
                                  h("button", {
                                      type: "button",
                                      class: "gr-btn gr-btn-plain gr-edit",
                                      "aria-label": "Edit role " + r.slug,
                                      title: "Edit role " + r.slug,
                                      "data-role": r.slug,
                                      onclick: () => editDialog(r),
                                  }, editIcon()),
                                  h("button", {
                                      type: "button",
                                      class: "gr-btn gr-btn-plain gr-delete",
                                      "aria-label": "Delete role " + r.slug,
                                      title: "Delete role " + r.slug,
                                      "data-role": r.slug,
                                      onclick: () => deleteDialog(r),
                                  }, trashIcon()))));
    return nodes(h("div", { class: "gr-section-head" },
             h("h2", {}, "Roles"),
             button("Create role", createDialog, "gr-btn-primary", { id: "create-role" })),
           notice,
           table("Roles", ["Slug", "Name", "Description", "Priority", "Unix group",
                           h("span", { class: "gr-sr-only" }, "Actions")], rows, "No roles yet."));
}

function createDialog() {
    const slug = h("input", { type: "text", class: "gr-input", required: true, autocomplete: "off", name: "slug" });
    const name = h("input", { type: "text", class: "gr-input", autocomplete: "off", name: "name" });
    const desc = h("textarea", { class: "gr-input", rows: "2", name: "description" });
    const prio = h("input", { type: "number", class: "gr-input", name: "priority", step: "1" });
    dialog({
        title: "Create role",
        body: h("div", {},
                field("Slug", slug, "The role's permanent id; its Unix group is named after it."),
                field("Name", name),
                field("Description", desc),
                field("Priority", prio, "Decides which role wins when a user may hold only one.")),
        action: "Create",
        ready: () => slug.value.trim() !== "",
        submit: async () => {
            const args = ["role", "create", slug.value.trim()];
            if (name.value.trim()) args.push("--name", name.value.trim());
            if (desc.value.trim()) args.push("--description", desc.value.trim());
            if (prio.value.trim()) args.push("--priority", prio.value.trim());
            const r = await ctl(args);
            say("Created role " + slug.value.trim() + "." + (r.warning ? " " + r.warning : ""));
            route();
        },
    });
}

/* The slug and the Unix group stay; name, description and priority change. */
function editDialog(r) {
    const name = h("input", { type: "text", class: "gr-input", autocomplete: "off", name: "name", value: r.name || "" });
    const desc = h("textarea", { class: "gr-input", rows: "2", name: "description" });
    desc.value = r.description || "";
    const prio = h("input", { type: "number", class: "gr-input", name: "priority", step: "1", value: String(r.priority) });
    dialog({
        title: "Edit role " + r.slug,
        body: h("div", {},
                h("p", { class: "gr-muted" }, "The slug and the Unix group " + r.unix_group + " (gid " + r.gid + ") stay as they are."),
                field("Name", name),
                field("Description", desc),
                field("Priority", prio, "Decides which role wins when a user may hold only one.")),
        action: "Save",
        submit: async () => {
            const res = await ctl(["role", "update", r.slug, "--name", name.value.trim(),
                                   "--description", desc.value.trim(), "--priority", prio.value.trim()]);
            say("Saved role " + r.slug + "." + (res.warning ? " " + res.warning : ""));
            route();
        },
    });
}

async function deleteDialog(r) {
    let body;
    try {
        /* What the CLI knows about who holds the role, read before asking. */
        const [shown, assignments, groups] = await Promise.all([
            read(["role", "show", r.slug]), read(["assign", "list"]), read(["group", "list"])]);
        const mappings = shown.mappings || [];
        const held = (assignments || []).filter(a => a.role === r.slug);
        const members = m => {
            const g = (groups || []).find(x => x.directory === m.directory && x.displayName === m.group);
            return g ? " \u2014 " + g.members + (g.members === 1 ? " member" : " members") : "";
        };
        body = h("div", { class: "gr-consequences" },
                 h("p", {}, "Deleting " + r.slug + " removes its Unix group " + r.unix_group +
                   " (gid " + r.gid + ", never reused) from every member, with these mappings and assignments:"),
                 h("h3", {}, "Groups that grant it (" + mappings.length + ")"),
                 mappings.length
                     ? h("ul", {}, mappings.map(m => h("li", {}, m.group + " (" + m.directory + "), " +
                                                      (m.scope === "tenant" ? "tenant-wide" : "in organization " + m.organization) +
                                                      members(m))))
                     : h("p", { class: "gr-muted" }, "None."),
                 h("h3", {}, "Resource assignments (" + held.length + ")"),
                 held.length
                     ? h("ul", {}, held.map(a => h("li", {}, a.user + " on " + a.resource)))
                     : h("p", { class: "gr-muted" }, "None."));
    } catch (err) {
        body = problem(err);
    }
    dialog({
        title: "Delete role " + r.slug + "?",
        body,
        action: "Delete",
        danger: true,
        submit: async () => {
            const res = await ctl(["role", "delete", r.slug]);
            say("Deleted role " + r.slug + "." + (res.warning ? " " + res.warning : ""));
            route();
        },
    });
}
