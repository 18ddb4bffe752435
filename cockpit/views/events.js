/* SPDX-License-Identifier: MIT */
/* Events: the newest of the last week's event log, newest first.  Read-only. */
import { read } from "../ctl.js";
import { h, button, table } from "../dom.js";
import { go } from "../state.js";
import { nodes } from "./common.js";

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
export async function eventsView() {
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
