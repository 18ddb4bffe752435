// SPDX-License-Identifier: MIT
// Parse and link the Cockpit page's ES modules without running them:
//
//   node --experimental-vm-modules --no-warnings tests/console/modules.mjs cockpit/grouprole.js
//
// Fails on a syntax error, an import of a file that is not there, an import
// of a name the module does not export, an import that is not a relative
// path (the page loads nothing but its own files), and a .js file under the
// entry's directory that nothing imports.  Prints each module, one a line.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import vm from "node:vm";

const entry = resolve(process.argv[2]);
const top = dirname(entry);
const modules = new Map();

function load(file) {
    const name = relative(top, file);
    if (!modules.has(file)) {
        try {
            modules.set(file, new vm.SourceTextModule(readFileSync(file, "utf8"), { identifier: name }));
        } catch (e) {
            throw new Error(`${name}: ${e.message}`);
        }
    }
    return modules.get(file);
}

function jsFiles(dir) {
    return readdirSync(dir, { withFileTypes: true }).flatMap(e =>
        e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : []);
}

try {
    await load(entry).link((specifier, referrer) => {
        if (!/^\.\.?\//.test(specifier))
            throw new Error(`${referrer.identifier} imports "${specifier}": not a relative path`);
        return load(resolve(top, dirname(referrer.identifier), specifier));
    });
} catch (e) {
    console.error(`modules.mjs: ${e.message}`);
    process.exit(1);
}
const unused = jsFiles(top).filter(f => !modules.has(f)).map(f => relative(top, f));
if (unused.length) {
    console.error(`modules.mjs: not imported by anything: ${unused.join(" ")}`);
    process.exit(1);
}
for (const m of modules.values())
    console.log(m.identifier);
