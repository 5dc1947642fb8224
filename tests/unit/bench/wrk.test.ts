import { describe, expect, it } from 'vitest';
import { parseLatency, parseWrk } from '../../bench/wrk';
import { compare, formatTable, median, percentile } from '../../bench/stats';

const OUTPUT = `Running 5s test @ http://127.0.0.1:1234/x
  1 threads and 16 connections
  Latency Distribution
     50%  412.00us
     75%  600.00us
     90%    1.10ms
     99%    3.25ms
  40000 requests in 5.00s, 10.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   8000.50
Transfer/sec:      2.00MB
`;

describe('wrk output', () => {
  it('reads percentiles in milliseconds, throughput and failures', () => {
    expect(parseWrk(OUTPUT)).toEqual({ p50: 0.412, p99: 3.25, rps: 8000.5, non2xx: 3, errors: 0 });
    expect(parseWrk(`${OUTPUT}  Socket errors: connect 1, read 2, write 0, timeout 4\n`).errors).toBe(7);
  });

  it('converts every unit and refuses garbage', () => {
    expect(parseLatency('1.5s')).toBe(1500);
    expect(() => parseLatency('fast')).toThrow();
  });
});

describe('bench statistics', () => {
  it('compares against targets in either direction', () => {
    expect(compare('a', 1.2, 1, { max: 1.3 }, 'ms')).toMatchObject({ ratio: 1.2, ok: true });
    expect(compare('b', 0.5, 1, { min: 0.7 }, 'req/s')).toMatchObject({ ratio: 0.5, ok: false });
    expect(compare('c', 1, 0, { max: 2 }, 'ms').ok).toBe(false);
  });

  it('takes percentiles and medians', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
    expect(median([5, 1, 3])).toBe(3);
  });

  it('prints a table with a row per result', () => {
    const table = formatTable([compare('latency', 2, 1, { max: 1.5 }, 'ms')]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain('NO');
  });
});
