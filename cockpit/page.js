/* SPDX-License-Identifier: MIT */
/*
 * The page's three fixed places (index.html): the view (<main id="view">),
 * the status line above it for what a change did, and the alert line for
 * a change that failed outside a dialog.  render() draws a view, problem()
 * turns a CtlError into the message shown in place of a view or in a dialog.
 */
import { CtlError } from "./ctl.js";
import { h } from "./dom.js";

export const view = document.getElementById("view");
const statusLine = document.getElementById("status");
const alertLine = document.getElementById("alert");

/* What a change did, in the status line; a failure shown before goes away. */
export function say(text) {
    alertLine.replaceChildren();
    statusLine.textContent = text;
}

/* A change made outside a dialog failed: say why above the view. */
export function fail(err) {
    statusLine.textContent = "";
    alertLine.replaceChildren(problem(err));
}

/*
 * Draw a view.  Focus that was inside the old view goes to the same
 * control in the new one (found by id, or by its data-role and class),
 * or else to the view itself, never back to the top of the document.
 */
export function render(...nodes) {
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
export function problem(err) {
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

/* Instead of every view while this session may not act as root. */
export function accessMessage() {
    return h("div", { class: "gr-alert gr-alert-warning gr-access", role: "alert" },
             h("strong", {}, "You need administrative access to manage group roles."),
             h("p", {}, "grouprole's database belongs to root. Switch to administrative access with the " +
               "\u201cLimited access\u201d button at the top of Cockpit, or ask an administrator for sudo rights on this host."));
}
