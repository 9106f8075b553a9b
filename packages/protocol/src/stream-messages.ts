import { z } from 'zod';
import { cursorSchema } from './envelope.js';

/**
 * Messages of the lossless-channel layer (see docs/protocol.md, "Lossless channels").
 *
 * Every frame the relay forwards between an app and a runtime carries `seq`: numbered per
 * environment and direction. Receivers acknowledge cumulatively with `ack` frames
 * (`{ type: 'ack', ack: <highest seq received in order> }`), batched.
 */

/** A client-chosen app session id: 8–64 characters of `[A-Za-z0-9_-]`, kept across reconnects. */
export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'a session id is 8-64 characters of A-Z a-z 0-9 _ -');

/**
 * app → relay, the first frame of a connection: attach to the environment's runtime stream.
 * - no `cursor`: start at the live head (nothing is replayed);
 * - `cursor`: replay every runtime→app frame after it for this session, then go live;
 * - `fromOldest`: replay everything the relay still retains (after a `cursor-expired`).
 * `session` names the app session across reconnects; answers to requests sent under it are
 * retained for it, and its frames are acknowledged with `ack` = the highest app seq received.
 */
export const resumeRequestSchema = z
  .object({
    session: sessionIdSchema,
    cursor: cursorSchema.optional(),
    fromOldest: z.boolean().optional(),
  })
  .strict();
export type ResumeRequest = z.infer<typeof resumeRequestSchema>;

/**
 * relay → app, the answer to `resume` (`re` = its id), sent after the replayed frames:
 * `epoch` of the stream, `head` = the highest seq sent to this connection so far, and `ack` =
 * the highest app→runtime seq of this session the relay holds (resend everything after it).
 */
export const resumedEventSchema = z.object({
  epoch: z.string(),
  head: z.number().int().nonnegative(),
  ack: z.number().int().nonnegative(),
  replayed: z.number().int().nonnegative(),
});
export type ResumedEvent = z.infer<typeof resumedEventSchema>;

/**
 * relay → app (numbered, in the stream): frames were provably lost.
 * `reason`: `epoch-changed` (the relay lost its retained window, e.g. it was killed),
 * `runtime-frames-dropped` (the runtime's own buffer overflowed while the relay was away),
 * `cursor-expired` (the app resumed from its oldest retained frame after a cursor-expired error).
 * `lost` is the number of frames known to be lost, when known.
 */
export const gapEventSchema = z.object({
  reason: z.enum(['epoch-changed', 'runtime-frames-dropped', 'cursor-expired']),
  lost: z.number().int().nonnegative().optional(),
  message: z.string(),
});
export type GapEvent = z.infer<typeof gapEventSchema>;
