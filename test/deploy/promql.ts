import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** Metric names a PromQL expression reads: strings, label matchers, ranges, grouping and functions removed. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, '0')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const m of bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (m[2] || KEYWORDS.has(m[1]!.toLowerCase()) || m[1]!.includes(':')) continue; // functions, keywords, recorded series
    names.add(m[1]!);
  }
  return [...names];
}

/** Every expr of every Grafana dashboard JSON, with the dashboard file it came from. */
export function dashboardExprs(): { file: string; expr: string }[] {
  const dir = join(DEPLOY, 'grafana', 'dashboards');
  const out: { file: string; expr: string }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === 'expr' && typeof v === 'string') out.push({ file, expr: v });
          else walk(v);
        }
      }
    };
    walk(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  }
  return out;
}

export function ruleExprs(): { file: string; expr: string }[] {
  const dir = join(DEPLOY, 'prometheus', 'rules');
  return readdirSync(dir).flatMap((file) => {
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
    return doc.groups.flatMap((g) => g.rules.map((r) => ({ file, expr: r.expr })));
  });
}

/** Base metric names in a Prometheus text exposition (histogram series folded into their family). */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\w+)/.exec(line);
    if (!m) continue;
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
    if (m[2] === 'summary') for (const s of ['_sum', '_count']) names.add(m[1] + s);
  }
  return names;
}
