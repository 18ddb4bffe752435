/* SPDX-License-Identifier: MIT */
/*
 * Organizations: each with its connections to directories, and a switch
 * for auto-membership on each connection.
 */
import { read } from "../ctl.js";
import { h, table } from "../dom.js";
import { nodes, toggleSwitch } from "./common.js";

export async function orgsView() {
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
    const where = dir + " in " + org;
    return toggleSwitch("auto-membership:" + org + ":" + dir, "Auto-membership for " + where, on,
                        { "data-org": org, "data-directory": dir },
                        next => ["org", "connection", "enable", org, dir, "--auto-membership", next ? "on" : "off"],
                        next => "Auto-membership for " + where + " is " + (next ? "on" : "off") + ".");
}
