/* SPDX-License-Identifier: MIT */
/*
 * SCIM tokens, per directory: the list, create one (its secret is shown
 * once, in a dialog of its own), revoke one.
 */
import { CtlError, ctl, read } from "../ctl.js";
import { h, button, trashIcon, when, table, field } from "../dom.js";
import { say } from "../page.js";
import { dialog } from "../dialog.js";
import { route } from "../state.js";
import { nodes } from "./common.js";

/* Each directory's SCIM tokens: ids, dates and descriptions, never a secret. */
export async function tokensView() {
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
