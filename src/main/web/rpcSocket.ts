import { z } from 'zod';
import type { RawData, WebSocket } from 'ws';
import type { ClientMessage, ServerMessage } from '../../shared/protocol';
import type { ChannelEnd } from './backendLink';

// One WebSocket <-> one backend channel. Text frames carry one JSON protocol message each (the renderer's
// api.ts does JSON.stringify / JSON.parse per frame). Anything else is answered with bad_input, never crashes.

const Id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id: Id, method: z.string().min(1).max(200), input: z.unknown() }),
  z.object({ type: z.literal('cancel'), id: Id }),
]);

export function parseClientMessage(text: string): { ok: true; message: ClientMessage } | { ok: false; id: number; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, id: 0, message: 'Malformed message: not JSON.' };
  }
  const parsed = ClientMessageSchema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data as ClientMessage };
  const id = typeof value === 'object' && value !== null && 'id' in value && Id.safeParse(value.id).success ? (value.id as number) : 0;
  return { ok: false, id, message: 'Malformed message: expected {type:"call", id, method, input} or {type:"cancel", id}.' };
}

const textOf = (d: RawData): string => (Buffer.isBuffer(d) ? d : Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d)).toString('utf8');

export function relaySocket(ws: WebSocket, channel: ChannelEnd): void {
  const reply = (m: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const unsubscribe = channel.onMessage(reply);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) return reply({ type: 'error', id: 0, error: { code: 'bad_input', message: 'Binary frames are not supported.' } });
    const parsed = parseClientMessage(textOf(data));
    if (parsed.ok) channel.send(parsed.message);
    else reply({ type: 'error', id: parsed.id, error: { code: 'bad_input', message: parsed.message } });
  });
  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    unsubscribe();
    channel.close();
  });
}
