/**
 * #19 "Done when": a new module with two commands and one event shows up in dispatch, the JSON
 * Schemas, docs/asyncapi.yaml, the command table of docs/protocol.md and the SDK's types after
 * adding only its own folder and its line in src/app.features.ts.
 *
 * The module is test/support/sample-module (echo/say, echo/shout, event echo/heard), written the
 * way a team would write one. Its "line" is simulated by appending its manifest to the real
 * feature list: the generators run on that registry exactly as `npm run schemas` does on the
 * app's, and the app starts with the module mounted and its declarations registered.
 */
import { join } from 'node:path';
import { FEATURES } from '../../../src/app.features';
import { componentId } from '../../../src/cli/contract/asyncapi-document';
import { contractFiles } from '../../../src/cli/contract/contract-files';
import { collectFeatures } from '../../../src/common/feature/feature';
import { createApp } from '../../../src/bootstrap';
import { EchoCommands } from '../../support/sample-module/echo.commands';
import { echoFeature } from '../../support/sample-module/echo.feature';
import { EchoModule } from '../../support/sample-module/echo.module';
import { startTestApp, TestApp } from '../../support/test-app';
import { createTestDatabase } from '../../support/test-db';
import { login, registerAndLogin } from '../../support/users';
// ajv 6 (draft-07, what the generated schemas declare), as the frame contract uses it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Ajv = require('ajv');

const ROOT = join(__dirname, '../../..');
const registry = collectFeatures([...FEATURES, echoFeature]).commands;
const files = contractFiles(ROOT, registry);
const schemas = JSON.parse(files['src/shared/protocol/schemas/commands.json']) as {
  commands: Record<string, { request?: { $ref: string }; response?: { $ref: string }; event?: { $ref: string }; causes?: string[] }>;
  definitions: Record<string, unknown>;
};

function validator(ref: string): ((data: unknown) => boolean) & { errors?: unknown } {
  const ajv = new Ajv({ allErrors: true, schemaId: 'auto' });
  ajv.addSchema({ definitions: schemas.definitions }, 'commands');
  return ajv.compile({ $ref: `commands${ref}` });
}

describe('a new module, added with its folder and one feature line', () => {
  it('is in the JSON Schemas: request, response and event payloads', () => {
    expect(schemas.commands['echo/say']).toMatchObject({ request: { $ref: '#/definitions/EchoSayRequest' }, response: { $ref: '#/definitions/EchoSayResponse' } });
    expect(schemas.commands['echo/shout']).toMatchObject({ response: { $ref: '#/definitions/EchoShoutResponse' }, causes: ['echo/heard'] });
    expect(schemas.commands['echo/heard']).toMatchObject({ event: { $ref: '#/definitions/EchoHeardEvent' } });
    expect(Object.keys(schemas.definitions)).toEqual(expect.arrayContaining(['EchoSayRequest', 'EchoSayResponse', 'EchoShoutResponse', 'EchoHeardEvent']));
  });

  it('is in docs/asyncapi.yaml, the command table and the SDK types', () => {
    const asyncapi = files['docs/asyncapi.yaml'];
    for (const op of [`${componentId('echo/say')}.receive`, `${componentId('echo/shout')}.receive`, `${componentId('echo/heard')}.send`]) expect(asyncapi).toContain(`${op}:`);
    for (const name of ['echo/say', 'echo/shout', 'echo/heard']) {
      expect(files['docs/protocol.md']).toContain(`| \`${name}\` |`);
      expect(files['src/shared/protocol/command-types.generated.ts']).toContain(`  ${JSON.stringify(name)}: {`);
    }
    expect(files['src/shared/protocol/command-types.generated.ts']).toContain('EchoSayRequest');
    // The committed files describe the app as shipped: the sample is not in them.
    expect(contractFiles(ROOT)['docs/asyncapi.yaml']).not.toContain('echo/say');
  });

  describe('dispatch', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({}, { imports: [EchoModule], commands: Object.values(EchoCommands) });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('serves both commands and pushes the event, each frame valid for its generated schema', async () => {
      const user = await registerAndLogin(app);
      const other = await app.connect();
      await login(other, user.username, user.password, 'second-device');

      const said = await user.client.request('echo/say', { text: 'héllo' });
      expect(said.payload).toMatchObject({ status: 200, text: 'héllo', length: 5 });
      expect({ valid: validator(schemas.commands['echo/say'].response!.$ref)(said.payload) }).toEqual({ valid: true });

      const heard = other.waitFor('echo/heard');
      const shouted = await user.client.request('echo/shout', { text: 'hey' });
      expect({ valid: validator(schemas.commands['echo/shout'].response!.$ref)(shouted.payload) }).toEqual({ valid: true });
      const event = await heard;
      expect(event.payload).toEqual({ from: user.userId, text: 'hey' });
      expect({ valid: validator(schemas.commands['echo/heard'].event!.$ref)(event.payload) }).toEqual({ valid: true });
      // The declared request class validates too: a bad payload is a 400 naming the field.
      const bad = await user.client.request('echo/say', { text: 42 });
      expect(bad.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
      expect(JSON.stringify(bad.payload)).toContain('text must be a string');
    });
  });

  it('refuses to start when the module is mounted but its commands are not declared', async () => {
    const db = await createTestDatabase();
    try {
      await expect(createApp({ env: { ...db.env, NODE_ENV: 'test', TCP_PORT: '0', HTTP_PORT: '0', FILE_PORT: '0', LOG_LEVEL: 'error' }, imports: [EchoModule] })).rejects.toThrow(/echo\/say/);
    } finally {
      await db.drop();
    }
  });
});
