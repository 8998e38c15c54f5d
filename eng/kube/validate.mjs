#!/usr/bin/env node
// Offline validation of Kubernetes manifests against the schemas of current Kubernetes.
//
// Usage: node eng/kube/validate.mjs FILE...   (multi-document YAML; `-` reads stdin)
// Exit codes: 0 every object valid; 1 an object is invalid or of an unknown apiVersion/kind; 2 usage or YAML
// syntax error. One line per problem on stderr: `<file>: <kind>/<name>: <path> <message>`; on success one
// summary line on stdout.
//
// Why: the test API server is Kubernetes 1.20 (the only one that can run on the build machines), but the
// manifests target Kubernetes >= 1.25 and contain kinds 1.20 lacks (policy/v1 PodDisruptionBudget). The npm
// package kubernetes-models ships ajv validators precompiled from the OpenAPI schemas of Kubernetes 1.34, so
// nothing is downloaded at run time. They check types, enums, formats and required fields; they do NOT
// reject unknown fields (the schemas allow additional properties), which is acceptable here because every
// object is produced from KubernetesClient's typed models, which cannot carry a misspelt field.
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE... (multi-document YAML; - for stdin)");
  process.exit(2);
}

async function readInput(file) {
  if (file !== "-") return readFile(file, "utf8");
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

// apiVersion "apps/v1" + kind "StatefulSet" -> module "kubernetes-models/apps/v1/StatefulSet";
// the core group ("v1") -> "kubernetes-models/v1/Service".
async function loadModel(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9]+$/.test(kind)) return null;
  const parts = apiVersion.split("/");
  if (parts.length > 2 || parts.some((p) => !/^[a-z0-9.-]+$/.test(p))) return null;
  try {
    const mod = await import(`kubernetes-models/${parts.join("/")}/${kind}`);
    return mod[kind] ?? null;
  } catch {
    return null;
  }
}

let objects = 0;
let problems = 0;
const report = (where, message) => {
  problems++;
  console.error(`${where}: ${message}`);
};

for (const file of files) {
  let docs;
  try {
    docs = parseAllDocuments(await readInput(file));
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    process.exit(2);
  }
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      console.error(`${file}: YAML error: ${doc.errors[0].message}`);
      process.exit(2);
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue; // empty document (e.g. a trailing ---)
    objects++;
    const name = obj?.metadata?.name ?? "<no name>";
    const where = `${file}: ${obj?.kind ?? "<no kind>"}/${name}`;
    const Model = await loadModel(obj.apiVersion, obj.kind);
    if (Model === null) {
      report(where, `unknown apiVersion/kind ${obj.apiVersion}/${obj.kind} in current Kubernetes`);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      // ValidationError.errors holds ajv errors: { instancePath, message, params }.
      const errors = Array.isArray(e?.errors) ? e.errors : [{ instancePath: "", message: String(e?.message ?? e) }];
      for (const err of errors) {
        report(where, `${err.instancePath || "/"} ${err.message}${err.params ? " " + JSON.stringify(err.params) : ""}`);
      }
    }
  }
}

if (problems > 0) {
  console.error(`${problems} problem(s) in ${objects} object(s)`);
  process.exit(1);
}
console.log(`${objects} object(s) valid`);
