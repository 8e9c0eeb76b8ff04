/**
 * YAML for plain JSON data (objects, arrays, strings, numbers, booleans, null): block style,
 * two-space indent, every string double-quoted with JSON escapes (valid YAML 1.2), keys quoted
 * only when needed. Enough for the generated docs/asyncapi.yaml, with no YAML dependency.
 */
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_.$-]*$/;

function key(k: string): string {
  return PLAIN_KEY.test(k) && !['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n'].includes(k.toLowerCase()) ? k : JSON.stringify(k);
}

function scalar(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`yaml: cannot write a ${typeof value}`);
}

function isEmpty(value: unknown): boolean {
  return (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
}

function lines(value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (typeof item !== 'object' || item === null || isEmpty(item)) return [`${indent}- ${isEmpty(item) ? JSON.stringify(item) : scalar(item)}`];
      const inner = lines(item, `${indent}  `);
      return [`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1)];
    });
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => {
      if (v === undefined) return [];
      if (typeof v !== 'object' || v === null || isEmpty(v)) return [`${indent}${key(k)}: ${isEmpty(v) ? JSON.stringify(v) : scalar(v)}`];
      return [`${indent}${key(k)}:`, ...lines(v, `${indent}  `)];
    });
  }
  return [`${indent}${scalar(value)}`];
}

export function toYaml(value: Record<string, unknown>, header = ''): string {
  return `${header}${lines(value, '').join('\n')}\n`;
}
