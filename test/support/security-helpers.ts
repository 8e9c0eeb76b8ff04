/**
 * Helpers for the security e2e specs: SDK clients with custom options (keys, TLS) that are closed
 * after each test, and a throwaway PKI generated with the openssl CLI.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClientOptions, SwitchboardClient } from '../../src/client/switchboard-client';
import type { Envelope } from '../../src/shared/protocol';

/** Tracks clients so each spec can close them in afterEach. */
export class ClientPool {
  private readonly clients: SwitchboardClient[] = [];

  async connect(options: ClientOptions): Promise<SwitchboardClient> {
    const client = await SwitchboardClient.connect({ timeoutMs: 5000, ...options });
    this.clients.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    const clients = this.clients.splice(0);
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}

/** Collects every frame exactly as it arrived on the wire (before the SDK decrypts/verifies). */
export function recordRawFrames(client: SwitchboardClient): Envelope<Record<string, any>>[] {
  const frames: Envelope<Record<string, any>>[] = [];
  client.on('raw-frame', (frame: Envelope<Record<string, any>>) => frames.push(frame));
  return frames;
}

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** The same host names with an RSA key. */
  serverRsaCert: string;
  serverRsaKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate issued by a different, untrusted CA. */
  rogueCert: string;
  rogueKey: string;
  /** A self-signed certificate (the rogue CA's own). */
  rogueCaCert: string;
  rogueCaKey: string;
  cleanup(): void;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A CA, a server certificate for localhost/127.0.0.1 and client certificates (one from the CA,
 * one from an unrelated CA), EC P-256 (plus one RSA server certificate), generated into a temp dir.
 */
export function generatePki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-pki-'));
  const file = (name: string) => path.join(dir, name);
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const newKey = (name: string) => run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file(name)]);
  const selfSignedCa = (name: string, cn: string) => {
    newKey(`${name}.key`);
    run(['req', '-x509', '-new', '-key', file(`${name}.key`), '-sha256', '-days', '2', '-subj', `/CN=${cn}`, '-out', file(`${name}.crt`),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  };
  const issue = (name: string, ca: string, cn: string, ext: string, rsa = false) => {
    if (rsa) run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file(`${name}.key`)]);
    else newKey(`${name}.key`);
    run(['req', '-new', '-key', file(`${name}.key`), '-subj', `/CN=${cn}`, '-out', file(`${name}.csr`)]);
    fs.writeFileSync(file(`${name}.ext`), ext);
    run(['x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${ca}.crt`), '-CAkey', file(`${ca}.key`), '-CAcreateserial',
      '-days', '2', '-sha256', '-extfile', file(`${name}.ext`), '-out', file(`${name}.crt`)]);
  };
  selfSignedCa('ca', 'Switchboard Test CA');
  selfSignedCa('rogue-ca', 'Rogue CA');
  issue('server', 'ca', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  // RSA, so a test can show that static-RSA key exchange is not offered even where it could be.
  issue('server-rsa', 'ca', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n', true);
  issue('client', 'ca', 'test-client', 'extendedKeyUsage=clientAuth\n');
  issue('rogue', 'rogue-ca', 'rogue-client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    serverRsaCert: file('server-rsa.crt'),
    serverRsaKey: file('server-rsa.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    rogueCert: file('rogue.crt'),
    rogueKey: file('rogue.key'),
    rogueCaCert: file('rogue-ca.crt'),
    rogueCaKey: file('rogue-ca.key'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
