/* SPDX-License-Identifier: MIT */
/*
 * grouprole's page in Cockpit; index.html loads this file as a module.
 *
 * Every read and every change is one `grouprolectl --json ...` run as root
 * through cockpit.spawn(..., {superuser: "require"}).  The CLI is the only
 * place where rules live: the page validates nothing itself, shows what the
 * CLI answers, and on a refusal shows the CLI's one-line reason.  Directory
 * data (names, descriptions) is always put in the DOM as text, never as HTML.
 *
 * The files, each imported only by those after it:
 *
 *   ctl.js            running grouprolectl; CtlError and its kinds
 *   dom.js            building elements: h(), buttons, icons, tables, fields
 *   page.js           the view, the status and alert lines; render(), problem()
 *   dialog.js         modal dialogs: focus in, Escape, focus given back
 *   state.js          routing (route, go) and whether we may act as root
 *   views/common.js   what views share: nodes(), the role list, search
 *   views/groups.js, users.js, roles.js, organizations.js, assignments.js,
 *   policy.js, tokens.js, events.js
 *                     one per tab: the view and its dialogs
 *   grouprole.js      this file: the table of views, the tabs, the start
 */
import { say } from "./page.js";
import { setViews, route, go, watchAccess } from "./state.js";
import { groupsView, groupView } from "./views/groups.js";
import { usersView, userView } from "./views/users.js";
import { rolesView } from "./views/roles.js";
import { orgsView } from "./views/organizations.js";
import { assignmentsView } from "./views/assignments.js";
import { policyView } from "./views/policy.js";
import { tokensView } from "./views/tokens.js";
import { eventsView } from "./views/events.js";

/* Each tab's view (by its data-view in index.html), and the views of one group or user. */
setViews({ groups: groupsView, users: usersView, roles: rolesView, orgs: orgsView,
           assignments: assignmentsView, policy: policyView, tokens: tokensView, events: eventsView },
         { groups: groupView, users: userView });

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

watchAccess();
route();
