import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { FUNCTION_NAMESPACE, functionResource, generateFunctions } from '../../../infra/k8s/generate';
import { loadStack, stackFunctions } from '../../../triggers/stack';
import { ROOT } from './support';

/** infra/k8s: the Function CRs generated from stack.yml, and the hand-written manifests beside them. */

const K8S_DIR = path.join(ROOT, 'infra/k8s');
const stack = loadStack(path.join(ROOT, 'stack.yml'));

interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  resources?: string[];
}
interface Container {
  name: string;
  image: string;
  command: string[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Container[]; restartPolicy?: string };
}

const manifestFiles = fs
  .readdirSync(K8S_DIR)
  .filter((file) => file.endsWith('.yml') || file.endsWith('.yaml'))
  .sort();
const documentsOf = (file: string): Manifest[] =>
  parseAllDocuments(fs.readFileSync(path.join(K8S_DIR, file), 'utf8')).map((doc) => {
    expect(doc.errors, file).toEqual([]);
    return doc.toJS() as Manifest;
  });
const manifests = manifestFiles.flatMap((file) =>
  documentsOf(file)
    .filter(Boolean)
    .map((manifest) => ({ file, manifest })),
);
const ofKind = (kind: string) => manifests.filter(({ manifest }) => manifest.kind === kind).map(({ manifest }) => manifest);
const podTemplate = (workload: Manifest): PodTemplate => (workload.spec as { template: PodTemplate }).template;

const kubectl = (() => {
  const result = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (result.error) return { available: false, reason: `kubectl not found (${result.error.message})` };
  return result.status === 0 ? { available: true, reason: '' } : { available: false, reason: result.stderr.trim() };
})();

describe('functions.yml', () => {
  it('is what infra/k8s/generate.ts makes of stack.yml today (else run `npx tsx infra/k8s/generate.ts`)', () => {
    expect(fs.readFileSync(path.join(K8S_DIR, 'functions.yml'), 'utf8')).toBe(generateFunctions(stack));
  });

  it('has one openfaas.com/v1 Function per stack.yml function, and no other', () => {
    const functions = documentsOf('functions.yml');
    expect(functions.map((cr) => cr.metadata?.name)).toEqual(
      stackFunctions(stack)
        .map((fn) => fn.name)
        .sort(),
    );
    for (const cr of functions) {
      expect(cr).toMatchObject({ apiVersion: 'openfaas.com/v1', kind: 'Function', metadata: { namespace: FUNCTION_NAMESPACE } });
      expect(cr.spec?.name).toBe(cr.metadata?.name);
    }
  });

  it('carries each function’s image, scale labels, topic and schedule annotations, environment, limits and requests', () => {
    const byName = new Map(documentsOf('functions.yml').map((cr) => [cr.metadata!.name!, cr.spec as Record<string, Record<string, string> | string>]));
    for (const fn of stackFunctions(stack)) {
      const spec = byName.get(fn.name)!;
      expect(spec.image, fn.name).toBe(fn.image);
      expect(spec.labels, fn.name).toEqual(fn.labels);
      expect(spec.labels, fn.name).toHaveProperty(['com.openfaas.scale.min']);
      expect(spec.labels, fn.name).toHaveProperty(['com.openfaas.scale.max']);
      expect(spec.annotations ?? {}, fn.name).toEqual(fn.annotations);
      expect(spec.environment, fn.name).toEqual(fn.environment);
      expect(spec.limits, fn.name).toEqual(fn.limits);
      expect(spec.requests, fn.name).toEqual(fn.requests);
    }
    expect(byName.get('platform-outbox-relay')?.annotations).toEqual({
      'prometheus.io.port': '8082',
      'prometheus.io.scrape': 'true',
      schedule: '* * * * *',
      topic: 'cron-function',
    });
  });

  it('lets Prometheus scrape every function pod on the template’s metrics port', () => {
    for (const cr of documentsOf('functions.yml')) {
      expect(cr.spec?.annotations, cr.metadata?.name).toMatchObject({ 'prometheus.io.scrape': 'true', 'prometheus.io.port': '8082' });
    }
  });

  it('orders spec fields as faas-cli does and leaves out empty ones', () => {
    const fn = { ...stackFunctions(stack)[0]!, annotations: {}, environment: {} };
    expect(Object.keys(functionResource(fn).spec)).toEqual(['name', 'image', 'labels', 'limits', 'requests']);
    expect(Object.keys(functionResource(stack.functions['products-on-stock-changed']!).spec)).toEqual([
      'name',
      'image',
      'environment',
      'labels',
      'annotations',
      'limits',
      'requests',
    ]);
    expect(() => functionResource({ ...fn, image: undefined })).toThrow(/no image/);
  });
});

describe('every manifest', () => {
  it.each(manifests.map(({ file, manifest }) => [`${file}: ${manifest.kind}/${manifest.metadata?.name}`, manifest] as const))(
    '%s has apiVersion, kind and metadata.name',
    (_, manifest) => {
      expect(manifest.apiVersion).toMatch(/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/);
      expect(manifest.kind).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(manifest.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    },
  );

  it('is listed in the kustomization, which kustomize renders', () => {
    const kustomization = documentsOf('kustomization.yml')[0]!;
    expect(kustomization.resources?.slice().sort()).toEqual(manifestFiles.filter((file) => file !== 'kustomization.yml'));
  });

  it.skipIf(!kubectl.available)(`renders with kubectl kustomize${kubectl.available ? '' : ` (skipped: ${kubectl.reason})`}`, () => {
    const result = spawnSync('kubectl', ['kustomize', K8S_DIR], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const rendered = parseAllDocuments(result.stdout).map((doc) => doc.toJS() as Manifest);
    expect(rendered.length).toBe(manifests.length - 1);
  });
});

describe('platform workloads', () => {
  const namespace = ofKind('Namespace')[0]!;
  const config = ofKind('ConfigMap')[0]!;
  const workloads = [...ofKind('Deployment'), ...ofKind('Job')];

  it('are the connector, the outbox runner, the cron scheduler and the topic provisioning, in the marketplace namespace', () => {
    expect(namespace.metadata?.name).toBe('marketplace');
    expect(workloads.map((w) => `${w.kind}/${w.metadata?.name}`).sort()).toEqual([
      'Deployment/cron-scheduler',
      'Deployment/outbox-runner',
      'Deployment/trigger-connector',
      'Job/provision-topics',
    ]);
    for (const manifest of [config, ...workloads]) expect(manifest.metadata?.namespace, manifest.metadata?.name).toBe('marketplace');
  });

  it.each(workloads.map((w) => [w.metadata!.name!, w] as const))(
    '%s runs an entry point of the platform image with the shared configuration',
    (_, workload) => {
      const [container, ...others] = podTemplate(workload).spec.containers;
      expect(others).toEqual([]);
      expect(container!.image).toBe('ghcr.io/marketplace/platform:0.1.0');
      expect(container!.command.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
      expect(fs.existsSync(path.join(ROOT, container!.command[3]!)), container!.command[3]).toBe(true);
      expect(container!.envFrom?.map((source) => source.configMapRef?.name).filter(Boolean)).toEqual([config.metadata?.name]);
    },
  );

  it('select their pods, and expose the metrics port Prometheus is told about', () => {
    for (const deployment of ofKind('Deployment')) {
      const spec = deployment.spec as { selector: { matchLabels: Record<string, string> } };
      const template = podTemplate(deployment);
      expect(template.metadata.labels, deployment.metadata?.name).toMatchObject(spec.selector.matchLabels);
      expect(template.metadata.annotations?.['prometheus.io/scrape']).toBe('true');
      const port = template.spec.containers[0]!.ports?.find((p) => p.name === 'metrics')?.containerPort;
      expect(String(port)).toBe(template.metadata.annotations?.['prometheus.io/port']);
      expect(String(port)).toBe(config.data?.METRICS_PORT);
      expect(template.spec.containers[0]!.envFrom?.map((source) => source.secretRef?.name).filter(Boolean)).toEqual(['marketplace-secrets']);
    }
  });

  it('run one cron scheduler, never two', () => {
    const cron = ofKind('Deployment').find((d) => d.metadata?.name === 'cron-scheduler')!;
    expect(cron.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
  });

  it('provision topics with the catalogue’s script at replication factor 3', () => {
    const job = ofKind('Job')[0]!;
    expect(podTemplate(job).spec.containers[0]!.command).toEqual(['node', '--import', 'tsx', 'triggers/provision.ts']);
    expect(podTemplate(job).spec.restartPolicy).toBe('OnFailure');
    expect(config.data).toMatchObject({ KAFKA_REPLICATION_FACTOR: '3' });
    expect(config.data?.KAFKA_BROKERS?.split(',')).toHaveLength(3);
    expect(config.data?.GATEWAY_URL).toMatch(/^http:\/\/gateway\.openfaas[.:]/);
  });

  it('come from an image that holds what their entry points import', () => {
    const dockerfile = fs.readFileSync(path.join(K8S_DIR, 'Dockerfile'), 'utf8');
    for (const copied of ['stack.yml', 'layers', 'triggers', 'functions', 'openfaas', 'infra/k8s/bin']) expect(dockerfile).toContain(copied);
    expect(dockerfile).toMatch(/^FROM node:20/m);
  });
});
