import { createApp } from './bootstrap';
import { ROOT_LOGGER, RootLogger } from './common/logging';
import { ConfigError } from './config';
import { installShutdownSignals } from './modules/lifecycle/shutdown-signals';

async function main(): Promise<void> {
  const started = await createApp();
  const { tcpPort, httpPort, transport } = started;
  const log = started.app.get<RootLogger>(ROOT_LOGGER).child({ context: 'Lifecycle' });
  installShutdownSignals(started, {
    log: (message) => log.info(message),
    exit: (code) => process.exit(code),
  });
  const tls = transport.tlsPort !== undefined ? `, TLS on ${transport.tlsPort}` : '';
  // Every listener in one line (the side channels too: the file data port is what clients and
  // firewalls need next). A plain stdout line, also parsed by test/support/spawn-server.ts.
  const channels = transport.sideChannels
    .map((c) => `, ${c.name} ${c.port}${c.protocol === 'tls' ? ' (TLS)' : ''}`)
    .join('');
  const ws = transport.wsPort !== undefined ? `, WebSocket ${transport.wsPort}` : '';
  console.log(`Switchboard listening: TCP ${tcpPort}${tls}, HTTP ops ${httpPort}${channels}${ws}`);
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
