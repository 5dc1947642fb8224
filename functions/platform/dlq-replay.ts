import type { Kafka, Message } from 'kafkajs';
import type { Logger } from 'pino';
import { z } from 'zod';
import { kafka, producer } from '../../layers/connections';
import { NotFoundError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { dlqOf } from '../../triggers/catalogue';
import { CONSUMER_DEFAULTS } from '../../triggers/connector';
import { countOf, pendingRanges, replayGroupOf, replayMessage, type Range } from '../../triggers/dead-letter';

export const replayRequest = z.object({
  topic: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a topic name')
    .refine((topic) => !topic.endsWith('.dlq'), 'name the original topic, not its .dlq'),
  function: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'must be a function name')
    .optional(),
  max: z.number().int().min(1).max(10_000).default(100),
});

export const replayResponse = z.object({
  replayed: z.number().int().min(0),
  remaining: z.number().int().min(0),
});

export type ReplayRequest = z.infer<typeof replayRequest>;
export type ReplayResponse = z.infer<typeof replayResponse>;

export interface DlqReplayDeps {
  kafka: Pick<Kafka, 'admin' | 'consumer'>;
  send: (topic: string, messages: Message[]) => Promise<void>;
  log: Logger;
  /** How long to wait for the messages below the watermark before answering with what was done. */
  deadlineMs: number;
}

/**
 * Moves up to `max` messages of `<topic>.dlq`, as far as its high watermark when called, back
 * to their topic, each addressed (`x-replay-for`) to `function` or the function that failed it,
 * so no other subscriber sees it twice. Publishes, then commits: a crash in between replays a
 * message twice, which the consumer's inbox drops.
 */
export const makeDlqReplay =
  (deps: DlqReplayDeps) =>
  async (input: ReplayRequest): Promise<ReplayResponse> => {
    const dlq = dlqOf(input.topic);
    const groupId = replayGroupOf(input.topic);
    const admin = deps.kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(dlq)) throw new NotFoundError('dead-letter topic', dlq);
      const pending = async (): Promise<Map<number, Range>> => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [dlq] });
        return pendingRanges(await admin.fetchTopicOffsets(dlq), offsets?.partitions ?? []);
      };
      const ranges = await pending();
      const replayed = countOf(ranges) === 0 ? 0 : await replayRanges(deps, { dlq, groupId, ranges, input });
      return { replayed, remaining: countOf(await pending()) };
    } finally {
      await admin.disconnect();
    }
  };

const replayRanges = async (deps: DlqReplayDeps, job: { dlq: string; groupId: string; ranges: Map<number, Range>; input: ReplayRequest }): Promise<number> => {
  const { dlq, ranges, input } = job;
  const consumer = deps.kafka.consumer({ ...CONSUMER_DEFAULTS, groupId: job.groupId });
  const open = new Set(ranges.keys());
  let replayed = 0;
  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [dlq], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const range = ranges.get(partition);
        const offset = Number(message.offset);
        // Past the watermark or the budget: left uncommitted for the next replay.
        if (!range || offset >= range.to || replayed >= input.max) return;
        const { topic, message: out } = replayMessage(message, dlq, input.function);
        await deps.send(topic, [out]);
        await consumer.commitOffsets([{ topic: dlq, partition, offset: String(offset + 1) }]);
        replayed += 1;
        if (offset + 1 >= range.to) open.delete(partition);
        if (open.size === 0 || replayed >= input.max) finish();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, deps.deadlineMs)))]);
    clearTimeout(timer);
    if (open.size > 0 && replayed < input.max) deps.log.warn({ dlq, replayed }, 'dlq replay stopped at its deadline');
  } finally {
    await consumer.disconnect();
  }
  deps.log.info({ dlq, replayed, for: input.function }, 'dead letters replayed');
  return replayed;
};

const handler = defineHttp(
  {
    name: 'platform-dlq-replay',
    method: 'POST',
    summary: 'Move dead-lettered events back to their topic',
    description:
      'Replays up to `max` messages of `<topic>.dlq` (as far as its current end) to `<topic>`, addressed to `function` or to the function that failed each one.',
    tags: ['platform'],
    auth: 'platform',
    request: { body: replayRequest },
    response: { status: 200, schema: replayResponse, description: 'How many were replayed and how many are left' },
    errors: [404],
  },
  async ({ body }, context) => ({
    body: await makeDlqReplay({
      kafka: await kafka(),
      send: async (topic, messages) => {
        await (await producer()).send({ topic, messages, acks: -1 });
      },
      log: context.log,
      deadlineMs: 30_000,
    })(body),
  }),
);

export default handler;
