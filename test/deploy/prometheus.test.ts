import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { DEPLOY } from './promql.js';

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const PROMETHEUS = has('prometheus') && has('promtool');

/** The METRICS_TOKEN of the app these tests scrape; compose mounts it as the secret file prometheus.yml reads. */
const METRICS_TOKEN = 'prometheus-scrape-token-0123456789';

/** deploy/prometheus.yml with the rules path, the token file and the app target rewritten for this machine. */
function localConfig(dir: string, target?: string): string {
  const cfg = parse(readFileSync(join(DEPLOY, 'prometheus', 'prometheus.yml'), 'utf8'));
  cfg.global.scrape_interval = '1s';
  cfg.rule_files = [join(DEPLOY, 'prometheus', 'rules', '*.yml')];
  const agora = cfg.scrape_configs.find((s: { job_name: string }) => s.job_name === 'agora');
  expect(agora.authorization.credentials_file).toBe('/run/secrets/metrics_token');
  agora.authorization.credentials_file = join(dir, 'metrics_token');
  writeFileSync(join(dir, 'metrics_token'), `${METRICS_TOKEN}\n`);
  if (target) {
    delete agora.dns_sd_configs; // compose DNS discovery stands for a static target here
    agora.static_configs = [{ targets: [target] }];
  }
  const file = join(dir, 'prometheus.yml');
  writeFileSync(file, stringify(cfg));
  return file;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe.skipIf(!PROMETHEUS)(
  'Prometheus (skipped without the Debian prometheus package: apt-get install prometheus)',
  () => {
    it('promtool check config and check rules pass', () => {
      const dir = mkdtempSync(join(tmpdir(), 'agora-prom-'));
      const config = spawnSync('promtool', ['check', 'config', localConfig(dir)], { encoding: 'utf8' });
      expect(config.status, config.stdout + config.stderr).toBe(0);
      const rules = spawnSync('promtool', ['check', 'rules', join(DEPLOY, 'prometheus', 'rules', 'agora.rules.yml')], {
        encoding: 'utf8',
      });
      expect(rules.status, rules.stdout + rules.stderr).toBe(0);
      expect(rules.stdout).toMatch(/SUCCESS: \d+ rules found/);
    });

    describe('scraping a running Agora', () => {
      let agora: Agora;
      let prom: ChildProcess;
      let promUrl: string;
      let log = '';
      beforeAll(async () => {
        agora = await testApp({ METRICS_TOKEN });
        await agora.app.listen({ port: 0, host: '127.0.0.1' });
        const { port } = agora.app.server.address() as { port: number };
        await agora.app.inject({ method: 'GET', url: '/health' });
        const dir = mkdtempSync(join(tmpdir(), 'agora-prom-'));
        const promPort = await freePort();
        promUrl = `http://127.0.0.1:${promPort}`;
        prom = spawn(
          'prometheus',
          [
            `--config.file=${localConfig(dir, `127.0.0.1:${port}`)}`,
            `--storage.tsdb.path=${join(dir, 'data')}`,
            `--web.listen-address=127.0.0.1:${promPort}`,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        prom.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      });
      afterAll(async () => {
        prom?.kill('SIGTERM');
        await agora?.app.close();
      });

      const poll = async <T>(fn: () => Promise<T | undefined>, ms = 40_000): Promise<T> => {
        const until = Date.now() + ms;
        for (;;) {
          const v = await fn().catch(() => undefined);
          if (v !== undefined) return v;
          if (Date.now() > until) throw new Error(`timed out; prometheus log:\n${log.slice(-3000)}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      };

      it('sees the Agora target up and http_requests_total scraped, with the alert rules loaded', async () => {
        const target = await poll(async () => {
          const r = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as {
            data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
          };
          const t = r.data.activeTargets.find((a) => a.labels.job === 'agora');
          return t?.health === 'up' ? t : undefined;
        });
        expect(target.lastError).toBe('');
        const series = await poll(async () => {
          const q = encodeURIComponent('http_requests_total{route="/health"}');
          const r = (await (await fetch(`${promUrl}/api/v1/query?query=${q}`)).json()) as {
            data: { result: { metric: Record<string, string>; value: [number, string] }[] };
          };
          return r.data.result.length ? r.data.result : undefined;
        });
        expect(series[0]!.metric).toMatchObject({ job: 'agora', method: 'GET', route: '/health', status: '200' });
        const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
          data: { groups: { rules: { name: string; health: string }[] }[] };
        };
        const loaded = rules.data.groups.flatMap((g) => g.rules);
        expect(loaded.map((r) => r.name)).toContain('AgoraHighErrorRate');
        expect(loaded.filter((r) => r.health === 'err')).toEqual([]);
      }, 60_000);
    });
  },
);
