/* SPDX-License-Identifier: MIT */
/*
 * Building the DOM: elements, icons, tables, links and form fields.
 * Directory data (names, descriptions) always goes in as text, never as
 * HTML: h() makes text nodes of strings and sets attributes, nothing else.
 */

export function h(tag, attrs, ...children) {
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

export function button(label, onclick, cls, attrs) {
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
export const trashIcon = () => icon("M6 1h4v1h4v2H2V2h4zM3 5h10l-1 10H4zm3 2v6h1V7zm3 0v6h1V7z");
/* A pencil: tip at the lower left, body up to the right. */
export const editIcon = () => icon("M11 1l4 4-9 9H2v-4zM3 11v2h2z");

/* Seconds since the epoch, as the CLI gives times, in the reader's locale. */
export function when(seconds) {
    return seconds ? new Date(seconds * 1000).toLocaleString() : "never";
}

/* A table with a caption for screen readers; the text "empty" when there are no rows. */
export function table(caption, headers, rows, empty) {
    if (rows.length === 0)
        return h("p", { class: "gr-muted" }, empty);
    return h("table", { class: "gr-table" },
             h("caption", { class: "gr-sr-only" }, caption),
             h("thead", {}, h("tr", {}, headers.map(t => h("th", { scope: "col" }, t)))),
             h("tbody", {}, rows));
}

/* A link to a view of the page: ["groups", DIRECTORY, ID] is #groups/DIRECTORY/ID. */
export function link(label, path, attrs) {
    return h("a", { href: "#" + path.map(encodeURIComponent).join("/"), class: "gr-link", ...attrs }, label);
}

/* A labelled form control; the hint, if any, is read out with it. */
export function field(label, input, hint) {
    const id = "f-" + Math.random().toString(36).slice(2);
    input.id = id;
    const hintId = hint ? id + "-hint" : null;
    if (hintId)
        input.setAttribute("aria-describedby", hintId);
    return h("div", { class: "gr-field" },
             h("label", { for: id }, label), input,
             hint ? h("p", { class: "gr-hint", id: hintId }, hint) : "");
}
