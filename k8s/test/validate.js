#!/usr/bin/env node
// Validates rendered Kubernetes manifests offline: every document against the Kubernetes (or
// cert-manager) schema of its kind with kubernetes-models, plus a strict key check that schema
// validation lacks (a misspelt field such as `readinessProbes` would otherwise pass), walking the
// models' type declarations. Prints the documents as one JSON array for the Java test's cross-checks
// (ports, probe paths, config keys); exits 1 listing every problem.
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const MODELS = {
  'v1': 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'cert-manager.io/v1': '@kubernetes-models/cert-manager/cert-manager.io/v1',
};

const problems = [];

function modelFile(apiVersion, kind) {
  const base = MODELS[apiVersion];
  if (!base) {
    return null;
  }
  return require.resolve(base + '/' + kind).replace(/\.js$/, '.d.ts');
}

// The first `export interface` of a .d.ts: property name -> type text, and where imported types live.
const shapes = new Map();
function shape(file) {
  if (shapes.has(file)) {
    return shapes.get(file);
  }
  const text = fs.readFileSync(file, 'utf8');
  const imports = {};
  for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
    for (const name of m[1].split(',').map((s) => s.trim())) {
      imports[name] = m[2];
    }
  }
  const start = text.search(/export interface \w+(?: extends [\w, ]+)? \{/);
  let props = null;
  if (start >= 0) {
    props = {};
    const body = text.slice(text.indexOf('{', start) + 1);
    let depth = 0;
    for (const line of body.split('\n')) {
      const t = line.trim();
      if (depth === 0 && t === '}') {
        break;
      }
      if (depth === 0) {
        // A property; its type may go on over several lines (an inline object or map type).
        const m = t.match(/^"([^"]+)"\??:\s*(.*?);?$/);
        if (m) {
          props[m[1]] = m[2];
        }
      }
      depth += (t.match(/\{/g) || []).length - (t.match(/\}/g) || []).length;
    }
    if (/extends TypeMeta/.test(text.slice(start, text.indexOf('{', start)))) {
      props.apiVersion = props.apiVersion || 'string';
      props.kind = props.kind || 'string';
    }
  }
  const s = { file, imports, props };
  shapes.set(file, s);
  return s;
}

function resolveType(from, typeName) {
  const spec = from.imports[typeName];
  if (!spec) {
    return null;
  }
  const target = spec.startsWith('.') ? path.resolve(path.dirname(from.file), spec)
    : require.resolve(spec).replace(/\.js$/, '');
  return target.replace(/\.d\.ts$/, '') + '.d.ts';
}

function check(value, type, from, where) {
  if (value === null || value === undefined) {
    return;
  }
  const array = type.match(/^Array<(.+)>$/);
  if (array) {
    if (Array.isArray(value)) {
      value.forEach((v, i) => check(v, array[1], from, where + '[' + i + ']'));
    }
    return;
  }
  if (!/^I\w+$/.test(type) || typeof value !== 'object' || Array.isArray(value)) {
    return; // primitives, unions, maps ({ [key: string]: ... }), int-or-string: the schema checks them
  }
  const file = resolveType(from, type);
  if (!file || !fs.existsSync(file)) {
    return;
  }
  walk(value, shape(file), where);
}

function walk(obj, s, where) {
  if (!s.props) {
    return; // a type alias, not an object with known fields
  }
  for (const [key, v] of Object.entries(obj)) {
    if (!(key in s.props)) {
      problems.push(where + '.' + key + ': unknown field (' + path.basename(s.file, '.d.ts') + ' has '
        + Object.keys(s.props).join(', ') + ')');
      continue;
    }
    check(v, s.props[key], s, where + '.' + key);
  }
}

const docs = [];
for (const file of process.argv.slice(2)) {
  for (const d of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    if (d.errors.length) {
      problems.push(file + ': YAML: ' + d.errors.map((e) => e.message).join('; '));
      continue;
    }
    const doc = d.toJS();
    if (!doc) {
      continue;
    }
    const where = file + ': ' + doc.kind + '/' + (doc.metadata && doc.metadata.name);
    const model = modelFile(doc.apiVersion, doc.kind);
    if (!model) {
      problems.push(where + ': no schema for ' + doc.apiVersion + ' ' + doc.kind);
      continue;
    }
    const Kind = require(model.replace(/\.d\.ts$/, ''))[doc.kind];
    try {
      new Kind(doc).validate();
    } catch (e) {
      problems.push(where + ': ' + e.message);
    }
    walk(doc, shape(model), where);
    docs.push(doc);
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
process.stdout.write(JSON.stringify(docs));
