#!/usr/bin/env node
/*
 * Regenerates `.env.example` and the configuration table in README.md from the configuration
 * namespaces — the core ones (src/config/*.config.ts) and those the features declare in their
 * manifests (src/modules/<name>/<name>.config.ts, listed through src/app.features.ts): names,
 * defaults and allowed values come from the running classes (built dist/), descriptions from the
 * doc comments above each variable in the sources.
 *
 *   npm run env:docs
 *
 * test/unit/ops/env-docs.spec.ts fails when .env.example misses a variable or shows a
 * stale default, so a new setting cannot go undocumented.
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
try {
  execFileSync(process.execPath, [path.join(__dirname, 'build-if-needed.js')], { cwd: root, stdio: 'inherit' });
} catch (err) {
  // tsc emits despite type errors elsewhere; only a missing build is fatal here.
  if (!fs.existsSync(path.join(root, 'dist/src/app.features.js'))) throw err;
}
require(path.join(root, 'node_modules/reflect-metadata'));
const { CONFIG_NAMESPACES } = require(path.join(root, 'dist/src/app.features'));
const { getMetadataStorage } = require(path.join(root, 'node_modules/class-validator'));

/** Descriptions for variables whose source has no doc comment. */
const FALLBACK = {
  NODE_ENV: 'production | development | test. development: pretty logs by default; production: AUTH_JWT_SECRET is required.',
  TCP_HOST: 'Interface the client TCP listener binds to.',
  TCP_PORT: 'Client TCP (newline-JSON) port; 0 picks a free port.',
  MAX_FRAME_BYTES: 'Largest frame a client may send (bytes); larger frames get FRAME_TOO_LARGE and the connection is closed.',
  MAX_CONNECTIONS: 'Most concurrent client connections per process.',
  TLS_CERT: 'PEM certificate file. With TLS_CERT and TLS_KEY set the listener speaks TLS.',
  TLS_KEY: 'PEM private key file for TLS_CERT.',
  TLS_CA: 'PEM CA bundle used to verify client certificates.',
  TLS_CLIENT_AUTH: 'Client certificates: none, request (verify when sent) or require.',
  HTTP_HOST: 'Interface the HTTP ops endpoint (/health, /metrics) binds to.',
  HTTP_PORT: 'HTTP ops port (/health/live, /health/ready, /metrics); 0 picks a free port.',
  SQLITE_PATH: 'Embedded SQLite database file, used when DATABASE_URL is unset (WAL mode).',
  DB_POOL_SIZE: 'PostgreSQL connection pool size per process.',
  AUTH_REGISTRATION: 'closed makes auth/register answer 403; accounts are then created with the admin CLI.',
  AUTH_SESSION_POLICY: 'multi; single-per-device (a new login on the same client_info.device kicks the older session); single (one session per user).',
  AUTH_LOGIN_MAX_LOCK_S: 'Longest login lock (seconds) after repeated locks.',
  MESSAGE_MAX_ATTACHMENTS: 'Most attachments per message.',
  PAYLOAD_ENCRYPTION: 'aes-256-gcm encrypts every payload both ways (keys in PAYLOAD_KEYS).',
  RATE_LIMIT_CONN_BURST: 'Burst size of the per-connection bucket.',
  RATE_LIMIT_USER_BURST: 'Burst size of the per-user bucket.',
  RATE_LIMIT_HEARTBEAT_BURST: 'Burst size of the heartbeat bucket.',
};

/** Every namespace source: src/config/*.config.ts and the .config.ts files under src/modules. */
function configSources() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.config.ts')) files.push(full);
    }
  };
  walk(path.join(root, 'src/config'));
  walk(path.join(root, 'src/modules'));
  return files;
}

/** Doc comments per variable, read from the namespace sources. */
function docComments() {
  const docs = {};
  for (const file of configSources()) {
    const source = fs.readFileSync(file, 'utf8');
    const token = /\/\*\*([\s\S]*?)\*\/|\b([A-Z][A-Z0-9_]{2,})\??\s*(?::[^=;\n]*)?(?:=[^;\n]*)?;/g;
    let pending;
    for (let m; (m = token.exec(source)); ) {
      if (m[1] !== undefined) {
        pending = m[1]
          .split('\n')
          .map((l) => l.replace(/^\s*\*?\s?/, '').trim())
          .filter(Boolean)
          .join(' ');
      } else {
        if (pending && !docs[m[2]]) docs[m[2]] = pending;
        pending = undefined;
      }
    }
  }
  return docs;
}

function variables() {
  const docs = docComments();
  const storage = getMetadataStorage();
  const seen = new Set();
  const sections = [];
  for (const ns of CONFIG_NAMESPACES) {
    const metas = storage.getTargetValidationMetadatas(ns.schema, '', true, false);
    const defaults = new ns.schema();
    const vars = [];
    for (const name of [...new Set(metas.map((m) => m.propertyName))]) {
      if (seen.has(name)) continue; // NODE_ENV is read by more than one namespace
      seen.add(name);
      const isIn = metas.find((m) => m.propertyName === name && m.name === 'isIn');
      const allowed = isIn ? isIn.constraints[0] : undefined;
      let description = docs[name] ?? FALLBACK[name] ?? '';
      if (allowed && !allowed.every((v) => description.includes(v))) description += ` One of: ${allowed.join(', ')}.`;
      const value = defaults[name];
      vars.push({ name, default: value === undefined ? '' : String(value), description: description.trim() });
    }
    sections.push({ key: ns.key, vars });
  }
  return sections;
}

function envExample(sections) {
  const out = [
    '# Switchboard configuration: every variable, its default and what it does.',
    '# Generated by `npm run env:docs` from the config namespaces (src/config/*.config.ts and each',
    "# feature's src/modules/<name>/<name>.config.ts); edit the doc comments there.",
    '# Values are read from the environment (the app does not load .env files by itself):',
    '#   node --env-file=.env dist/src/main.js     or     docker compose --env-file .env ...',
    '# A bad value stops start-up with one line naming the variable and what is allowed.',
    '# Lines are commented out: the defaults apply. Uncomment to change.',
  ];
  for (const section of sections) {
    out.push('', `# ---- ${section.key} ${'-'.repeat(Math.max(3, 88 - section.key.length))}`);
    for (const v of section.vars) {
      out.push('');
      for (const line of wrap(v.description, 96)) out.push(`# ${line}`);
      out.push(`# ${v.name}=${v.default}`);
    }
  }
  return out.join('\n') + '\n';
}

function readmeTable(sections) {
  const out = ['| Variable | Default | Description |', '| --- | --- | --- |'];
  for (const section of sections) {
    out.push(`| **${section.key}** | | |`);
    for (const v of section.vars) {
      out.push(`| \`${v.name}\` | ${v.default === '' ? '(unset)' : '`' + v.default + '`'} | ${v.description.replaceAll('|', '\\|')} |`);
    }
  }
  return out.join('\n');
}

function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

const sections = variables();
fs.writeFileSync(path.join(root, '.env.example'), envExample(sections));
const readmePath = path.join(root, 'README.md');
const readme = fs.readFileSync(readmePath, 'utf8');
const start = '<!-- env-table:start -->';
const end = '<!-- env-table:end -->';
if (readme.includes(start) && readme.includes(end)) {
  const before = readme.slice(0, readme.indexOf(start) + start.length);
  const after = readme.slice(readme.indexOf(end));
  fs.writeFileSync(readmePath, `${before}\n${readmeTable(sections)}\n${after}`);
}
const count = sections.reduce((n, s) => n + s.vars.length, 0);
console.log(`env docs: ${count} variables in ${sections.length} namespaces → .env.example${readme.includes(start) ? ' and README.md' : ''}`);
