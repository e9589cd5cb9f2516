import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { Agora } from '../../src/app.js';
import { CONFIG_SCHEMA } from '../../src/config.js';
import { testApp } from '../helpers/app.js';
import { DEPLOY } from './promql.js';

const ROOT = join(DEPLOY, '..');
const read = (...p: string[]) => readFileSync(join(...p), 'utf8');
const CONFIG = new Set(Object.keys(CONFIG_SCHEMA));
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

type Service = {
  image?: string;
  build?: unknown;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  logging?: { driver: string; options: Record<string, string> };
  restart?: string;
  environment?: Record<string, string>;
  labels?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
};
const compose = (file: string) =>
  parse(read(DEPLOY, file), { merge: true, maxAliasCount: -1 }) as {
    services: Record<string, Service>;
    volumes: object;
  };
const COMPOSE_FILES = ['compose.yml', 'compose.prod.yml'];
const AGORA_ROLES = new Set(['app', 'worker', 'migrate']);

/** A pinned tag: explicit, not "latest", with a version number (or a MinIO RELEASE stamp). */
const pinned = (image: string) =>
  /:(v?\d+(\.\d+)+[\w.-]*|RELEASE\.[\w-]+)$/.test(image.replace(/^\$\{[^:]+:-(.+)\}$/, '$1'));

describe.each(COMPOSE_FILES)('%s', (file) => {
  const { services } = compose(file);

  it('every service has log rotation (json-file, 10m × 3) and a restart policy', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.logging, name).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } });
      expect(s.restart, name).toMatch(/^(unless-stopped|always|on-failure(:\d+)?)$/);
    }
  });

  it('every long-running service has a healthcheck; only labelled one-shot jobs disable it', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.labels?.['agora.oneshot'] === 'true') {
        expect(s.restart, name).toMatch(/^on-failure/);
        continue;
      }
      expect(s.healthcheck?.test, name).toBeTruthy();
      expect(s.healthcheck?.disable, name).toBeUndefined();
    }
  });

  it('images are pinned (no latest, no bare names)', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build) continue;
      expect(pinned(s.image ?? ''), `${name}: ${s.image}`).toBe(true);
    }
  });

  it("the app's environment variables all exist in the config schema", () => {
    for (const [name, s] of Object.entries(services)) {
      if (!AGORA_ROLES.has(name)) continue;
      const unknown = Object.keys(s.environment ?? {}).filter((k) => !CONFIG.has(k));
      expect(unknown, name).toEqual([]);
    }
  });

  it('depends_on waits for healthy (or completed) dependencies', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep], `${name} → ${dep}`).toBeDefined();
        const oneshot = services[dep]!.labels?.['agora.oneshot'] === 'true';
        expect(cond.condition, `${name} → ${dep}`).toBe(oneshot ? 'service_completed_successfully' : 'service_healthy');
      }
    }
  });
});

describe('compose.prod.yml', () => {
  const { services } = compose('compose.prod.yml');
  it('has the production stack, with 2 app replicas', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'app',
        'grafana',
        'jaeger',
        'loki',
        'migrate',
        'minio',
        'minio-init',
        'nginx',
        'postgres',
        'prometheus',
        'promtail',
        'rabbitmq',
        'redis',
        'worker',
      ].sort(),
    );
    expect(services.app!.deploy?.replicas).toBe(2);
    expect(services.migrate!.environment).toMatchObject({ AGORA_ENV: 'production' });
  });
  it('Prometheus scrapes /metrics with the app’s METRICS_TOKEN, mounted as a secret', () => {
    const file = compose('compose.prod.yml') as unknown as {
      services: Record<string, Service & { secrets?: string[] }>;
      secrets: Record<string, { environment: string }>;
    };
    expect(file.services.app!.environment?.METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN:\?/);
    expect(file.services.prometheus!.secrets).toEqual(['metrics_token']);
    expect(file.secrets.metrics_token).toEqual({ environment: 'METRICS_TOKEN' });
    const scrape = parse(read(DEPLOY, 'prometheus', 'prometheus.yml')).scrape_configs[0];
    expect(scrape.authorization).toEqual({ type: 'Bearer', credentials_file: '/run/secrets/metrics_token' });
  });
  it('.env.example documents every variable the compose files and the app read', () => {
    const example = read(ROOT, '.env.example');
    const documented = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const used = new Set<string>(CONFIG);
    for (const f of COMPOSE_FILES) for (const m of read(DEPLOY, f).matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)) used.add(m[1]!);
    expect(
      [...used].filter((v) => !documented.has(v)),
      'run: npx tsx deploy/scripts/env-example.ts > .env.example',
    ).toEqual([]);
  });
});

/**
 * No helm binary here: templates are checked after stripping Go-template lines ({{- if }}, {{- toYaml }} ...)
 * and replacing inline {{ expressions }} with a placeholder; what the stripped lines fill in comes from
 * values.yaml, which is checked on its own.
 */
function renderStripped(text: string): unknown[] {
  const yamlText = text
    .split('\n')
    .filter((l) => !/^\s*\{\{-?.*-?\}\}\s*$/.test(l))
    .map((l) => l.replace(/\{\{-?.*?-?\}\}/g, 'TEMPLATED'))
    .join('\n');
  return parseAllDocuments(yamlText).map((d) => {
    if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('\n'));
    return d.toJS();
  });
}

describe('Helm chart deploy/helm/agora', () => {
  const chart = join(DEPLOY, 'helm', 'agora');
  const values = parse(read(chart, 'values.yaml'));
  const templates = readdirSync(join(chart, 'templates')).filter((f) => f.endsWith('.yaml'));
  const docs = Object.fromEntries(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed manifests are walked by path
    templates.map((f) => [f, renderStripped(read(chart, 'templates', f))[0] as Record<string, any>]),
  );
  const byKind = (kind: string) => Object.values(docs).filter((d) => d.kind === kind);

  it('has every object the issue lists', () => {
    expect(
      Object.values(docs)
        .map((d) => d.kind)
        .sort(),
    ).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Ingress',
        'Job',
        'PodDisruptionBudget',
        'Secret',
        'Service',
        'ServiceMonitor',
      ].sort(),
    );
    expect(parse(read(chart, 'Chart.yaml')).apiVersion).toBe('v2');
  });

  it('serve has liveness /health and readiness /ready on the container port; the migration Job is a hook', () => {
    const serve = docs['deployment-serve.yaml']!.spec.template.spec.containers[0];
    expect(serve.livenessProbe.httpGet.path).toBe('/health');
    expect(serve.readinessProbe.httpGet.path).toBe('/ready');
    expect(serve.ports[0].containerPort).toBe(8080);
    expect(serve.args).toEqual(['serve']);
    expect(docs['deployment-worker.yaml']!.spec.template.spec.containers[0].args).toEqual(['worker']);
    const job = docs['job-migrate.yaml']!;
    expect(job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(job.spec.template.spec.containers[0].args).toEqual(['migrate']);
  });

  it('pods run non-root with a read-only root filesystem; resources are set', () => {
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true });
    expect(values.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    for (const role of ['serve', 'worker']) expect(values[role].resources.limits.memory, role).toBeTruthy();
    for (const f of ['deployment-serve.yaml', 'deployment-worker.yaml', 'job-migrate.yaml']) {
      const text = read(chart, 'templates', f);
      expect(text, f).toContain('toYaml .Values.securityContext');
      expect(text, f).toContain('toYaml .Values.podSecurityContext');
    }
  });

  it('the ServiceMonitor sends METRICS_TOKEN from the chart’s secret', () => {
    const endpoint = docs['servicemonitor.yaml']!.spec.endpoints[0];
    expect(endpoint.authorization).toMatchObject({ type: 'Bearer', credentials: { key: 'METRICS_TOKEN' } });
    expect(values.secrets).toHaveProperty('METRICS_TOKEN');
  });

  it('the image tag is pinned and every configured variable exists in the config schema', () => {
    expect(values.image.tag).toMatch(/^\d+\.\d+\.\d+/);
    const keys = [...Object.keys(values.config), ...Object.keys(values.secrets)];
    expect(keys.filter((k) => !CONFIG.has(k))).toEqual([]);
    expect(byKind('Deployment').length).toBe(2);
  });
});

describe('probes and healthchecks point at real routes', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(() => agora?.app.close());

  it('every path used by compose healthchecks, the Dockerfile, the chart and the scrape config answers 200', async () => {
    const sources = [
      ...COMPOSE_FILES.map((f) => read(DEPLOY, f)),
      read(ROOT, 'Dockerfile'),
      ...readdirSync(join(DEPLOY, 'helm', 'agora', 'templates')).map((f) =>
        read(DEPLOY, 'helm', 'agora', 'templates', f),
      ),
      read(DEPLOY, 'prometheus', 'prometheus.yml'),
    ].join('\n');
    const paths = new Set<string>();
    for (const m of sources.matchAll(
      /(?:127\.0\.0\.1:(?:8080|'\+\(process\.env\.PORT\|\|8080\)\+')|path: |metrics_path: )(\/[a-z]+)\b/g,
    ))
      paths.add(m[1]!);
    expect([...paths].sort()).toEqual(['/health', '/metrics', '/ready']);
    for (const url of paths) expect((await agora.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
  });
});

describe('Dockerfile', () => {
  const text = read(ROOT, 'Dockerfile');
  it('is multi-stage, non-root, tini, HEALTHCHECK, production deps, compiled output and migrations', () => {
    expect(text.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-\w+-slim$/m);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"/m);
    expect(text).toMatch(/^HEALTHCHECK /m);
    expect(text).toContain('npm ci --omit=dev');
    expect(text).toMatch(/COPY .*--from=build \/app\/dist/);
    expect(text).toMatch(/COPY .*drizzle \.\/drizzle/);
    expect(text).toContain('EXPOSE 8080');
  });
});

describe.skipIf(!has('yamllint'))('yamllint (skipped without the Debian yamllint package)', () => {
  it('is clean on deploy/ and .github/', () => {
    // relative paths: the config's ignore pattern (Helm templates, checked above) matches paths as given
    const r = spawnSync('yamllint', ['-c', 'deploy/.yamllint.yml', '-f', 'parsable', 'deploy', '.github'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!has('shellcheck'))('shellcheck (skipped without the Debian shellcheck package)', () => {
  it('is clean on deploy/scripts/*.sh', () => {
    const scripts = readdirSync(join(DEPLOY, 'scripts')).filter((f) => f.endsWith('.sh'));
    expect(scripts.length).toBeGreaterThan(0);
    const r = spawnSync(
      'shellcheck',
      scripts.map((f) => join(DEPLOY, 'scripts', f)),
      { encoding: 'utf8' },
    );
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
