/**
 * Group commit: calls made while the event loop is busy, or while the previous commit waits for a lock, are queued and
 * written together by one `commit` (one transaction, so one fsync). Each caller's promise settles only after that
 * commit returned: with its own result, or with the commit's error if it failed, so nothing is acknowledged before it
 * is durable. One commit runs at a time.
 */
export function groupCommit<Item, Result>(
  commit: (items: readonly Item[]) => Promise<readonly Result[]>,
): (item: Item) => Promise<Result> {
  let queue: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  let committing = false;

  async function flush(): Promise<void> {
    const batch = queue;
    queue = [];
    let results: readonly Result[];
    try {
      results = await commit(batch.map((entry) => entry.item));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => {
      entry.resolve(results[index] as Result);
    });
  }

  function schedule(): void {
    setImmediate(() => {
      committing = true;
      void flush().finally(() => {
        committing = false;
        if (queue.length > 0) schedule();
      });
    });
  }

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      if (queue.length === 0 && !committing) schedule();
      queue.push({ item, resolve, reject });
    });
}
