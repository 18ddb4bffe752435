/* SPDX-License-Identifier: MIT */
/*
 * Users: the list of every directory's users, and one user's page with the
 * user's groups, organization and roles on this host, each with where it
 * comes from.  Read-only.
 */
import { read } from "../ctl.js";
import { h, table, link } from "../dom.js";
import { nodes, matches, searchable } from "./common.js";

export async function usersView() {
    const users = (await read(["user", "list"])) || [];
    return nodes(h("h2", {}, "Users"),
           ...searchable("Search users", "Login, userName or id", {
               match: (q, u) => matches(q, u.login, u.userName, u.id, u.externalId),
               row: u => h("tr", {},
                           h("td", {}, link(u.login || u.userName, ["users", u.directory, u.id])),
                           h("td", {}, u.userName),
                           h("td", {}, u.directory),
                           h("td", {}, u.active ? "active" : "inactive"),
                           h("td", { class: "gr-num" }, String(u.groups))),
           }, users, "Users from every directory",
                         ["Login", "userName", "Directory", "Status", "Groups"], "No users yet."));
}

function source(f) {
    switch (f.source) {
    case "group": return "group " + f.group;
    case "organization": return "group " + f.group + " in organization " + f.organization;
    case "attribute": return "attribute " + f.attribute + (f.value ? " = " + f.value : "");
    case "default": return "the default role";
    case "assignment":
        return "assignment on " + f.resource +
            (f.expires ? " until " + new Date(f.expires * 1000).toLocaleString() : "");
    default: return f.source;
    }
}

export async function userView(directory, id) {
    const u = await read(["user", "show", "--directory", directory, id]);
    const roleRows = (u.roles || []).map(r => h("tr", {},
                                                h("td", {}, h("code", {}, r.slug)),
                                                h("td", {}, r.unix_group + " (" + r.gid + ")"),
                                                h("td", {}, h("ul", { class: "gr-plain" }, (r.from || []).map(f => h("li", {}, source(f)))))));
    /* The same four cases as the CLI's text form of user show. */
    let org;
    if (!u.organization)
        org = "This host serves no organization.";
    else if (!u.organization_member)
        org = u.organization + " (not a member)";
    else if (u.organization_roles)
        org = u.organization + (u.organization_explicit_member ? " (explicit member, auto-membership on)"
            : " (member by auto-membership)");
    else
        org = u.organization + " (explicit member; its group roles need auto-membership on its connection to " +
            u.directory + ")";
    return nodes(h("p", {}, link("\u2190 All users", ["users"])),
           h("h2", {}, "User ", h("span", { class: "gr-name" }, u.login || u.userName)),
           h("dl", { class: "gr-facts" },
             h("dt", {}, "userName"), h("dd", {}, u.userName),
             h("dt", {}, "Directory"), h("dd", {}, u.directory),
             h("dt", {}, "Status"), h("dd", {}, u.active ? "active" : "inactive"),
             h("dt", {}, "Organization"), h("dd", {}, org)),
           h("section", { "aria-labelledby": "sec-ugroups" },
             h("h3", { id: "sec-ugroups" }, "Groups"),
             (u.groups || []).length
                 ? h("ul", { class: "gr-members" }, u.groups.map(gr => h("li", {}, link(gr.name, ["groups", u.directory, gr.id]))))
                 : h("p", { class: "gr-muted" }, "In no group.")),
           h("section", { "aria-labelledby": "sec-uroles" },
             h("h3", { id: "sec-uroles" }, "Roles on this host"),
             table("Effective roles of " + (u.login || u.userName), ["Role", "Unix group", "From"], roleRows,
                   "No roles on this host.")));
}
