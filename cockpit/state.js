/* SPDX-License-Identifier: MIT */
/*
 * Which view is shown, and whether the page may act at all.
 *
 * The address names the view: #/groups, #/groups/DIRECTORY/ID, #/users,
 * #/users/DIRECTORY/ID, #/roles, #/orgs, #/assignments, #/policy, #/tokens,
 * #/events (anything else shows the groups).  route() draws the view the
 * address names; go(path) moves to another address, or reads the view
 * afresh when it is the one shown.  The views call route() after a change
 * and go() to move, both from here; the entry (grouprole.js) hands over the
 * views with setViews().  So no view imports another view, or the entry.
 */
import { view, render, problem, accessMessage } from "./page.js";

let views = {};   /* tab name -> its view, e.g. groups: groupsView() */
let details = {}; /* tab name -> the view of one item, e.g. groups: groupView(directory, id) */
let admin = null; /* null until Cockpit says whether we are superuser */

export function setViews(lists, items) {
    views = lists;
    details = items;
}

function current() {
    let path;
    try {
        path = window.location.hash.replace(/^#\/?/, "").split("/").filter(s => s !== "").map(decodeURIComponent);
    } catch (err) { /* a malformed escape such as #/groups/%E0 */
        return ["groups"];
    }
    return Object.hasOwn(views, path[0]) ? path : ["groups"]; /* not #/toString */
}

/* Draw the view the address names; a slower, older one is not drawn over it. */
let generation = 0;
export async function route() {
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
        if (path.length === 3 && Object.hasOwn(details, path[0]))
            drawn = await details[path[0]](path[1], path[2]);
        else
            drawn = await views[path[0]]();
    } catch (err) {
        drawn = [problem(err)];
    }
    if (mine === generation)
        render(...drawn);
}

export function go(path) {
    const hash = "#/" + path.map(encodeURIComponent).join("/");
    if (window.location.hash === hash)
        route(); /* the same view again: read it afresh */
    else
        window.location.hash = hash;
}

/*
 * Cockpit's bridge says whether this session may act as root ("none"
 * while it may not; "init" while it is still finding out).  grouprolectl
 * needs root for every command, so without it the page explains instead.
 */
let superuser = null;
export function watchAccess() {
    superuser = cockpit.dbus(null, { bus: "internal" }).proxy("cockpit.Superuser", "/superuser");
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
}
