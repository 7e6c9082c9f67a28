import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Known-answer signing vectors, shared by the simulator's, the receiver's and the official-library tests. */
export const SigningVectorSchema = z.object({
  name: z.string(),
  secrets: z.array(z.string()).min(1),
  timestamp: z.number().int(),
  eventId: z.string(),
  /** The URL the endpoint is registered under, for schemes that sign it (Square). */
  notificationUrl: z.string().optional(),
  body: z.string(),
  /** The body as sent, for schemes that sign inside it (Adyen `hmacSignature`): what `signBody` makes of `body`. */
  signedBody: z.string().optional(),
  headers: z.record(z.string(), z.string()),
});
export type SigningVector = z.infer<typeof SigningVectorSchema>;

const VectorFileSchema = z.object({ provider: z.string(), source: z.string(), vectors: z.array(SigningVectorSchema) });

export function signingVectors(providerId: string): SigningVector[] {
  const url = new URL(`./vectors/${providerId}.json`, import.meta.url);
  return VectorFileSchema.parse(JSON.parse(readFileSync(url, 'utf8'))).vectors;
}
