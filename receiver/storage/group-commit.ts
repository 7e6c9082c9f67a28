/**
 * Group commit: calls made while the event loop is busy are queued and written together by one `commit` (one
 * transaction, so one fsync) on the next turn. Each caller's promise settles only after that commit returned: with
 * its own result, or with the commit's error if it failed, so nothing is acknowledged before it is durable.
 */
export function groupCommit<Item, Result>(
  commit: (items: readonly Item[]) => readonly Result[],
): (item: Item) => Promise<Result> {
  let queue: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];

  function flush(): void {
    const batch = queue;
    queue = [];
    let results: readonly Result[];
    try {
      results = commit(batch.map((entry) => entry.item));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => {
      entry.resolve(results[index] as Result);
    });
  }

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ item, resolve, reject });
    });
}
