import { describe, expect, it } from 'vitest';
import { createLane } from '../../src/worker/embed/lane.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('the model lane', () => {
  it('runs one at a time, and an urgent run goes before queued batches', async () => {
    const lane = createLane();
    const order: string[] = [];
    let running = 0;
    const job = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      order.push(`start ${name}`);
      await tick();
      running--;
      return name;
    };
    const batches = [1, 2, 3].map((i) => lane(job(`batch${i}`), false));
    await new Promise((r) => setTimeout(r, 1));
    const query = lane(job('query'), true);
    await expect(Promise.all([...batches, query])).resolves.toEqual(['batch1', 'batch2', 'batch3', 'query']);
    expect(order).toEqual(['start batch1', 'start query', 'start batch2', 'start batch3']);
  });

  it('an urgent run on an idle lane starts at once, in the caller’s task', async () => {
    const lane = createLane();
    let started = false;
    const done = lane(async () => {
      started = true;
      return 1;
    }, true);
    expect(started).toBe(true);
    await expect(done).resolves.toBe(1);
    // A batch still starts in a task of its own.
    let batch = false;
    const later = lane(async () => {
      batch = true;
    }, false);
    expect(batch).toBe(false);
    await later;
    expect(batch).toBe(true);
  });

  it('a failed run rejects its caller and the lane goes on', async () => {
    const lane = createLane();
    const bad = lane(async () => {
      throw new Error('boom');
    }, false);
    const good = lane(async () => 7, false);
    await expect(bad).rejects.toThrow('boom');
    await expect(good).resolves.toBe(7);
  });
});
