/* SPDX-License-Identifier: MIT */
/*
 * grouprole's page in Cockpit.
 *
 * Every read and every change is one `grouprolectl --json ...` run as root
 * through cockpit.spawn(..., {superuser: "require"}).  The CLI is the only
 * place where rules live: the page validates nothing itself, shows what the
 * CLI answers, and on a refusal shows the CLI's one-line reason.  Directory
 * data (names, descriptions) is always put in the DOM as text, never as HTML.
 */
"use strict";

(function () {
    const CTL = "grouprolectl";

    /* ---- running the CLI ---- */

    /*
     * kind: "access" (no administrative access), "missing" (grouprolectl is not
     * installed), "nodb" (no database yet), "refused" (the CLI said no),
     * "failed" (anything else: a crash, a lost connection).
     */
    class CtlError extends Error {
        constructor(kind, message) {
            super(message);
            this.kind = kind;
        }
    }

    /* The CLI writes each error as one line "grouprolectl: reason". */
    function reason(text) {
        const lines = String(text || "").split("\n").filter(l => l.trim() !== "");
        if (lines.length === 0)
            return "";
        return lines[lines.length - 1].replace(/^grouprolectl: /, "");
    }

    /* One JSON document, or with lines: one per line (grouprolectl events). */
    function parse(out, lines) {
        if (!lines)
            return out && out.trim() ? JSON.parse(out) : null;
        return String(out || "").split("\n").filter(l => l.trim() !== "").map(l => JSON.parse(l));
    }

    /* Resolves to {data, warning}: data is the parsed JSON (null when none). */
    function ctl(args, opts) {
        const lines = !!(opts && opts.lines);
        return new Promise((resolve, reject) => {
            cockpit.spawn([CTL, "--json", ...args], { superuser: "require", err: "message" })
                .then((out, errtext) => {
                    let data = null;
                    try {
                        data = parse(out, lines);
                    } catch (e) {
                        reject(new CtlError("failed", "grouprolectl printed something that is not JSON"));
                        return;
                    }
                    resolve({ data, warning: reason(errtext) });
                })
                .catch(ex => {
                    const why = reason(ex.message);
                    if (ex.problem === "access-denied" || ex.problem === "not-authorized")
                        reject(new CtlError("access", "You do not have administrative access."));
                    else if (ex.problem === "not-found")
                        reject(new CtlError("missing", "grouprolectl is not installed on this host."));
                    else if (ex.problem)
                        reject(new CtlError("failed", cockpit.message(ex)));
                    /* 3: committed, not yet published; the next command publishes it. */
                    else if (ex.exit_status === 3)
                        resolve({ data: null, warning: why });
                    else if (ex.exit_status === 1 && /^no database in /.test(why))
                        reject(new CtlError("nodb", why));
                    else if (ex.exit_status === 1 || ex.exit_status === 2)
                        reject(new CtlError("refused", why || "grouprolectl refused the request."));
                    else
                        reject(new CtlError("failed", why || cockpit.message(ex)));
                });
        });
    }

    async function read(args, opts) {
        return (await ctl(args, opts)).data;
    }

    /* ---- building the DOM ---- */

    function h(tag, attrs, ...children) {
        const el = document.createElement(tag);
        for (const [k, v] of Object.entries(attrs || {})) {
            if (v === undefined || v === null || v === false)
                continue;
            if (k === "text")
                el.textContent = v;
            else if (k === "class")
                el.className = v;
            else if (k.startsWith("on"))
                el.addEventListener(k.slice(2), v);
            else
                el.setAttribute(k, v === true ? "" : v);
        }
        for (const c of children.flat()) {
            if (c === null || c === undefined || c === false)
                continue;
            el.append(c instanceof Node ? c : document.createTextNode(String(c)));
        }
        return el;
    }

    function button(label, onclick, cls, attrs) {
        return h("button", { type: "button", class: "gr-btn " + (cls || "gr-btn-secondary"), onclick, ...attrs }, label);
    }

    const SVG = "http://www.w3.org/2000/svg";
    /* A 16x16 icon drawn by one path; decorative, the button says what it does. */
    function icon(d) {
        const svg = document.createElementNS(SVG, "svg");
        svg.setAttribute("viewBox", "0 0 16 16");
        svg.setAttribute("aria-hidden", "true");
        svg.setAttribute("class", "gr-icon");
        const path = document.createElementNS(SVG, "path");
        path.setAttribute("d", d);
        svg.append(path);
        return svg;
    }

    /* A bin: lid with handle, body with two slots. */
    const trashIcon = () => icon("M6 1h4v1h4v2H2V2h4zM3 5h10l-1 10H4zm3 2v6h1V7zm3 0v6h1V7z");
    /* A pencil: tip at the lower left, body up to the right. */
    const editIcon = () => icon("M11 1l4 4-9 9H2v-4zM3 11v2h2z");

    /* Seconds since the epoch, as the CLI gives times, in the reader's locale. */
    function when(seconds) {
        return seconds ? new Date(seconds * 1000).toLocaleString() : "never";
    }

    function table(caption, headers, rows, empty) {
        if (rows.length === 0)
            return h("p", { class: "gr-muted" }, empty);
        return h("table", { class: "gr-table" },
                 h("caption", { class: "gr-sr-only" }, caption),
                 h("thead", {}, h("tr", {}, headers.map(t => h("th", { scope: "col" }, t)))),
                 h("tbody", {}, rows));
    }

    function link(label, path, attrs) {
        return h("a", { href: "#" + path.map(encodeURIComponent).join("/"), class: "gr-link", ...attrs }, label);
    }

    const view = document.getElementById("view");
    const statusLine = document.getElementById("status");

    const alertLine = document.getElementById("alert");

    function say(text) {
        alertLine.replaceChildren();
        statusLine.textContent = text;
    }

    /* A change made outside a dialog failed: say why above the view. */
    function fail(err) {
        statusLine.textContent = "";
        alertLine.replaceChildren(problem(err));
    }

    /* What a view returns: route() draws it unless a newer view started meanwhile. */
    function nodes(...list) {
        return list;
    }

    /*
     * Draw a view.  Focus that was inside the old view goes to the same
     * control in the new one (found by id, or by its data-role and class),
     * or else to the view itself, never back to the top of the document.
     */
    function render(...nodes) {
        const active = document.activeElement;
        const hadFocus = view.contains(active);
        let same = null;
        if (active && active !== view && view.contains(active)) {
            if (active.id)
                same = "#" + CSS.escape(active.id);
            else if (active.dataset.role)
                same = "." + CSS.escape(active.classList[active.classList.length - 1]) +
                    "[data-role='" + CSS.escape(active.dataset.role) + "']";
        }
        view.replaceChildren(...nodes.filter(n => n !== null && n !== undefined));
        view.setAttribute("aria-busy", "false");
        if (hadFocus && !document.querySelector("dialog[open]")) {
            const target = same && view.querySelector(same);
            (target || view).focus({ preventScroll: !target });
        }
    }

    /* An error from the CLI shown in place of a view or inside a dialog. */
    function problem(err) {
        if (!(err instanceof CtlError))
            err = new CtlError("failed", String(err && err.message ? err.message : err));
        if (err.kind === "access")
            return accessMessage();
        if (err.kind === "nodb")
            return h("div", { class: "gr-alert gr-alert-info", role: "alert" },
                     h("strong", {}, "There is no grouprole database on this host yet."),
                     h("p", {}, "Create a directory or a role to start one (grouprolectl directory create NAME, " +
                       "or Create role under Roles)."),
                     h("p", { class: "gr-cli" }, err.message));
        if (err.kind === "missing")
            return h("div", { class: "gr-alert gr-alert-danger", role: "alert" }, err.message);
        return h("div", { class: "gr-alert gr-alert-danger", role: "alert" },
                 h("strong", {}, err.kind === "refused" ? "Refused: " : "Failed: "), err.message);
    }

    function accessMessage() {
        return h("div", { class: "gr-alert gr-alert-warning gr-access", role: "alert" },
                 h("strong", {}, "You need administrative access to manage group roles."),
                 h("p", {}, "grouprole's database belongs to root. Switch to administrative access with the " +
                   "\u201cLimited access\u201d button at the top of Cockpit, or ask an administrator for sudo rights on this host."));
    }

    /* ---- dialogs ---- */

    /*
     * A modal <dialog>: focus moves to the first field, Tab stays inside,
     * Escape cancels, and focus returns to the control that opened it.
     * submit() does the work; a CtlError it throws is shown in the dialog,
     * which stays open.
     */
    function dialog({ title, body, action, danger, submit, ready, noCancel, after }) {
        const opener = document.activeElement;
        const titleId = "dlg-title-" + Math.random().toString(36).slice(2);
        const errors = h("div", { class: "gr-dialog-errors", "aria-live": "assertive" });
        const primary = h("button", { type: "submit", class: "gr-btn " + (danger ? "gr-btn-danger" : "gr-btn-primary") }, action);
        const cancel = h("button", { type: "button", class: "gr-btn gr-btn-secondary", value: "cancel" }, "Cancel");
        const form = h("form", { method: "dialog", class: "gr-dialog-form" },
                       h("h2", { id: titleId }, title), body, errors,
                       h("div", { class: "gr-dialog-actions" }, primary, noCancel ? null : cancel));
        const dlg = h("dialog", { class: "gr-dialog", "aria-labelledby": titleId }, form);

        function close() {
            dlg.close();
            dlg.remove();
            /* The view may have been drawn again meanwhile: the same control, by id. */
            const back = opener && (document.contains(opener) ? opener
                : opener.id && document.getElementById(opener.id));
            if (back)
                back.focus();
        }
        cancel.addEventListener("click", close);
        dlg.addEventListener("cancel", ev => {
            ev.preventDefault();
            close();
        });
        form.addEventListener("submit", async ev => {
            ev.preventDefault();
            if (primary.disabled)
                return;
            primary.disabled = true;
            dlg.setAttribute("aria-busy", "true");
            errors.replaceChildren();
            try {
                await submit();
                close();
                if (after)
                    after();
            } catch (err) {
                errors.replaceChildren(problem(err));
                primary.disabled = !!(ready && !ready());
                dlg.setAttribute("aria-busy", "false");
            }
        });
        if (ready) {
            const update = () => { primary.disabled = !ready() };
            form.addEventListener("input", update);
            form.addEventListener("change", update);
            update();
        }
        document.body.append(dlg);
        dlg.showModal();
        const first = form.querySelector("input, select, textarea") || primary;
        first.focus();
        return dlg;
    }

    function field(label, input, hint) {
        const id = "f-" + Math.random().toString(36).slice(2);
        input.id = id;
        const hintId = hint ? id + "-hint" : null;
        if (hintId)
            input.setAttribute("aria-describedby", hintId);
        return h("div", { class: "gr-field" },
                 h("label", { for: id }, label), input,
                 hint ? h("p", { class: "gr-hint", id: hintId }, hint) : "");
    }

    /* ---- the views ---- */

    let roleCache = null;
    async function roles(fresh) {
        if (!roleCache || fresh)
            roleCache = (await read(["role", "list"])) || [];
        return roleCache;
    }

    function roleName(list, slug) {
        const r = list.find(x => x.slug === slug);
        return r && r.name && r.name !== slug ? r.name : "";
    }

    function matches(query, ...fields) {
        const q = query.trim().toLowerCase();
        return q === "" || fields.some(f => String(f || "").toLowerCase().includes(q));
    }

    /* A search box over a list already read from the CLI. */
    function searchable(label, placeholder, rowsFor, all, caption, headers, empty) {
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

    async function groupsView() {
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

    async function groupView(directory, id) {
        const [g, all] = await Promise.all([read(["group", "show", "--directory", directory, id]), roles()]);
        const name = g.displayName;
        const tenant = g.tenant_roles || [];

        const rows = tenant.map(slug => h("tr", {},
                                          h("td", {}, h("code", {}, slug)),
                                          h("td", {}, roleName(all, slug)),
                                          h("td", { class: "gr-actions" },
                                            h("button", {
                                                type: "button",
                                                class: "gr-btn gr-btn-plain gr-remove",
                                                "aria-label": "Remove role " + slug,
                                                title: "Remove role " + slug,
                                                "data-role": slug,
                                                onclick: () => confirmRemove(g, slug),
                                            }, trashIcon()))));
        const orgs = Object.entries(g.organization_roles || {});
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
                 h("h3", { id: "sec-org" }, "Roles per organization"),
                 table("Organization roles of " + name, ["Organization", "Roles"],
                       orgs.map(([org, list]) => h("tr", {}, h("td", {}, org), h("td", {}, list.join(", ")))),
                       "No organization roles.")),
               h("section", { "aria-labelledby": "sec-members" },
                 h("h3", { id: "sec-members" }, "Members (" + (g.members || []).length + ")"),
                 (g.members || []).length
                     ? h("ul", { class: "gr-members" }, g.members.map(m => h("li", {}, m)))
                     : h("p", { class: "gr-muted" }, "No members.")));
    }

    function assignDialog(g, all) {
        const held = new Set(g.tenant_roles || []);
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
        draw();
        picked.textContent = "0 selected";
        dialog({
            title: "Assign roles to " + g.displayName,
            body: h("div", {}, field("Search roles", search), list, picked),
            action: "Assign",
            ready: () => chosen.size > 0,
            submit: async () => {
                const slugs = [...chosen];
                /* One command: the CLI assigns them all in one transaction, or none. */
                const r = await ctl(["group", "roles", "assign", "--directory", g.directory, g.id, ...slugs]);
                say("Assigned " + slugs.join(", ") + " to " + g.displayName + "." + (r.warning ? " " + r.warning : ""));
                route();
            },
        });
    }

    function confirmRemove(g, slug) {
        dialog({
            title: "Remove role " + slug + "?",
            body: h("p", {}, "Members of " + g.displayName + " lose " + slug +
                    " unless another source grants it. New logins and lookups see the change at once; running sessions keep their groups."),
            action: "Remove",
            danger: true,
            submit: async () => {
                const r = await ctl(["group", "roles", "remove", "--directory", g.directory, g.id, slug]);
                say("Removed " + slug + " from " + g.displayName + "." + (r.warning ? " " + r.warning : ""));
                route();
            },
        });
    }

    async function usersView() {
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

    async function userView(directory, id) {
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

    async function rolesView() {
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

    async function orgsView() {
        const orgs = (await read(["org", "list"])) || [];
        return nodes(h("h2", {}, "Organizations"),
                     orgs.length === 0 ? h("p", { class: "gr-muted" }, "No organizations yet (grouprolectl org create ORG).") : "",
                     ...orgs.map(o => {
                         const conns = Object.entries(o.connections || {});
                         return h("section", { class: "gr-org", "aria-label": "Organization " + o.name },
                                  h("h3", {}, o.name),
                                  h("p", { class: "gr-muted" }, o.members + (o.members === 1 ? " explicit member" : " explicit members")),
                                  table("Connections of " + o.name, ["Directory", "Auto-membership"],
                                        conns.map(([dir, c]) => h("tr", {},
                                                                  h("td", {}, dir),
                                                                  h("td", {}, autoSwitch(o.name, dir, !!c.auto_membership)))),
                                        "Not connected to any directory."));
                     }));
    }

    /*
     * Auto-membership on a connection: with it on, every user of the
     * directory belongs to the organization and its group roles apply.
     */
    function autoSwitch(org, dir, on) {
        const sw = h("button", {
            type: "button",
            role: "switch",
            id: "auto-membership:" + org + ":" + dir, /* keeps the focus when the view is drawn again */
            class: "gr-switch",
            "aria-checked": on ? "true" : "false",
            "aria-label": "Auto-membership for " + dir + " in " + org,
            "data-org": org,
            "data-directory": dir,
        }, h("span", { class: "gr-switch-track", "aria-hidden": "true" }), h("span", {}, on ? "On" : "Off"));
        sw.addEventListener("click", async () => {
            /* Not .disabled: that would take the focus away from the switch. */
            if (sw.getAttribute("aria-disabled") === "true")
                return;
            sw.setAttribute("aria-disabled", "true");
            try {
                const r = await ctl(["org", "connection", "enable", org, dir, "--auto-membership", on ? "off" : "on"]);
                say("Auto-membership for " + dir + " in " + org + " is " + (on ? "off" : "on") + "." +
                    (r.warning ? " " + r.warning : ""));
                route();
            } catch (err) {
                sw.removeAttribute("aria-disabled");
                fail(err);
            }
        });
        return sw;
    }

    /* ---- SCIM tokens ---- */

    /* Each directory's SCIM tokens: ids, dates and descriptions, never a secret. */
    async function tokensView() {
        const [dirs, tokens] = await Promise.all([read(["directory", "list"]), read(["token", "list"])]);
        return nodes(h("h2", {}, "SCIM tokens"),
                     h("p", { class: "gr-muted" }, "An identity provider presents one of its directory's tokens with every SCIM push. " +
                       "Only a hash is stored: a token's secret is shown once, when it is created."),
                     (dirs || []).length === 0 ? h("p", { class: "gr-muted" }, "No directories yet (grouprolectl directory create NAME).") : "",
                     ...(dirs || []).map(dir => {
                         const mine = (tokens || []).filter(t => t.kind === "scim" && t.directory === dir.name);
                         const rows = mine.map(t => h("tr", {},
                                                      h("td", {}, h("code", {}, t.id)),
                                                      h("td", {}, t.description || ""),
                                                      h("td", {}, when(t.created)),
                                                      h("td", {}, when(t.expires)),
                                                      h("td", { class: "gr-actions" },
                                                        h("button", {
                                                            type: "button",
                                                            class: "gr-btn gr-btn-plain gr-revoke",
                                                            "aria-label": "Revoke token " + t.id,
                                                            title: "Revoke token " + t.id,
                                                            "data-token": t.id,
                                                            onclick: () => revokeDialog(dir.name, t),
                                                        }, trashIcon()))));
                         return h("section", { class: "gr-org", "aria-label": "Tokens of directory " + dir.name },
                                  h("div", { class: "gr-section-head" },
                                    h("h3", {}, dir.name),
                                    button("Create token", () => tokenDialog(dir.name), "gr-btn-primary",
                                           { id: "create-token:" + dir.name, "data-directory": dir.name })),
                                  table("SCIM tokens of " + dir.name, ["Id", "Description", "Created", "Expires",
                                                                       h("span", { class: "gr-sr-only" }, "Actions")],
                                        rows, "No tokens: this directory cannot push over SCIM."));
                     }));
    }

    function tokenDialog(dir) {
        const desc = h("input", { type: "text", class: "gr-input", autocomplete: "off", name: "description" });
        const expires = h("input", { type: "text", class: "gr-input", autocomplete: "off", name: "expires", placeholder: "never" });
        let created = null;
        dialog({
            title: "Create a SCIM token for " + dir,
            body: h("div", {},
                    field("Description", desc, "Where the token goes, e.g. the identity provider's name."),
                    field("Expires", expires, "YYYY-MM-DD, RFC 3339 (2027-01-31T12:00:00Z) or +90d; empty: never.")),
            action: "Create",
            submit: async () => {
                const args = ["token", "create", "--directory", dir];
                if (desc.value.trim()) args.push("--description", desc.value.trim());
                if (expires.value.trim()) args.push("--expires", expires.value.trim());
                const r = await ctl(args);
                if (!r.data || !r.data.token) {
                    route();
                    throw new CtlError("failed", "grouprolectl printed no token; see the list, and revoke what you cannot use." +
                                       (r.warning ? " " + r.warning : ""));
                }
                created = r.data;
                say("Created token " + created.id + " for " + dir + "." + (r.warning ? " " + r.warning : ""));
                route();
            },
            after: () => secretDialog(dir, created),
        });
    }

    /* The secret, once: it lives only in this dialog, which is removed on closing. */
    function secretDialog(dir, created) {
        const secret = h("input", { type: "text", class: "gr-input gr-secret", readonly: true, name: "secret",
                                    value: created.token, spellcheck: "false" });
        const copied = h("p", { class: "gr-hint", "aria-live": "polite" });
        secret.addEventListener("focus", () => secret.select());
        async function copy() {
            secret.focus();
            secret.select();
            try {
                if (!navigator.clipboard || !navigator.clipboard.writeText)
                    throw new Error("no clipboard");
                await navigator.clipboard.writeText(secret.value);
                copied.textContent = "Copied.";
            } catch (e) {
                copied.textContent = "The token is selected: press Ctrl+C to copy it.";
            }
        }
        dialog({
            title: "Token " + created.id + " for " + dir,
            body: h("div", {},
                    h("p", {}, "Copy the token now and give it to the identity provider. It is not shown again: " +
                      "grouprole keeps only its hash."),
                    field("Token", secret),
                    h("div", { class: "gr-toolbar" }, button("Copy", copy, "gr-btn-secondary", { id: "copy-token" })),
                    copied),
            action: "Done",
            noCancel: true,
            submit: async () => {},
        });
    }

    function revokeDialog(dir, t) {
        dialog({
            title: "Revoke token " + t.id + "?",
            body: h("p", {}, "The next SCIM push from " + dir + " that presents this token" +
                    (t.description ? " (" + t.description + ")" : "") + " is refused. This cannot be undone."),
            action: "Revoke",
            danger: true,
            submit: async () => {
                const r = await ctl(["token", "revoke", t.id]);
                say("Revoked token " + t.id + "." + (r.warning ? " " + r.warning : ""));
                route();
            },
        });
    }

    /* ---- the event log ---- */

    const EVENTS_SHOWN = 100;
    const EVENT_PREFIX = "org.grouprole.";

    function eventDetails(ev) {
        const d = ev.data || {};
        const parts = [];
        if (d.displayName) parts.push("group " + d.displayName);
        if (d.userName) parts.push("user " + d.userName);
        if (d.login) parts.push("login " + d.login);
        if (d.organization) parts.push("organization " + d.organization);
        for (const k of ["roles", "added", "removed", "changes"])
            if (Array.isArray(d[k]) && d[k].length) parts.push(k + " " + d[k].join(", "));
        return parts.join("; ");
    }

    /* Read-only: the newest events of the last week, newest first. */
    async function eventsView() {
        const all = (await read(["events", "--since", "-7d"], { lines: true })) || [];
        const newest = all.slice(-EVENTS_SHOWN).reverse();
        const rows = newest.map(ev => h("tr", { class: "gr-event" },
                                        h("td", {}, ev.time ? new Date(ev.time).toLocaleString() : ""),
                                        h("td", {}, h("code", {}, String(ev.type || "").replace(EVENT_PREFIX, ""))),
                                        h("td", {}, ev.subject || ""),
                                        h("td", {}, eventDetails(ev))));
        return nodes(h("div", { class: "gr-section-head" },
                       h("h2", {}, "Events"),
                       button("Refresh", () => go(["events"]), "gr-btn-secondary", { id: "refresh-events" })),
                     h("p", { class: "gr-muted" }, all.length > EVENTS_SHOWN
                         ? "The newest " + EVENTS_SHOWN + " of " + all.length + " events of the last 7 days (grouprolectl events)."
                         : all.length + (all.length === 1 ? " event" : " events") + " in the last 7 days (grouprolectl events)."),
                     table("Recent events, newest first", ["Time", "Type", "Subject", "Details"], rows,
                           "No events in the last 7 days."));
    }

    /* ---- resource assignments ---- */

    /* Roles granted to one user on a resource (host:NAME, hostgroup:NAME), whatever the directory says. */
    async function assignmentsView() {
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

    /* ---- policy ---- */

    async function policyView() {
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
        const sw = h("button", {
            type: "button",
            role: "switch",
            id: "policy-multiple-roles",
            class: "gr-switch",
            "aria-checked": on ? "true" : "false",
            "aria-label": "Multiple roles",
        }, h("span", { class: "gr-switch-track", "aria-hidden": "true" }), h("span", {}, on ? "On" : "Off"));
        sw.addEventListener("click", async () => {
            if (sw.getAttribute("aria-disabled") === "true")
                return;
            sw.setAttribute("aria-disabled", "true");
            try {
                const r = await ctl(["policy", "set", "multiple-roles", on ? "off" : "on"]);
                say("Multiple roles are " + (on ? "off" : "on") + "." + (r.warning ? " " + r.warning : ""));
                route();
            } catch (err) {
                sw.removeAttribute("aria-disabled");
                fail(err);
            }
        });
        return sw;
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

    /* ---- navigation and access ---- */

    const views = { groups: groupsView, users: usersView, roles: rolesView, orgs: orgsView,
                    assignments: assignmentsView, policy: policyView, tokens: tokensView, events: eventsView };
    let admin = null; /* null until Cockpit says whether we are superuser */

    function current() {
        const path = window.location.hash.replace(/^#\/?/, "").split("/").filter(s => s !== "").map(decodeURIComponent);
        return views[path[0]] ? path : ["groups"];
    }

    let generation = 0;
    async function route() {
        const path = current();
        const mine = ++generation;
        for (const tab of document.querySelectorAll("[role=tab]")) {
            const on = tab.dataset.view === path[0];
            tab.setAttribute("aria-selected", on ? "true" : "false");
            tab.tabIndex = on ? 0 : -1;
        }
        view.setAttribute("aria-labelledby", "tab-" + path[0]);
        if (admin === null)
            return;
        if (admin === false) {
            render(accessMessage());
            return;
        }
        view.setAttribute("aria-busy", "true");
        let drawn;
        try {
            if (path[0] === "groups" && path.length === 3)
                drawn = await groupView(path[1], path[2]);
            else if (path[0] === "users" && path.length === 3)
                drawn = await userView(path[1], path[2]);
            else
                drawn = await views[path[0]]();
        } catch (err) {
            drawn = [problem(err)];
        }
        if (mine === generation)
            render(...drawn);
    }

    function go(path) {
        const hash = "#/" + path.map(encodeURIComponent).join("/");
        if (window.location.hash === hash)
            route(); /* the same view again: read it afresh */
        else
            window.location.hash = hash;
    }

    const tabs = [...document.querySelectorAll("[role=tab]")];
    for (const tab of tabs) {
        tab.addEventListener("click", () => go([tab.dataset.view]));
        /* Arrow keys move between tabs, as in any tab list. */
        tab.addEventListener("keydown", ev => {
            const i = tabs.indexOf(tab);
            const next = ev.key === "ArrowRight" ? tabs[(i + 1) % tabs.length]
                : ev.key === "ArrowLeft" ? tabs[(i + tabs.length - 1) % tabs.length] : null;
            if (next) {
                ev.preventDefault();
                next.focus();
                go([next.dataset.view]);
            }
        });
    }
    window.addEventListener("hashchange", () => {
        say("");
        route();
    });

    /*
     * Cockpit's bridge says whether this session may act as root ("none"
     * while it may not; "init" while it is still finding out).  grouprolectl
     * needs root for every command, so without it the page explains instead.
     */
    const superuser = cockpit.dbus(null, { bus: "internal" }).proxy("cockpit.Superuser", "/superuser");
    function access() {
        const cur = superuser.Current;
        const was = admin;
        if (cur === undefined || cur === "init")
            return;
        admin = cur !== "none";
        if (was !== admin)
            route();
    }
    superuser.addEventListener("changed", access);
    superuser.wait(() => {
        if (!superuser.valid) {
            /* An older bridge without the interface: let the commands tell. */
            admin = true;
            route();
            return;
        }
        access();
    });
    route();
}());
