import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { HOST } from './config';
import { httpOk } from './http-probe';
import { ensureCommand } from './install';
import { writeFileAtomic } from './process';
import type { ServiceDefinition } from './types';

/** Debian's prometheus scraping the local gateway and itself; alert and recording rules from infra/prometheus/rules.yml. */

export function prometheusConfig(opts: { port: number; gatewayPort: number; rulesGlob: string }): string {
  return stringify({
    global: { scrape_interval: '5s', evaluation_interval: '5s' },
    rule_files: [opts.rulesGlob],
    scrape_configs: [
      { job_name: 'prometheus', static_configs: [{ targets: [`${HOST}:${opts.port}`] }] },
      { job_name: 'gateway', metrics_path: '/metrics', static_configs: [{ targets: [`${HOST}:${opts.gatewayPort}`] }] },
    ],
  });
}

export const prometheus: ServiceDefinition = {
  name: 'prometheus',
  title: 'prometheus',
  envVar: 'PROMETHEUS_URL',
  key: 'prometheusUrl',
  required: false,
  startTimeoutMs: 30_000,
  localUrl: (config) => `http://${HOST}:${config.ports.prometheus}`,
  probe: (base) => httpOk(`${base.replace(/\/+$/, '')}/-/ready`),
  install: async (config) => {
    await ensureCommand(config, 'prometheus', 'prometheus');
  },
  prepare: async (config) => {
    const configFile = path.join(config.home, 'prometheus', 'prometheus.yml');
    const storage = path.join(config.dataDir, 'prometheus');
    fs.mkdirSync(storage, { recursive: true });
    writeFileAtomic(
      configFile,
      prometheusConfig({
        port: config.ports.prometheus,
        gatewayPort: config.ports.gateway,
        rulesGlob: path.join(config.infraDir, 'prometheus', 'rules.yml'),
      }),
    );
    return {
      file: await ensureCommand(config, 'prometheus', 'prometheus'),
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${storage}`,
        '--storage.tsdb.retention.time=2d',
        `--web.listen-address=${HOST}:${config.ports.prometheus}`,
        '--log.level=warn',
      ],
    };
  },
};
