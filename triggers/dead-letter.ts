import type { IHeaders, Message } from 'kafkajs';
import { headerStrings } from '../layers/events/kafka-binding';

/**
 * The dead-letter format, both ways: the connector sends a failed event to `<topic>.dlq` as
 * the original message (key, value, CloudEvents headers) plus the failure; platform-dlq-replay
 * sends it back to its topic without the failure, addressed to the function that failed.
 */
export const REPLAY_HEADER = 'x-replay-for';

export const DLQ_HEADERS = {
  error: 'x-error',
  function: 'x-failed-function',
  attempts: 'x-attempts',
  topic: 'x-original-topic',
  partition: 'x-original-partition',
  offset: 'x-original-offset',
} as const;

const DELIVERY_HEADERS = new Set<string>([REPLAY_HEADER, ...Object.values(DLQ_HEADERS)]);

export interface RawMessage {
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: IHeaders;
  offset: string;
}

export interface Failure {
  functionName: string;
  topic: string;
  partition: number;
  error: string;
  attempts: number;
}

/** The event's own headers: those of an earlier delivery round (failure, replay target) dropped. */
const eventHeaders = (headers: IHeaders | undefined): IHeaders =>
  Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !DELIVERY_HEADERS.has(name.toLowerCase())));

export const deadLetterMessage = (message: RawMessage, failure: Failure): Message => ({
  key: message.key,
  value: message.value,
  headers: {
    ...eventHeaders(message.headers),
    [DLQ_HEADERS.error]: failure.error,
    [DLQ_HEADERS.function]: failure.functionName,
    [DLQ_HEADERS.attempts]: String(failure.attempts),
    [DLQ_HEADERS.topic]: failure.topic,
    [DLQ_HEADERS.partition]: String(failure.partition),
    [DLQ_HEADERS.offset]: message.offset,
  },
});

/**
 * The message to put back on its original topic: for `forFunction` when given, else for the
 * function that failed it, else (no failure recorded) for every subscriber.
 */
export const replayMessage = (message: RawMessage, dlqTopic: string, forFunction?: string): { topic: string; message: Message } => {
  const headers = headerStrings(message.headers);
  const target = forFunction ?? headers[DLQ_HEADERS.function];
  return {
    topic: headers[DLQ_HEADERS.topic] ?? dlqTopic.replace(/\.dlq$/, ''),
    message: { key: message.key, value: message.value, headers: { ...eventHeaders(message.headers), ...(target ? { [REPLAY_HEADER]: target } : {}) } },
  };
};

/** The replay position of a topic's DLQ is this group's committed offset. */
export const replayGroupOf = (topic: string): string => `platform-dlq-replay.${topic}`;

export interface Range {
  from: number;
  to: number;
}

/**
 * Per partition, the offsets a group has still to read: from its committed position (or the log
 * start, for a group that never committed) to the high watermark. For the replay group of a DLQ
 * that is what waits to be replayed; for a connector group, its lag.
 */
export const pendingRanges = (
  watermarks: readonly { partition: number; high: string; low: string }[],
  committed: readonly { partition: number; offset: string }[],
): Map<number, Range> => {
  const positions = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  const ranges = new Map<number, Range>();
  for (const { partition, high, low } of watermarks) {
    const from = Math.max(positions.get(partition) ?? -1, Number(low));
    if (from < Number(high)) ranges.set(partition, { from, to: Number(high) });
  }
  return ranges;
};

export const countOf = (ranges: Map<number, Range>): number => [...ranges.values()].reduce((sum, r) => sum + r.to - r.from, 0);
