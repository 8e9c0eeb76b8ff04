/**
 * Column helpers that mean the same on SQLite and PostgreSQL, so one migration set serves both.
 * Timestamps are epoch milliseconds in a bigint column: PostgreSQL's driver returns bigint as a
 * string, hence the transformer.
 */
import type { ValueTransformer } from 'typeorm';

export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? value : Number(value)),
};

/** JSON stored as text (portable; PostgreSQL jsonb would not exist on SQLite). */
export const jsonText: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? null : JSON.stringify(value)),
  from: (value: string | null) => (value === null || value === undefined ? null : JSON.parse(value)),
};
