// Offline validation of Kubernetes manifests against the Kubernetes OpenAPI
// schemas shipped by the npm packages kubernetes-models and
// @kubernetes-models/prometheus-operator (JSON-schema, via ajv).
//
//   node tests/deploy/validate-k8s.mjs [--modules DIR] [--ts-out FILE] FILE.yaml...
//
// --modules DIR: the npm prefix holding node_modules (default build/node).
// --ts-out FILE: also write a TypeScript file that assigns every document to
//   its model's interface (IDaemonSet, ...). The JSON schemas allow unknown
//   fields, TypeScript's excess-property check does not: `tsc --noEmit` on that
//   file catches misspelt keys (readOnlyRootFileSystem, toleration, ...).
//
// Every document must have a known apiVersion/kind; an unknown kind fails.
// Prints one line per document and exits 1 if any failed.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve, relative, dirname } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
let modules = "build/node";
let tsOut = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--modules") modules = args[++i];
  else if (args[i] === "--ts-out") tsOut = args[++i];
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error("usage: validate-k8s.mjs [--modules DIR] [--ts-out FILE] FILE.yaml...");
  process.exit(2);
}
const nm = resolve(modules, "node_modules");
const require = createRequire(resolve(modules, "package.json"));
const yaml = require("js-yaml");

// apiVersion -> [package, directory inside the package]
function modelPath(apiVersion, kind) {
  if (!apiVersion || !kind || !/^[A-Za-z0-9]+$/.test(kind)) return null;
  if (apiVersion.startsWith("monitoring.coreos.com/"))
    return ["@kubernetes-models/prometheus-operator", apiVersion, kind];
  return ["kubernetes-models", apiVersion, kind]; // "v1" (core) and "group/version"
}

let failed = 0;
const ts = [];
for (const file of files) {
  let docs;
  try {
    docs = yaml.loadAll(readFileSync(file, "utf8")).filter((d) => d !== null && d !== undefined);
  } catch (e) {
    console.log(`FAIL ${file}: YAML: ${e.message.split("\n")[0]}`);
    failed++;
    continue;
  }
  if (docs.length === 0) {
    console.log(`FAIL ${file}: no documents`);
    failed++;
  }
  for (const [i, doc] of docs.entries()) {
    const where = `${file}#${i} ${doc?.kind ?? "?"}/${doc?.metadata?.name ?? "?"}`;
    const mp = modelPath(doc?.apiVersion, doc?.kind);
    const jsFile = mp && resolve(nm, mp[0], mp[1], mp[2] + ".js");
    if (!jsFile || !existsSync(jsFile)) {
      console.log(`FAIL ${where}: unknown apiVersion/kind ${doc?.apiVersion} ${doc?.kind}`);
      failed++;
      continue;
    }
    try {
      const mod = await import(pathToFileURL(jsFile).href);
      const Model = mod[doc.kind];
      if (typeof Model !== "function") throw new Error(`no model class ${doc.kind}`);
      new Model(doc).validate();
      console.log(`ok   ${where}`);
    } catch (e) {
      console.log(`FAIL ${where}: ${e.message}`);
      failed++;
      continue;
    }
    if (tsOut) {
      const spec = `${mp[0]}/${mp[1]}/${mp[2]}`;
      const n = ts.length;
      ts.push(
        `import type { I${doc.kind} as T${n} } from ${JSON.stringify(spec)};\n` +
        `// ${where}\nexport const doc${n}: T${n} = ${JSON.stringify(doc, null, 2)};\n`);
    }
  }
}
if (tsOut) writeFileSync(tsOut, ts.join("\n"));
process.exit(failed ? 1 : 0);
