import { createApp } from './bootstrap';
import { ConfigError } from './config';

async function main(): Promise<void> {
  const { tcpPort, httpPort, transport } = await createApp();
  const tls = transport.tlsPort !== undefined ? `, TLS on ${transport.tlsPort}` : '';
  console.log(`Switchboard listening: TCP ${tcpPort}${tls}, HTTP ops ${httpPort}`);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    // One line that names the variable, the bad value and what is allowed.
    console.error(err.message);
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  }
  process.exit(1);
});
