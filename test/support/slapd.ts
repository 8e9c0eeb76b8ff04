/**
 * A private OpenLDAP server (Debian's slapd) for the identity specs: its own config and mdb
 * database in a temp directory, on a free loopback port, seeded through ldapts as the root DN,
 * stopped (and the directory removed) by `stop()`. Nothing of the system's slapd is touched.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Change, Attribute, Client } from 'ldapts';
import { freePort } from './redis-server';

export const SLAPD_BINARY = '/usr/sbin/slapd';
export const LDAP_BASE = 'dc=example,dc=org';
export const LDAP_PEOPLE = `ou=people,${LDAP_BASE}`;
export const LDAP_SERVICE_DN = `cn=switchboard,ou=services,${LDAP_BASE}`;
export const LDAP_SERVICE_PASSWORD = 'service-secret';
const ROOT_DN = `cn=admin,${LDAP_BASE}`;
const ROOT_PASSWORD = 'root-secret';

export function hasSlapd(): boolean {
  return existsSync(SLAPD_BINARY) && existsSync('/etc/ldap/schema/inetorgperson.schema');
}

export interface LdapPerson {
  uid: string;
  password: string;
  cn?: string;
  mail?: string;
  /** Values of businessCategory, used as the "groups" attribute in the specs. */
  groups?: string[];
  disabled?: boolean;
}

export interface PrivateSlapd {
  url: string;
  /** With the tls option: the LDAPS listener. */
  ldapsUrl?: string;
  port: number;
  /** The env for the identity module pointing at this server (LDAP provider "ldap"). */
  env: Record<string, string>;
  addPerson(person: LdapPerson): Promise<string>;
  /** Sets or clears employeeType=disabled (what IDENTITY_LDAP_ACTIVE_FILTER checks in the specs). */
  setDisabled(uid: string, disabled: boolean): Promise<void>;
  deletePerson(uid: string): Promise<void>;
  /** Replaces the person's groups (businessCategory values); [] removes them all. */
  setGroups(uid: string, groups: string[]): Promise<void>;
  renamePerson(uid: string, newUid: string): Promise<void>;
  /** Stops the server (the data stays: start() brings it back on the same port). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`slapd exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`slapd did not listen on ${port}: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface SlapdTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** With `tls`, StartTLS works on `url` and `ldapsUrl` serves LDAPS (certificate from `tls`). */
export async function startSlapd(options: { tls?: SlapdTls } = {}): Promise<PrivateSlapd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-slapd-'));
  mkdirSync(path.join(dir, 'db'));
  const conf = path.join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      `pidfile ${dir}/slapd.pid`,
      // TLS settings are global: before the database section.
      ...(options.tls ? [`TLSCACertificateFile ${options.tls.caFile}`, `TLSCertificateFile ${options.tls.certFile}`, `TLSCertificateKeyFile ${options.tls.keyFile}`] : []),
      'database mdb',
      'maxsize 16777216',
      `suffix "${LDAP_BASE}"`,
      `rootdn "${ROOT_DN}"`,
      `rootpw ${ROOT_PASSWORD}`,
      `directory ${dir}/db`,
      'access to attrs=userPassword by self write by anonymous auth by * none',
      'access to * by * read',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = options.tls ? `ldaps://127.0.0.1:${await freePort()}` : undefined;
  let child: ChildProcess | undefined;
  const start = async () => {
    let out = '';
    const c = spawn(SLAPD_BINARY, ['-f', conf, '-h', [`${url}/`, ...(ldapsUrl ? [`${ldapsUrl}/`] : [])].join(' '), '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child = c;
    await waitForPort(port, c, () => out);
  };
  const admin = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ url, timeout: 5000, connectTimeout: 5000 });
    try {
      await client.bind(ROOT_DN, ROOT_PASSWORD);
      return await work(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  };
  const personDn = (uid: string) => `uid=${uid},${LDAP_PEOPLE}`;
  await start();
  await admin(async (c) => {
    await c.add(LDAP_BASE, { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'Example' });
    await c.add(LDAP_PEOPLE, { objectClass: 'organizationalUnit', ou: 'people' });
    await c.add(`ou=services,${LDAP_BASE}`, { objectClass: 'organizationalUnit', ou: 'services' });
    await c.add(LDAP_SERVICE_DN, { objectClass: 'inetOrgPerson', cn: 'switchboard', sn: 'service', userPassword: LDAP_SERVICE_PASSWORD });
  });
  return {
    url,
    ldapsUrl,
    port,
    env: {
      IDENTITY_LDAP_URL: url,
      IDENTITY_LDAP_BIND_DN: LDAP_SERVICE_DN,
      IDENTITY_LDAP_BIND_PASSWORD: LDAP_SERVICE_PASSWORD,
      IDENTITY_LDAP_BASE_DN: LDAP_PEOPLE,
      IDENTITY_LDAP_ACTIVE_FILTER: '(!(employeeType=disabled))',
      IDENTITY_LDAP_GROUPS_ATTRIBUTE: 'businessCategory',
      IDENTITY_LDAP_TIMEOUT_MS: '2000',
    },
    addPerson: async (p) => {
      const entry: Record<string, string | string[]> = {
        objectClass: 'inetOrgPerson',
        uid: p.uid,
        cn: p.cn ?? p.uid,
        sn: p.uid,
        userPassword: p.password,
      };
      if (p.mail) entry.mail = p.mail;
      if (p.groups && p.groups.length > 0) entry.businessCategory = p.groups;
      if (p.disabled) entry.employeeType = 'disabled';
      await admin((c) => c.add(personDn(p.uid), entry));
      return personDn(p.uid);
    },
    setDisabled: (uid, disabled) =>
      admin((c) =>
        c.modify(personDn(uid), new Change({ operation: disabled ? 'replace' : 'delete', modification: new Attribute({ type: 'employeeType', values: disabled ? ['disabled'] : [] }) })),
      ),
    deletePerson: (uid) => admin((c) => c.del(personDn(uid))),
    setGroups: (uid, groups) =>
      admin((c) => c.modify(personDn(uid), new Change({ operation: 'replace', modification: new Attribute({ type: 'businessCategory', values: groups }) }))),
    renamePerson: (uid, newUid) => admin((c) => c.modifyDN(personDn(uid), `uid=${newUid}`)),
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    stop,
  };
  async function stop(): Promise<void> {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
    await exited;
  }
}
