/* SPDX-License-Identifier: MIT */
/*
 * Running grouprolectl.  Every read and every change the page makes is one
 * `grouprolectl --json ...` run as root through cockpit.spawn(...,
 * {superuser: "require"}); this file is the only place that runs it, and
 * turns what it answers into data, a warning, or a CtlError whose message
 * is the CLI's one-line reason.
 *
 * `cockpit` is the global that ../base1/cockpit.js (a classic script loaded
 * before the page's modules) defines.
 */

const CTL = "grouprolectl";

/*
 * kind: "access" (no administrative access), "missing" (grouprolectl is not
 * installed), "nodb" (no database yet), "refused" (the CLI said no),
 * "failed" (anything else: a crash, a lost connection).
 */
export class CtlError extends Error {
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
export function ctl(args, opts) {
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

/* The data alone, for reads. */
export async function read(args, opts) {
    return (await ctl(args, opts)).data;
}
