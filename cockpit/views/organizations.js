/* SPDX-License-Identifier: MIT */
/*
 * Organizations: each with its connections to directories, and a switch
 * for auto-membership on each connection.
 */
import { ctl, read } from "../ctl.js";
import { h, table } from "../dom.js";
import { say, fail } from "../page.js";
import { route } from "../state.js";
import { nodes } from "./common.js";

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
