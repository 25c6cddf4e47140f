/**
 * One model run at a time, with short requests first. ONNX Runtime Web runs one inference per
 * session at a time; a long page embedded in the background is many batches, and a question's
 * query embedding (one short text) should wait for at most the batch in progress, not the page.
 *
 * Each run starts in a task of its own (setTimeout): single-threaded inference settles its
 * promises as microtasks, so without that a loop of batches never lets the worker read its next
 * message (a search would wait for the whole page).
 */
export type Lane = <T>(run: () => Promise<T>, urgent: boolean) => Promise<T>;

export function createLane(): Lane {
  const urgentQueue: (() => void)[] = [];
  const queue: (() => void)[] = [];
  let busy = false;
  const next = (): void => {
    const go = urgentQueue.shift() ?? queue.shift();
    busy = go !== undefined;
    if (go) setTimeout(go, 0);
  };
  return <T>(run: () => Promise<T>, urgent: boolean) =>
    new Promise<T>((resolve, reject) => {
      const go = (): void => {
        run().then(resolve, reject).finally(next);
      };
      if (urgent && !busy) {
        // Idle: a question's query embedding starts now, not a task later (the hop cost ~1 ms of
        // the search, measured by `npm run bench -- library`); what queues behind it still hops.
        busy = true;
        go();
        return;
      }
      (urgent ? urgentQueue : queue).push(go);
      if (!busy) next();
    });
}
