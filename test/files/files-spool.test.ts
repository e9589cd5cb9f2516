import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { createFiles } from '../../src/modules/files/index.js';
import { testApp } from '../helpers/app.js';
import { PNG } from './fixtures.js';

/** Finding 6 of issue 11: upload temp files in DATA_DIR/files/.incoming left by a crash were never removed. */
const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

function plant(dir: string, name: string, ageSeconds = 0) {
  const path = join(dir, name);
  writeFileSync(path, PNG);
  const t = new Date(Date.now() - ageSeconds * 1000);
  utimesSync(path, t, t);
  return name;
}

describe('files: upload temp files left by a crash', () => {
  const apps: Agora[] = [];
  afterAll(async () => {
    for (const a of apps) await a.app.close();
  });

  it('are removed at start-up when their process is gone or they are old; live ones stay', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agora-spool-'));
    const spool = join(dataDir, 'files', '.incoming');
    mkdirSync(spool, { recursive: true });
    const crashed = plant(spool, `${host}-${deadPid()}-${randomUUID()}`);
    const old = plant(spool, randomUUID(), 2 * 3600);
    const otherHostOld = plant(spool, `0badc0de-42-${randomUUID()}`, 2 * 3600);
    // Another live process of this host (the test runner's parent) may be writing these: they stay.
    const liveProcess = plant(spool, `${host}-${process.ppid}-${randomUUID()}`);
    const otherHostFresh = plant(spool, `0badc0de-42-${randomUUID()}`);
    const unknownFresh = plant(spool, randomUUID());
    expect(readdirSync(spool)).toHaveLength(6);

    apps.push(await testApp({ DATA_DIR: dataDir }));
    const left = readdirSync(spool);
    expect(left.sort()).toEqual([liveProcess, otherHostFresh, unknownFresh].sort());
    expect(left).not.toContain(crashed);
    expect(left).not.toContain(old);
    expect(left).not.toContain(otherHostOld);
  });

  it('are removed by the files sweep task once old, while an upload in progress keeps its temp file', async () => {
    const agora = await testApp();
    apps.push(agora);
    const files = createFiles(agora.ctx);
    const sweep = files.tasks.find((t) => t.name === 'files.blobs.sweep')!;
    const spool = join(agora.ctx.config.DATA_DIR, 'files', '.incoming');

    // An upload whose bytes are still arriving.
    const body = new PassThrough();
    const upload = files.put({ stream: body, filename: 'slow.png', ownerId: null });
    body.write(PNG.subarray(0, 8));
    await expect.poll(() => readdirSync(spool).length).toBe(1);
    const inProgress = readdirSync(spool)[0]!;
    // Its file is old by mtime (a stalled client), yet it is this process's upload in flight.
    utimesSync(join(spool, inProgress), new Date(0), new Date(0));

    const crashed = plant(spool, `${host}-${deadPid()}-${randomUUID()}`);
    const old = plant(spool, `0badc0de-42-${randomUUID()}`, 2 * 3600);
    const fresh = plant(spool, `0badc0de-42-${randomUUID()}`, 60);
    const result = (await sweep.run()) as { spool: number };
    expect(result.spool).toBe(2);
    expect(readdirSync(spool).sort()).toEqual([inProgress, fresh].sort());

    body.end(PNG.subarray(8));
    const row = await upload;
    expect(row.size).toBe(PNG.length);
    expect(readdirSync(spool)).toEqual([fresh]);
    expect(readdirSync(spool)).not.toContain(crashed);
    expect(readdirSync(spool)).not.toContain(old);
  });
});
