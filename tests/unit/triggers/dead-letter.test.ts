import { describe, expect, it } from 'vitest';
import { headerStrings } from '../../../layers/events/kafka-binding';
import { deadLetterMessage, replayMessage } from '../../../triggers/dead-letter';

const original = {
  key: Buffer.from('p-1'),
  value: Buffer.from('{"n":1}'),
  offset: '41',
  headers: { ce_id: Buffer.from('e-1'), ce_type: Buffer.from('a.b.c.v1'), 'content-type': Buffer.from('application/json') },
};

const failure = { functionName: 'b-on-c', topic: 'a.b.c', partition: 2, error: '500 internal_error', attempts: 5 };

describe('dead letters', () => {
  it('keep the original key, value and headers, with the failure attached', () => {
    const letter = deadLetterMessage(original, failure);
    expect(letter.key).toBe(original.key);
    expect(letter.value).toBe(original.value);
    expect(headerStrings(letter.headers)).toEqual({
      ce_id: 'e-1',
      ce_type: 'a.b.c.v1',
      'content-type': 'application/json',
      'x-error': '500 internal_error',
      'x-failed-function': 'b-on-c',
      'x-attempts': '5',
      'x-original-topic': 'a.b.c',
      'x-original-partition': '2',
      'x-original-offset': '41',
    });
  });

  it('go back to their topic addressed to the failed function, without the failure', () => {
    const letter = deadLetterMessage(original, failure);
    const replay = replayMessage({ ...letter, headers: letter.headers!, offset: '0' } as never, 'a.b.c.dlq');
    expect(replay.topic).toBe('a.b.c');
    expect(replay.message.key).toBe(original.key);
    expect(headerStrings(replay.message.headers)).toEqual({ ce_id: 'e-1', ce_type: 'a.b.c.v1', 'content-type': 'application/json', 'x-replay-for': 'b-on-c' });
  });

  it('can be replayed for another function, or for every subscriber when no failure is recorded', () => {
    const letter = deadLetterMessage(original, failure);
    expect(headerStrings(replayMessage({ ...letter, offset: '0' } as never, 'a.b.c.dlq', 'x-on-c').message.headers)['x-replay-for']).toBe('x-on-c');
    const bare = replayMessage(original, 'a.b.c.dlq');
    expect(bare.topic).toBe('a.b.c');
    expect(headerStrings(bare.message.headers)['x-replay-for']).toBeUndefined();
  });

  it('fail again cleanly: the headers of the earlier round are replaced, not repeated', () => {
    const first = deadLetterMessage(original, failure);
    const replayed = replayMessage({ ...first, offset: '0' } as never, 'a.b.c.dlq').message;
    const second = deadLetterMessage({ ...replayed, offset: '99' } as never, { ...failure, error: 'again', attempts: 3 });
    const headers = headerStrings(second.headers);
    expect(headers).toMatchObject({ 'x-error': 'again', 'x-attempts': '3', 'x-original-offset': '99' });
    expect(headers['x-replay-for']).toBeUndefined();
  });
});
