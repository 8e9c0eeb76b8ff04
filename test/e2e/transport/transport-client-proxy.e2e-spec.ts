/**
 * SwitchboardClientProxy round trips against the real app over real TCP, used directly and as
 * a Nest ClientsModule client (`customClass`) injected into another Nest application context.
 */
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, ClientsModule } from '@nestjs/microservices';
import type { Socket } from 'node:net';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { EventPublisher } from '../../../src/transport';
import { SwitchboardClientProxy } from '../../../src/transport/switchboard.client-proxy';
import { startTestApp, TestApp } from '../../support/test-app';
import { NO_RATE_LIMIT, serverClosed } from '../../support/transport-helpers';
import { TRANSPORT_TEST_COMMANDS, TransportTestModule } from '../../support/transport-test.module';

describe('SwitchboardClientProxy', () => {
  let app: TestApp;
  const proxies: SwitchboardClientProxy[] = [];
  const proxy = () => {
    const p = new SwitchboardClientProxy({ port: app.tcpPort });
    proxies.push(p);
    return p;
  };
  beforeAll(async () => {
    app = await startTestApp(NO_RATE_LIMIT, { imports: [TransportTestModule], commands: TRANSPORT_TEST_COMMANDS });
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await app.close();
  });

  // Round trip: send('control/ping', {}) emits the response payload once and completes.
  it("send('control/ping', {}) emits the payload and completes", async () => {
    const client = proxy();
    const before = Math.floor(Date.now() / 1000);
    const values = await lastValueFrom(client.send('control/ping', {}).pipe(toArray()));
    expect(values).toHaveLength(1);
    expect(values[0]).toMatchObject({ status: 200 });
    expect(values[0].server_time).toBeGreaterThanOrEqual(before);
  });

  // Concurrent requests on one connection are matched to their responses by id.
  it('matches 100 concurrent requests to their responses', async () => {
    const client = proxy();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => firstValueFrom(client.send<{ echo: { n: number } }>('test/echo', { n: i }))),
    );
    expect(results.map((r) => r.echo.n)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  // Non-2xx: the observable errors with the error payload.
  it('errors the observable with the payload of a non-2xx response', async () => {
    const client = proxy();
    await expect(firstValueFrom(client.send('nope/nothing', {}))).rejects.toMatchObject({
      status: 404,
      error_code: 'UNKNOWN_COMMAND',
    });
    await expect(firstValueFrom(client.send('test/guarded', {}))).rejects.toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
  });

  // Dispatch hook metadata travels as frame headers (here it satisfies the test guard).
  it('sends setOnDispatchHook metadata as headers', async () => {
    const client = proxy();
    client.setOnDispatchHook((packet) => Object.assign(packet, { metadata: { 'x-test-pass': 'yes' } }));
    await expect(firstValueFrom(client.send('test/guarded', {}))).resolves.toEqual({ status: 200, reached: 'handler' });
  });

  // emit() sends a type:"event" frame (no response) and completes once written; pushes reach on().
  it('emits events and receives server pushes through on()', async () => {
    const client = proxy();
    await client.connect();
    // Completes (with dispatchEvent's undefined) once the frame is written.
    await expect(lastValueFrom(client.emit('presence/heartbeat', { seq: 1 }))).resolves.toBeUndefined();
    await firstValueFrom(client.send('control/ping', {}));
    const localPort = client.unwrap<Socket>().localPort;
    const conn = [...app.transport.registry.all()].find((c) => c.socket.remotePort === localPort)!;
    app.transport.registry.bind(conn, { userId: 'u-proxy', sessionId: 's-proxy' });
    const received = new Promise((resolve) => client.on('test/pushed', (payload) => resolve(payload)));
    await app.app.get(EventPublisher).toUsers(['u-proxy'], 'test/pushed', { hello: 'proxy' });
    await expect(received).resolves.toEqual({ hello: 'proxy' });
  });

  // close(): pending requests error, the server sees the close, and the proxy can reconnect.
  it('closes, and reconnects on the next send', async () => {
    const client = proxy();
    await firstValueFrom(client.send('control/ping', {}));
    const conn = [...app.transport.registry.all()].pop()!;
    const gone = serverClosed(app, conn);
    await client.close();
    await gone;
    await expect(firstValueFrom(client.send('control/ping', {}))).resolves.toMatchObject({ status: 200 });
  });

  // Nest integration: registered with ClientsModule (customClass) and injected into a service.
  it('works as a ClientsModule customClass client injected into a Nest service', async () => {
    @Injectable()
    class PingCaller {
      constructor(@Inject('SWITCHBOARD') readonly client: ClientProxy) {}
      ping() {
        return firstValueFrom(this.client.send<{ status: number }>('control.ping', {}));
      }
    }
    @Module({
      imports: [ClientsModule.register([{ name: 'SWITCHBOARD', customClass: SwitchboardClientProxy, options: { port: app.tcpPort } }])],
      providers: [PingCaller],
    })
    class CallerModule {}
    const ctx = await NestFactory.createApplicationContext(CallerModule, { logger: false });
    try {
      const caller = ctx.get(PingCaller);
      expect(caller.client).toBeInstanceOf(SwitchboardClientProxy);
      await expect(caller.ping()).resolves.toMatchObject({ status: 200 });
    } finally {
      await ctx.close();
    }
  });
});
