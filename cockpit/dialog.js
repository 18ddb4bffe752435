/* SPDX-License-Identifier: MIT */
/* Modal dialogs: every form and every confirmation of the page is one. */
import { h } from "./dom.js";
import { problem } from "./page.js";

/*
 * A modal <dialog>: focus moves to the first field, Tab stays inside,
 * Escape cancels, and focus returns to the control that opened it.
 * submit() does the work; a CtlError it throws is shown in the dialog,
 * which stays open.
 *
 *   title, body   the heading and what goes under it (a node)
 *   action        the primary button's label; danger: it destroys something
 *   submit        async; the dialog closes once it resolves
 *   ready         optional: the primary button is enabled while it is true
 *   noCancel      no Cancel button (Escape still closes)
 *   after         optional: runs once the dialog closed after submit()
 */
export function dialog({ title, body, action, danger, submit, ready, noCancel, after }) {
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
