/** Names of the backing services, by the role they play (the implementation may differ per mode). */
export const SERVICE_NAMES = ['kafka', 'mongo', 'redis', 'stripe', 'prometheus'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What clients need to reach the services; required ones are always present. */
export interface ServiceUrls {
  kafkaBrokers: string;
  mongoUrl: string;
  redisUrl: string;
  stripeApiBase?: string;
  prometheusUrl?: string;
}

/** How a service came to be available: found healthy, started now, given by env, or not available. */
export type ServiceState = 'reused' | 'started' | 'external' | 'failed' | 'skipped';

export interface ServiceReport {
  name: ServiceName;
  title: string;
  url: string;
  state: ServiceState;
  seconds: number;
  error?: string;
}

export interface Ports {
  kafka: number;
  kafkaController: number;
  mongo: number;
  redis: number;
  stripe: number;
  prometheus: number;
  gateway: number;
}

/** Everything the launcher derives from the environment once; see config.ts. */
export interface LauncherConfig {
  /** `${MARKETPLACE_HOME:-$HOME/.cache/marketplace}`: caches, data and run state. */
  home: string;
  /** pid files, locks, logs, services.json */
  runDir: string;
  /** installed binaries (ferretdb, stripe-mock) */
  binDir: string;
  /** per-service data directories */
  dataDir: string;
  /** the repository's infra/ folder (pom.xml, Go sources) */
  infraDir: string;
  ports: Ports;
}

/** A process to start detached. */
export interface Command {
  file: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** One natively launched service. install/prepare are idempotent and cached under config.home. */
export interface ServiceDefinition {
  name: ServiceName;
  title: string;
  /** env var whose value replaces the local service */
  envVar: string;
  key: keyof ServiceUrls;
  /** a required service that fails to come up fails the whole launch */
  required: boolean;
  startTimeoutMs: number;
  localUrl(config: LauncherConfig): string;
  /** resolves when the service at url answers, rejects otherwise */
  probe(url: string): Promise<void>;
  install(config: LauncherConfig): Promise<void>;
  /** writes configuration and data directories, returns the command to run */
  prepare(config: LauncherConfig): Promise<Command>;
}
