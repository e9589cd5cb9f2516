/** The kinds of configuration variable and their parsers (the variables themselves: src/config/*.ts). */
export type Kind = 'string' | 'int' | 'bool' | 'duration' | 'list' | 'enum';

export interface Var<T> {
  kind: Kind;
  default: T;
  description: string;
  secret?: boolean;
  choices?: readonly string[];
  parse(raw: string): T;
}

export class ConfigError extends Error {}

export const str = (def: string, description: string, opts: { secret?: boolean } = {}): Var<string> => ({
  kind: 'string',
  default: def,
  description,
  ...opts,
  parse: (raw) => raw,
});

export const int = (def: number, description: string, min = 0): Var<number> => ({
  kind: 'int',
  default: def,
  description,
  parse: (raw) => {
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min) throw new ConfigError(`must be at least ${min}, got ${n}`);
    return n;
  },
});

export const bool = (def: boolean, description: string): Var<boolean> => ({
  kind: 'bool',
  default: def,
  description,
  parse: (raw) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
    throw new ConfigError(`must be true or false, got "${raw}"`);
  },
});

/** Durations are given as seconds ("300") or with a unit ("5m", "1h", "7d"); parsed to seconds. */
export function parseDuration(raw: string): number {
  const m = /^\s*(\d+)\s*(ms|s|m|h|d)?\s*$/.exec(raw);
  if (!m) throw new ConfigError(`must be a duration like 300, 30s, 5m, 1h or 7d, got "${raw}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[unit]!;
  return n * factor;
}

export const duration = (def: string, description: string): Var<number> => ({
  kind: 'duration',
  default: parseDuration(def),
  description: `${description} (default ${def})`,
  parse: parseDuration,
});

export const list = (def: string[], description: string): Var<string[]> => ({
  kind: 'list',
  default: def,
  description,
  parse: (raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
});

export const oneOf = <const C extends readonly string[]>(
  choices: C,
  def: C[number],
  description: string,
): Var<C[number]> => ({
  kind: 'enum',
  default: def,
  description,
  choices,
  parse: (raw) => {
    const v = raw.trim();
    if (!choices.includes(v)) throw new ConfigError(`must be one of ${choices.join(', ')}, got "${raw}"`);
    return v as C[number];
  },
});

export const mount = (module: string, prefix: string) =>
  str(prefix, `URL prefix of the ${module} module (e.g. "/" to serve it at the root)`);
