import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../src/app.js';
import { testApp } from './helpers/app.js';
import { sleep } from './jobs/helpers.js';

/** startWorkers: a job transport that cannot start is retried, and stopping never leaves one running. */
describe('startWorkers', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(async () => agora.app.close());

  it('retries a transport that fails to start; stopping during an attempt stops what it started', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    let stoppedJobs = 0;
    agora.ctx.jobs.start = async () => {
      calls++;
      if (calls === 1) throw new Error('broker down');
      await new Promise<void>((r) => (release = r));
      return async () => {
        await sleep(50); // stopping a consumer and a relay takes a moment: stop() must wait for it
        stoppedJobs++;
      };
    };
    const stop = agora.startWorkers();
    await sleep(1300);
    expect(calls).toBe(2);
    const stopping = stop();
    release();
    await stopping;
    expect(stoppedJobs).toBe(1);
  });

  it('stopping between attempts cancels the next one', async () => {
    let calls = 0;
    agora.ctx.jobs.start = async () => {
      calls++;
      throw new Error('broker down');
    };
    const stop = agora.startWorkers();
    await sleep(100);
    await stop();
    await sleep(1200);
    expect(calls).toBe(1);
  });
});
