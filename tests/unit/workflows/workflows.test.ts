import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The shape of .github/workflows/*.yml and what each must do. actionlint checks them against
 * GitHub's schema in tests/integration/ops/actionlint.test.ts (it is built with `go install`
 * there); this is the part that needs nothing but the YAML.
 */
const DIR = path.resolve(__dirname, '../../../.github/workflows');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  'runs-on': string;
  'timeout-minutes'?: number;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const files = fs
  .readdirSync(DIR)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const load = (file: string): Workflow => parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Workflow;
const steps = (workflow: Workflow): Step[] => Object.values(workflow.jobs).flatMap((job) => job.steps);
const runs = (workflow: Workflow): string =>
  steps(workflow)
    .map((step) => step.run ?? '')
    .join('\n');
const action = (workflow: Workflow, name: string): Step | undefined => steps(workflow).find((step) => step.uses?.split('@')[0] === name);

describe('.github/workflows', () => {
  it('holds ci.yml and deploy.yml', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml']));
  });

  describe.each(files)('%s', (file) => {
    const workflow = load(file);

    it('has a name, triggers, least permissions and jobs', () => {
      expect(typeof workflow.name).toBe('string');
      expect(Object.keys(workflow.on).length).toBeGreaterThan(0);
      expect(workflow.permissions).toMatchObject({ contents: 'read' });
      expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0);
    });

    it('gives every job a runner, a time limit and steps, each step exactly one of uses or run', () => {
      for (const [id, job] of Object.entries(workflow.jobs)) {
        expect(job['runs-on'], id).toMatch(/^ubuntu-/);
        expect(job['timeout-minutes'], id).toBeGreaterThan(0);
        expect(job.steps.length, id).toBeGreaterThan(0);
        for (const step of job.steps)
          expect(
            [step.uses, step.run].filter((x) => x !== undefined),
            JSON.stringify(step),
          ).toHaveLength(1);
      }
    });

    it('pins every action to a major version at least', () => {
      for (const step of steps(workflow).filter((s) => s.uses)) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+/);
    });
  });
});

describe('ci.yml', () => {
  const ci = load('ci.yml');

  it('runs on pushes and pull requests', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
  });

  it('sets up Node 20, Go (1.25 for k6 v1.8.1) and Java 17', () => {
    expect(action(ci, 'actions/checkout')).toBeDefined();
    expect(action(ci, 'actions/setup-node')?.with).toMatchObject({ 'node-version': 20 });
    expect(String(action(ci, 'actions/setup-go')?.with?.['go-version'])).toBe('1.25');
    expect(action(ci, 'actions/setup-java')?.with).toMatchObject({ 'java-version': '17', cache: 'maven' });
  });

  it("caches the launcher's tools, Maven's repository and Go's caches", () => {
    const cached = steps(ci)
      .filter((step) => step.uses?.startsWith('actions/cache@'))
      .flatMap((step) => String(step.with?.path).split('\n'))
      .map((line) => line.trim());
    expect(cached).toEqual(expect.arrayContaining(['~/.cache/marketplace', '~/go/pkg/mod', '~/.cache/go-build']));
    // setup-java's `cache: maven` keeps ~/.m2/repository.
    expect(action(ci, 'actions/setup-java')?.with?.['cache-dependency-path']).toBe('infra/kafka/pom.xml');
  });

  it('installs, lints, typechecks and tests, in that order', () => {
    const commands = steps(ci).flatMap((step) => (step.run ? [step.run.trim()] : []));
    expect(commands.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual(['npm ci --no-audit', 'npm run lint', 'npm run typecheck', 'npm test']);
  });
});

describe('deploy.yml', () => {
  const deploy = load('deploy.yml');
  const script = runs(deploy);

  it('runs on version tags only', () => {
    expect(deploy.on).toEqual({ push: { tags: ['v*'] } });
  });

  it('builds the bundles, then shrinkwraps the contexts with faas-cli', () => {
    expect(script.indexOf('npm run build')).toBeGreaterThanOrEqual(0);
    expect(script.indexOf('faas-cli build --shrinkwrap -f stack.yml')).toBeGreaterThan(script.indexOf('npm run build'));
    expect(script).toContain('dist/functions/');
  });

  it('pushes every image, then logs in and deploys to the gateway of the secrets', () => {
    expect(script).toMatch(/docker buildx build --push/);
    expect(action(deploy, 'docker/login-action')).toBeDefined();
    const deployStep = steps(deploy).find((step) => step.run?.includes('faas-cli deploy'));
    expect(deployStep?.env?.OPENFAAS_URL).toBe('${{ secrets.OPENFAAS_URL }}');
    expect(deployStep?.run).toMatch(/faas-cli login --gateway "\$\{OPENFAAS_URL\}".*--password-stdin/);
    expect(deployStep?.run).toMatch(/faas-cli deploy -f stack\.yml --gateway "\$\{OPENFAAS_URL\}"/);
    expect(script.indexOf('docker buildx build --push')).toBeLessThan(script.indexOf('faas-cli deploy'));
  });

  it('checks the checksum of the faas-cli it downloads', () => {
    expect(script).toMatch(/sha256sum -c/);
  });
});
