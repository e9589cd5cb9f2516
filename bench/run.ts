/**
 * npm run bench -- <scenario> [--duration 10] [--connections 32] [--rounds 2] [--warmup 10]
 *
 * Starts the app (PostgreSQL when DATABASE_URL is set, else PGlite) and the scenario's bare-Fastify baseline
 * in child processes, warms both up, loads each with autocannon in turn, and prints req/s, p50, p99 and
 * errors side by side, with the ratio, and each server's CPU time per request. Also reports SQL statements per
 * request from /metrics.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { BenchRequest, Scenario } from './scenario.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string' },
    warmup: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
  },
});
const name = positionals[0];
const available = readdirSync(new URL('./scenarios/', import.meta.url)).map((f) => f.replace(/\.ts$/, ''));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <scenario>\nscenarios: ${available.join(', ')}`);
  process.exit(2);
}
const { scenario } = (await import(`./scenarios/${name}.ts`)) as { scenario: Scenario };
const dataDir = mkdtempSync(join(tmpdir(), 'agora-bench-'));

function start(
  side: 'agora' | 'baseline',
  request?: BenchRequest,
): Promise<{ child: ChildProcess; port: number; request: BenchRequest }> {
  const child = spawn(
    process.execPath,
    [
      // e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile both servers (written on SIGTERM).
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      join(import.meta.dirname, 'serve.ts'),
      name!,
      side,
      ...(request ? [JSON.stringify(request)] : []),
    ],
    { env: { ...process.env, BENCH_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /READY (\d+) (.*)\n/.exec(buf);
      if (m) resolve({ child, port: Number(m[1]), request: JSON.parse(m[2]!) as BenchRequest });
    });
    child.on('exit', (code) => reject(new Error(`${side} exited with ${code}`)));
  });
}

async function load(port: number, req: BenchRequest, duration: number) {
  const connections = Number(values.connections ?? scenario.connections ?? 32);
  return autocannon({
    url: `http://127.0.0.1:${port}${req.path}`,
    method: req.method ?? 'GET',
    headers: req.headers,
    body: req.body,
    connections,
    duration,
  });
}

async function sqlCount(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^db_queries_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const agora = await start('agora');
const baseline = await start('baseline', agora.request);
try {
  await load(agora.port, agora.request, warmup);
  await load(baseline.port, agora.request, warmup);
  // Agora and the baseline take turns (A B A B …) so a noisy neighbour hurts both sides alike.
  const rounds = Math.max(1, Number(values.rounds));
  const ours: autocannon.Result[] = [];
  const theirs: autocannon.Result[] = [];
  const cpu = { agora: 0, baseline: 0 };
  let sqlTotal = 0;
  /** One round on one side, its server's CPU time added up. */
  const round = async (side: keyof typeof cpu, server: typeof agora) => {
    const before = cpuSeconds(server.child);
    const result = await load(server.port, agora.request, duration);
    cpu[side] += cpuSeconds(server.child) - before;
    return result;
  };
  for (let i = 0; i < rounds; i++) {
    const before = await sqlCount(agora.port);
    ours.push(await round('agora', agora));
    sqlTotal += (await sqlCount(agora.port)) - before;
    theirs.push(await round('baseline', baseline));
  }
  const a = merge(ours);
  const b = merge(theirs);
  const sqlPerRequest = sqlTotal / Math.max(1, a.requests.total);
  const perRound = ours.map((r, i) => `${((r.requests.average / theirs[i]!.requests.average) * 100).toFixed(0)}%`);
  const row = (label: 'agora' | 'baseline', r: autocannon.Result) =>
    `${label.padEnd(10)} ${r.requests.average.toFixed(0).padStart(9)} ${String(r.latency.p50).padStart(7)} ${String(r.latency.p99).padStart(7)} ${String(r.errors + r.non2xx).padStart(7)} ${((cpu[label] / r.requests.total) * 1e6).toFixed(1).padStart(12)}`;
  console.log(`\nscenario ${scenario.name}: ${scenario.description}`);
  console.log(
    `database ${process.env.DATABASE_URL ? 'postgresql' : 'pglite'}, ${cpus().length} cpus, ${rounds} × ${duration}s each side (alternating), ${values.connections ?? scenario.connections ?? 32} connections, ${new Date().toISOString()}`,
  );
  console.log(
    `${'side'.padEnd(10)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(7)} ${'cpu µs/req'.padStart(12)}`,
  );
  console.log(row('agora', a));
  console.log(row('baseline', b));
  console.log(
    `ratio      ${((a.requests.average / b.requests.average) * 100).toFixed(1)}% of baseline req/s (rounds: ${perRound.join(', ')})`,
  );
  console.log(
    `p99 rounds agora ${ours.map((r) => r.latency.p99).join(', ')} ms, baseline ${theirs.map((r) => r.latency.p99).join(', ')} ms`,
  );
  console.log(
    `sql/request ${Number.isNaN(sqlPerRequest) ? 'n/a' : sqlPerRequest.toFixed(3)} (agora, from db_queries_total)`,
  );
} finally {
  agora.child.kill('SIGTERM');
  baseline.child.kill('SIGTERM');
}

/**
 * CPU seconds (user + system) a server process has used so far, from /proc (Linux; NaN elsewhere). Per request
 * it is the server's own cost, which moves far less with a noisy neighbour than req/s does.
 */
function cpuSeconds(child: ChildProcess): number {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return NaN;
  }
}

/** Several autocannon runs as one: mean req/s, worst p50/p99, summed totals and errors. */
function merge(runs: autocannon.Result[]): autocannon.Result {
  const first = runs[0]!;
  return {
    ...first,
    requests: {
      ...first.requests,
      average: runs.reduce((s, r) => s + r.requests.average, 0) / runs.length,
      total: runs.reduce((s, r) => s + r.requests.total, 0),
    },
    latency: {
      ...first.latency,
      p50: Math.max(...runs.map((r) => r.latency.p50)),
      p99: Math.max(...runs.map((r) => r.latency.p99)),
    },
    errors: runs.reduce((s, r) => s + r.errors, 0),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
  };
}
