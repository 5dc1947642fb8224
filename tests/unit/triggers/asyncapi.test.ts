import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASYNCAPI_PATH, asyncApiDocument } from '../../../triggers/asyncapi';
import { topics } from '../../../triggers/catalogue';
import { loadStack } from '../../../triggers/stack';

type Json = Record<string, any>;

const doc = asyncApiDocument(loadStack(), {}) as Json;

/** Every `$ref` in the document, each with the value it points at (undefined when dangling). */
const refs = (node: unknown, found: { ref: string; target: unknown }[] = []) => {
  if (Array.isArray(node)) node.forEach((child) => refs(child, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const target = value
          .slice(2)
          .split('/')
          .reduce<any>((at, segment) => at?.[segment], doc);
        found.push({ ref: value, target });
      } else refs(value, found);
    }
  }
  return found;
};

describe('asyncApiDocument', () => {
  it('is an AsyncAPI 3.0 document for Kafka', () => {
    expect(doc).toMatchObject({
      asyncapi: '3.0.0',
      info: { title: 'Marketplace events' },
      defaultContentType: 'application/json',
      servers: { local: { protocol: 'kafka' } },
    });
  });

  it('has a channel per topic and per dead-letter topic, with their Kafka settings', () => {
    for (const spec of topics({})) {
      expect(doc.channels[spec.name]).toMatchObject({ address: spec.name, bindings: { kafka: { partitions: spec.partitions, replicas: 1 } } });
      expect(spec.partitions).toBeGreaterThanOrEqual(3);
      expect(Object.keys(doc.channels[spec.name].messages)).toEqual(spec.events.map((e) => e.type));
      expect(doc.channels[spec.dlq]).toMatchObject({ address: spec.dlq, messages: { deadLetter: expect.any(Object) } });
    }
  });

  it('describes each message by the JSON Schema of its data and the CloudEvents headers', () => {
    const message = doc.components.messages['review.rating.updated.v1'];
    expect(message.payload).toMatchObject({
      type: 'object',
      required: ['productId', 'ratingSum', 'ratingCount', 'version'],
      properties: { ratingCount: { type: 'integer' } },
    });
    expect(message.payload.$schema).toBeUndefined();
    expect(message.traits).toEqual([{ $ref: '#/components/messageTraits/cloudEvent' }]);
    expect(doc.components.messageTraits.cloudEvent.headers.required).toEqual(
      expect.arrayContaining(['ce_id', 'ce_type', 'ce_source', 'ce_tenantid', 'ce_specversion']),
    );
    expect(doc.components.messages.deadLetter.headers.required).toEqual(expect.arrayContaining(['x-error', 'x-failed-function', 'x-original-offset']));
  });

  it('has send operations for producers and receive operations for stack.yml consumers', () => {
    expect(doc.operations['products-create.send.products.product.created']).toMatchObject({
      action: 'send',
      channel: { $ref: '#/channels/products.product.created' },
    });
    expect(doc.operations['audit-on-event.receive.products.product.created']).toMatchObject({ action: 'receive' });
    expect(doc.operations['review-on-review-moderated.send.review.rating.updated']).toMatchObject({ action: 'send' });
  });

  it('has no dangling $ref', () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((r) => r.target === undefined).map((r) => r.ref)).toEqual([]);
  });

  it('is what triggers/asyncapi.json holds (regenerate with npx tsx triggers/asyncapi.ts)', () => {
    expect(JSON.parse(readFileSync(ASYNCAPI_PATH, 'utf8'))).toEqual(asyncApiDocument(loadStack(), {}));
  });
});
