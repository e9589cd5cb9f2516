// The TypeScript sources, compiled once to JavaScript and kept until they change.
//
// `npm start` and every `agora` command used to run src/ through tsx: its loader thread resolves and
// transforms each of ~240 modules on every start (about 1.5 s of CPU and a second V8 isolate's memory).
// Instead, esbuild bundles them (with a few pure-JavaScript packages, below) into
// node_modules/.cache/agora/build-<hash>/, named by a hash of their content: a start whose sources have not
// changed loads a handful of plain JavaScript files; an edited file gives a new hash and one rebuild (under a
// second).
// `npm install` makes the first build (postinstall), so a newcomer's first start pays nothing for it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'agora');
const KEEP = 3;
/** What bin/agora.js loads: tracing first (it patches packages as they load), then the app. */
const ENTRIES = ['src/platform/observability/tracing.ts', 'src/main.ts'];
/**
 * Packages bundled with the sources: pure JavaScript made of many small ES modules, whose loading (resolving
 * and reading each file) cost more than running them — typebox alone was about 230 ms. Every other package is
 * loaded from node_modules as usual: those with native code, WASM or files of their own (PGlite, argon2, pino's
 * transports), those the tracing instrumentations patch (fastify, pg, ioredis, amqplib), and those another
 * package also imports, which must stay one copy (jose, shared with openid-client and oidc-provider).
 */
const BUNDLED = new Set(['typebox', 'drizzle-orm', 'liquidjs', 'cron-parser', 'file-type', 'lru-cache', 'prom-client']);
const packageName = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
const packagesOutside = {
  name: 'packages-outside',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path }) =>
      path.startsWith('node:') || !BUNDLED.has(packageName(path)) ? { path, external: true } : undefined,
    );
  },
};

function listFiles(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(path, out);
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * The build's fingerprint: every input's path and bytes — the files under src/, the installed packages (the
 * lockfile: some are bundled) and this script — and the compiler's version.
 */
function fingerprint(inputs, esbuildVersion) {
  const hash = createHash('sha256').update(`${esbuildVersion}\n`);
  for (const file of inputs)
    hash
      .update(`${relative(ROOT, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** The inputs' paths, sizes and modification times: equal to the last start's, the build is the same. */
function statKey(inputs, esbuildVersion) {
  const hash = createHash('sha256').update(`${esbuildVersion}\n`);
  for (const file of inputs) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(ROOT, file)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * The directory holding src/ compiled to JavaScript (`src/main.js` and
 * `src/platform/observability/tracing.js` are the entries), built now if the
 * sources changed since the last build. Undefined when there are no sources to compile (a container image
 * ships dist/ instead) or no esbuild.
 */
export async function compiledSources({ log = () => undefined } = {}) {
  const src = join(ROOT, 'src');
  if (!existsSync(src)) return undefined;
  const files = listFiles(src).sort();
  const sources = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  if (!sources.length) return undefined;
  let version;
  try {
    version = createRequire(import.meta.url)('esbuild/package.json').version;
  } catch {
    return undefined;
  }
  // Unchanged files (same sizes and modification times as at the last start) need no hashing.
  const inputs = [fileURLToPath(import.meta.url), join(ROOT, 'package-lock.json'), ...files].filter(existsSync);
  const stats = statKey(inputs, version);
  const last = join(CACHE, 'last-build');
  const [lastStats, lastBuild] = existsSync(last) ? readFileSync(last, 'utf8').split(' ') : [];
  if (lastStats === stats && lastBuild && existsSync(join(CACHE, lastBuild, 'package.json')))
    return join(CACHE, lastBuild);
  const key = fingerprint(inputs, version);
  const out = join(CACHE, `build-${key}`);
  const remember = () => {
    writeFileSync(`${last}.${process.pid}`, `${stats} build-${key}`);
    renameSync(`${last}.${process.pid}`, last);
  };
  if (existsSync(join(out, 'package.json'))) {
    remember();
    return out;
  }

  const esbuild = await import('esbuild');

  const started = Date.now();
  const work = `${out}.${process.pid}.tmp`;
  rmSync(work, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: ENTRIES.map((entry) => join(ROOT, entry)),
    outbase: ROOT,
    outdir: work,
    bundle: true,
    // Modules the app imports only when needed (the S3 client, the mail transport, …) stay apart.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // CommonJS code inside the bundle calls require().
    banner: {
      js: "import { createRequire as __agoraRequire } from 'node:module';\nconst require = __agoraRequire(import.meta.url);",
    },
    plugins: [packagesOutside],
    // Off by default (node --enable-source-maps reads them): parsing maps on every start costs time.
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'error',
  });
  // Under node_modules/ a package.json is needed for Node to read .js files as ES modules; written last, it
  // also marks the build complete.
  writeFileSync(join(work, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
  try {
    renameSync(work, out);
  } catch {
    // Another process finished the same build first: theirs is identical.
    rmSync(work, { recursive: true, force: true });
  }
  prune(out);
  remember();
  log(`agora: compiled ${sources.length} source files in ${Date.now() - started} ms`);
  return out;
}

/** Keeps the newest few builds (other branches' sources), removes the rest. */
function prune(current) {
  const builds = readdirSync(CACHE)
    .filter((name) => name.startsWith('build-'))
    .map((name) => join(CACHE, name))
    .filter((path) => path !== current)
    .map((path) => ({ path, time: statSync(path).mtimeMs }))
    .sort((a, b) => b.time - a.time);
  for (const { path } of builds.slice(KEEP - 1)) rmSync(path, { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await compiledSources({ log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`${out ? `agora: build ${relative(ROOT, out)}` : 'agora: nothing to compile'}\n`);
}
