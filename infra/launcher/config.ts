import os from 'node:os';
import path from 'node:path';
import type { LauncherConfig, ServiceDefinition, ServiceName } from './types';
import { SERVICE_NAMES } from './types';

type Env = Record<string, string | undefined>;

export const HOST = '127.0.0.1';

const PORT_DEFAULTS = {
  KAFKA_PORT: 9092,
  KAFKA_CONTROLLER_PORT: 9093,
  MONGO_PORT: 27017,
  REDIS_PORT: 6379,
  STRIPE_MOCK_PORT: 12111,
  PROMETHEUS_PORT: 9090,
  GATEWAY_PORT: 8080,
} as const;

export function port(env: Env, name: keyof typeof PORT_DEFAULTS): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return PORT_DEFAULTS[name];
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port`);
  }
  return value;
}

export function marketplaceHome(env: Env = process.env): string {
  return env.MARKETPLACE_HOME || path.join(env.HOME || os.homedir(), '.cache', 'marketplace');
}

export function loadConfig(env: Env = process.env): LauncherConfig {
  const home = path.resolve(marketplaceHome(env));
  return {
    home,
    runDir: path.join(home, 'run'),
    binDir: path.join(home, 'bin'),
    dataDir: path.join(home, 'data'),
    infraDir: path.resolve(__dirname, '..'),
    ports: {
      kafka: port(env, 'KAFKA_PORT'),
      kafkaController: port(env, 'KAFKA_CONTROLLER_PORT'),
      mongo: port(env, 'MONGO_PORT'),
      redis: port(env, 'REDIS_PORT'),
      stripe: port(env, 'STRIPE_MOCK_PORT'),
      prometheus: port(env, 'PROMETHEUS_PORT'),
      gateway: port(env, 'GATEWAY_PORT'),
    },
  };
}

/** Where a service comes from: the env var's URL (external) or the one the launcher runs (local). */
export interface Resolution {
  url: string;
  external: boolean;
}

export function resolveService(def: ServiceDefinition, config: LauncherConfig, env: Env = process.env): Resolution {
  const given = env[def.envVar]?.trim();
  return given ? { url: given, external: true } : { url: def.localUrl(config), external: false };
}

/** Validates `--only`/`only` names; undefined means every service. */
export function selectServices(only?: readonly string[]): ServiceName[] {
  if (!only || only.length === 0) return [...SERVICE_NAMES];
  const unknown = only.filter((n) => !(SERVICE_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(`unknown service ${unknown.join(', ')}; known: ${SERVICE_NAMES.join(', ')}`);
  }
  return SERVICE_NAMES.filter((n) => only.includes(n));
}
