/* SPDX-License-Identifier: MIT */
/*
 * Groups: the list of every directory's groups, and one group's page with
 * its tenant roles and its roles per organization (for each: assign several
 * at once, remove one) and its members.
 */
import { ctl, read } from "../ctl.js";
import { h, button, trashIcon, table, link, field } from "../dom.js";
import { say } from "../page.js";
import { dialog } from "../dialog.js";
import { route } from "../state.js";
import { nodes, roles, roleName, matches, searchable } from "./common.js";

export async function groupsView() {
    const groups = (await read(["group", "list"])) || [];
    return nodes(h("h2", {}, "Groups"),
           ...searchable("Search groups", "Name, id or directory", {
               match: (q, g) => matches(q, g.displayName, g.id, g.directory),
               row: g => h("tr", {},
                           h("td", {}, link(g.displayName, ["groups", g.directory, g.id])),
                           h("td", {}, g.directory),
                           h("td", { class: "gr-num" }, String(g.members)),
                           h("td", {}, (g.roles || []).join(", ") || "\u2014")),
           }, groups, "Groups from every directory",
                         ["Group", "Directory", "Members", "Tenant roles"],
                         "No groups yet: identity providers push them over SCIM, or grouprolectl import loads them."));
}

/* The trash button of one role: tenant-wide, or in organization ORG. */
function removeButton(g, slug, org) {
    const what = "Remove role " + slug + (org ? " in organization " + org : "");
    return h("button", {
        type: "button",
        class: "gr-btn gr-btn-plain " + (org ? "gr-remove-org" : "gr-remove"),
        "aria-label": what,
        title: what,
        "data-role": slug,
        "data-org": org,
        onclick: () => confirmRemove(g, slug, org),
    }, trashIcon());
}

export async function groupView(directory, id) {
    const [g, all, orgList] = await Promise.all([read(["group", "show", "--directory", directory, id]), roles(),
                                                 read(["org", "list"])]);
    const name = g.displayName;
    const tenant = g.tenant_roles || [];
    const orgNames = (orgList || []).map(o => o.name);

    const rows = tenant.map(slug => h("tr", {},
                                      h("td", {}, h("code", {}, slug)),
                                      h("td", {}, roleName(all, slug)),
                                      h("td", { class: "gr-actions" }, removeButton(g, slug))));
    const orgRows = Object.entries(g.organization_roles || {}).flatMap(([org, list]) =>
        list.map(slug => h("tr", {},
                           h("td", {}, org),
                           h("td", {}, h("code", {}, slug)),
                           h("td", {}, roleName(all, slug)),
                           h("td", { class: "gr-actions" }, removeButton(g, slug, org)))));
    return nodes(h("p", {}, link("\u2190 All groups", ["groups"])),
           h("h2", {}, "Group ", h("span", { class: "gr-name" }, name)),
           h("p", { class: "gr-muted" }, "Directory " + g.directory + " \u00b7 id " + g.id),
           h("section", { "aria-labelledby": "sec-roles" },
             h("div", { class: "gr-section-head" },
               h("h3", { id: "sec-roles" }, "Roles"),
               button("Assign roles", () => assignDialog(g, all), "gr-btn-primary", { id: "assign-roles" })),
             table("Tenant roles of " + name, ["Role", "Name", h("span", { class: "gr-sr-only" }, "Actions")], rows,
                   "This group has no tenant roles.")),
           h("section", { "aria-labelledby": "sec-org" },
             h("div", { class: "gr-section-head" },
               h("h3", { id: "sec-org" }, "Roles per organization"),
               orgNames.length
                   ? button("Assign organization roles", () => assignDialog(g, all, orgNames), "", { id: "assign-org-roles" })
                   : ""),
             table("Organization roles of " + name,
                   ["Organization", "Role", "Name", h("span", { class: "gr-sr-only" }, "Actions")], orgRows,
                   orgNames.length ? "No organization roles." : "No organizations yet: create one with grouprolectl org create.")),
           h("section", { "aria-labelledby": "sec-members" },
             h("h3", { id: "sec-members" }, "Members (" + (g.members || []).length + ")"),
             (g.members || []).length
                 ? h("ul", { class: "gr-members" }, g.members.map(m => h("li", {}, m)))
                 : h("p", { class: "gr-muted" }, "No members.")));
}

/*
 * Assign roles to group G: tenant-wide, or -- given ORGS, the organizations'
 * names -- in the organization chosen in the dialog.
 */
function assignDialog(g, all, orgs) {
    const orgSelect = orgs ? h("select", { class: "gr-input", name: "organization" },
                               orgs.map(o => h("option", { value: o }, o))) : null;
    const heldNow = () => new Set(orgSelect ? (g.organization_roles || {})[orgSelect.value] || [] : g.tenant_roles || []);
    let held = heldNow();
    const chosen = new Set();
    const search = h("input", { type: "search", class: "gr-input", autocomplete: "off", placeholder: "Slug or name" });
    const list = h("div", { class: "gr-choices", role: "group", "aria-label": "Roles" });
    const picked = h("p", { class: "gr-muted", "aria-live": "polite" });

    function draw() {
        const shown = all.filter(r => matches(search.value, r.slug, r.name, r.description));
        list.replaceChildren(...shown.map(r => {
            const box = h("input", {
                type: "checkbox",
                value: r.slug,
                checked: chosen.has(r.slug) || held.has(r.slug),
                disabled: held.has(r.slug),
            });
            box.addEventListener("change", () => {
                if (box.checked) chosen.add(r.slug); else chosen.delete(r.slug);
                picked.textContent = chosen.size + " selected";
            });
            return h("label", { class: "gr-choice" }, box,
                     h("span", {}, h("code", {}, r.slug), " ", r.name && r.name !== r.slug ? r.name : ""),
                     held.has(r.slug) ? h("span", { class: "gr-muted" }, " (already assigned)") : "",
                     r.description ? h("span", { class: "gr-hint" }, r.description) : "");
        }));
        if (shown.length === 0)
            list.append(h("p", { class: "gr-muted" }, all.length ? "No role matches." : "There are no roles yet: create one under Roles."));
    }
    search.addEventListener("input", draw);
    if (orgSelect)
        orgSelect.addEventListener("change", () => {
            /* Another organization holds other roles: start the choice again. */
            held = heldNow();
            chosen.clear();
            picked.textContent = "0 selected";
            draw();
        });
    draw();
    picked.textContent = "0 selected";
    dialog({
        title: (orgs ? "Assign organization roles to " : "Assign roles to ") + g.displayName,
        body: h("div", {}, orgSelect ? field("Organization", orgSelect) : "", field("Search roles", search), list, picked),
        action: "Assign",
        ready: () => chosen.size > 0,
        submit: async () => {
            const slugs = [...chosen];
            const org = orgSelect ? orgSelect.value : null;
            /* One command: the CLI assigns them all in one transaction, or none. */
            const r = await ctl(org
                ? ["org", "group", "roles", "assign", org, "--directory", g.directory, g.id, ...slugs]
                : ["group", "roles", "assign", "--directory", g.directory, g.id, ...slugs]);
            say("Assigned " + slugs.join(", ") + " to " + g.displayName + (org ? " in " + org : "") + "." +
                (r.warning ? " " + r.warning : ""));
            route();
        },
    });
}

function confirmRemove(g, slug, org) {
    const where = org ? " in organization " + org : "";
    dialog({
        title: "Remove role " + slug + where + "?",
        body: h("p", {}, "Members of " + g.displayName + " lose " + slug + where +
                " unless another source grants it. New logins and lookups see the change at once; running sessions keep their groups."),
        action: "Remove",
        danger: true,
        submit: async () => {
            const r = await ctl(org
                ? ["org", "group", "roles", "remove", org, "--directory", g.directory, g.id, slug]
                : ["group", "roles", "remove", "--directory", g.directory, g.id, slug]);
            say("Removed " + slug + where + " from " + g.displayName + "." + (r.warning ? " " + r.warning : ""));
            route();
        },
    });
}
