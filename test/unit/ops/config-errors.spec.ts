/**
 * Every configuration namespace refuses a bad value with ONE line naming the variable, the bad
 * value and what is allowed (main.ts prints it and exits 1). Checked generically over every
 * validated variable, so a new namespace gets the same guarantee.
 */
import { getMetadataStorage } from 'class-validator';
import { CONFIG_NAMESPACES } from '../../../src/app.features';
import { ConfigError } from '../../../src/config';

const BAD = 'not-valid-\u2603';

describe('configuration errors', () => {
  const cases: [string, string][] = [];
  for (const ns of CONFIG_NAMESPACES) {
    const metas = getMetadataStorage().getTargetValidationMetadatas(ns.schema, '', true, false);
    for (const name of new Set(metas.map((m) => m.propertyName))) cases.push([ns.key, name]);
  }

  it('covers the namespaces', () => {
    expect(new Set(cases.map(([ns]) => ns))).toEqual(
      new Set(CONFIG_NAMESPACES.map((ns) => ns.key)),
    );
  });

  it.each(cases)(
    '%s: %s=<bad> is refused in one line naming it, or accepted as free text',
    (key, name) => {
      const ns = CONFIG_NAMESPACES.find((n) => n.key === key)!;
      let error: unknown;
      try {
        ns.parse({ [name]: BAD });
      } catch (err) {
        error = err;
      }
      if (error === undefined) return; // a free-form string (paths, hosts, keys) accepts anything
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      // Settings validated as a set (TLS_*) may name the variable that is missing for this one,
      // e.g. "TLS_KEY=(unset): must be set when TLS_CERT is set": then the rule names this one.
      const other = /^Invalid configuration: ([A-Z0-9_]+)=\(unset\): \S/.exec(message);
      if (other && other[1] !== name) {
        expect(message).toContain(name);
        return;
      }
      // Secrets are not echoed: their value shows as "(... hidden)".
      expect(message).toMatch(
        new RegExp(`^Invalid configuration: ${name}=("${BAD}"|\\([^)]*hidden\\)): \\S`),
      );
      expect(message).not.toContain('\n');
      // Says what is allowed, not just "invalid".
      expect(message.length).toBeGreaterThan(
        `Invalid configuration: ${name}="${BAD}": `.length + 10,
      );
    },
  );

  it('an unset variable with a default is fine; empty strings count as unset', () => {
    for (const ns of CONFIG_NAMESPACES) expect(() => ns.parse({})).not.toThrow();
    expect(() =>
      CONFIG_NAMESPACES.find((n) => n.key === 'transport')!.parse({ TCP_PORT: '' }),
    ).not.toThrow();
  });
});
