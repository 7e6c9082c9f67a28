/**
 * How the harness reads an answer it did not write: at most `maxBytes` of the body, within the request's deadline
 * (the caller's `AbortSignal`). A receiver that streams an endless or a huge answer costs a bounded amount of memory
 * and time: past the cap the stream is destroyed (its connection closed), and a body cut by the deadline keeps what
 * had arrived.
 */
export interface AnswerBody {
  /** The first bytes of the body, at most the cap. */
  readonly bytes: Buffer;
  /** `complete`: the whole body; `cap`: longer than the cap, cut there; `cut`: ended by the deadline or the network. */
  readonly end: 'complete' | 'cap' | 'cut';
}

export async function readAnswerBody(
  body: AsyncIterable<Buffer | Uint8Array> & { destroy(error?: Error): unknown },
  maxBytes: number,
): Promise<AnswerBody> {
  const chunks: Buffer[] = [];
  let kept = 0;
  try {
    for await (const chunk of body) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const room = maxBytes - kept;
      if (bytes.length > room) {
        if (room > 0) chunks.push(bytes.subarray(0, room));
        body.destroy();
        return { bytes: Buffer.concat(chunks), end: 'cap' };
      }
      chunks.push(bytes);
      kept += bytes.length;
    }
    return { bytes: Buffer.concat(chunks), end: 'complete' };
  } catch {
    return { bytes: Buffer.concat(chunks), end: 'cut' };
  }
}

/** What an answer body says, for a report line: its first characters, and a note when it was cut. */
export function answerExcerpt(answer: AnswerBody, maxChars: number): string {
  const text = answer.bytes.toString('utf8').slice(0, maxChars);
  if (answer.end === 'cap') return `${text} … (answer longer than ${answer.bytes.length} bytes; cut)`;
  if (answer.end === 'cut') return `${text} … (answer body did not end in time; cut)`;
  return text;
}
