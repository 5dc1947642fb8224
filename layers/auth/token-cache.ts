import type { Actor } from './types';

/**
 * Verified access tokens, remembered until they expire (at most `ttlMs`), so a warm function
 * verifies a client's signature once rather than on every request. The key is the whole
 * token, signature included: only the very same bytes hit. Oldest entries go first when full.
 */
export interface TokenCache {
  get(token: string, nowMs?: number): Actor | undefined;
  set(token: string, actor: Actor, expiresAtMs: number, nowMs?: number): void;
  readonly size: number;
}

export const tokenCache = (maxEntries: number, ttlMs: number): TokenCache => {
  const entries = new Map<string, { actor: Actor; until: number }>();
  return {
    get(token, nowMs = Date.now()) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (entry.until <= nowMs) {
        entries.delete(token);
        return undefined;
      }
      return entry.actor;
    },
    set(token, actor, expiresAtMs, nowMs = Date.now()) {
      if (maxEntries <= 0) return;
      entries.delete(token);
      entries.set(token, { actor, until: Math.min(expiresAtMs, nowMs + ttlMs) });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    get size() {
      return entries.size;
    },
  };
};
