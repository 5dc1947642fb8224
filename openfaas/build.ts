import { build, type BuildOptions as EsbuildOptions, type Metafile } from 'esbuild';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './paths';
import { functionManifest, importedPackages, pruneLockfile, type Lockfile, type RootManifest } from './packages';
import { loadStack, stackFunctions, type StackFunction } from '../triggers/stack';

/**
 * `npm run build`: one esbuild bundle per stack.yml function, all built in parallel in one
 * process. Each lands in dist/functions/<name>/ as the `function/` folder of its image:
 *   handler.js (+ .map)   the function and every layer it uses, minified, tree-shaken
 *   package.json          exactly the npm packages the bundle imports (they stay external and
 *   package-lock.json     are installed by `npm ci` in the image), versions from the root
 *   metafile.json         esbuild's metafile, for inspection (esbuild.github.io/analyze)
 * Also dist/hello/handler.js, the smallest node20 function, as the benchmark baseline.
 */

export const MAX_BUNDLE_BYTES = 300 * 1024;
export const HELLO_NAME = 'hello';

export interface BuildAllOptions {
  rootDir?: string;
  stackPath?: string;
  outDir?: string;
  /** Build only these functions (all by default). */
  only?: string[];
  /** Also build dist/hello (default true). */
  hello?: boolean;
  maxBundleBytes?: number;
  log?: (line: string) => void;
}

export interface BundleReport {
  name: string;
  dir: string;
  outfile: string;
  bytes: number;
  packages: string[];
}

export interface BuildResult {
  bundles: BundleReport[];
  hello?: BundleReport;
  totalBytes: number;
}

/**
 * Small pure-JS libraries are bundled (tree-shaken, and one file instead of dozens to resolve
 * at cold start); drivers, process-wide singletons (prom-client's registry, the OpenTelemetry
 * API) and large libraries stay in the image's node_modules.
 */
export const INLINED_PACKAGES: ReadonlySet<string> = new Set(['jose', 'uuid', '@middy/core', 'canonicalize']);

export const externalPackages = (manifest: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }): string[] =>
  [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]
    .filter((name) => !INLINED_PACKAGES.has(name))
    .flatMap((name) => [name, `${name}/*`]);

export const esbuildOptions = (entry: string, outfile: string, rootDir: string, external: string[]): EsbuildOptions & { metafile: true } => ({
  absWorkingDir: rootDir,
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // true (not 'external') so the bundle names its map and `--enable-source-maps` finds it.
  sourcemap: true,
  treeShaking: true,
  // The rest come from the image's node_modules (npm ci of the generated package.json).
  external,
  metafile: true,
  legalComments: 'none',
  logLevel: 'silent',
});

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;
const writeJson = (file: string, value: unknown): Promise<void> => writeFile(file, `${JSON.stringify(value, null, 2)}\n`);

interface Roots {
  manifest: RootManifest;
  lock?: Lockfile;
}

const bundle = async (name: string, entry: string, dir: string, rootDir: string, roots: Roots): Promise<BundleReport> => {
  await mkdir(dir, { recursive: true });
  const outfile = path.join(dir, 'handler.js');
  const result = await build(esbuildOptions(entry, outfile, rootDir, externalPackages(roots.manifest)));
  const packages = importedPackages(result.metafile, path.relative(rootDir, outfile));
  const manifest = functionManifest(name, packages, roots.manifest);
  await Promise.all([
    writeJson(path.join(dir, 'metafile.json'), result.metafile),
    writeJson(path.join(dir, 'package.json'), manifest),
    roots.lock ? writeJson(path.join(dir, 'package-lock.json'), pruneLockfile(roots.lock, manifest)) : undefined,
  ]);
  return { name, dir, outfile, bytes: statSync(outfile).size, packages };
};

export const functionDir = (outDir: string, name: string): string => path.join(outDir, 'functions', name);

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The size table printed after a build; bundles over the limit are flagged. */
export const formatSizeTable = (reports: BundleReport[], maxBundleBytes = MAX_BUNDLE_BYTES): string => {
  const width = Math.max(8, ...reports.map((report) => report.name.length));
  const rows = [...reports]
    .sort((a, b) => b.bytes - a.bytes)
    .map((report) => {
      const flag = report.bytes > maxBundleBytes ? `  > ${kb(maxBundleBytes)} KB limit` : '';
      return `${report.name.padEnd(width)}  ${kb(report.bytes).padStart(8)}  ${report.packages.join(', ')}${flag}`;
    });
  const total = reports.reduce((sum, report) => sum + report.bytes, 0);
  return [
    `${'function'.padEnd(width)}  ${'KB'.padStart(8)}  npm packages`,
    ...rows,
    `${'total'.padEnd(width)}  ${kb(total).padStart(8)}  ${reports.length} bundles`,
  ].join('\n');
};

export const buildAll = async (options: BuildAllOptions = {}): Promise<BuildResult> => {
  const rootDir = path.resolve(options.rootDir ?? REPO_ROOT);
  const stackPath = path.resolve(rootDir, options.stackPath ?? 'stack.yml');
  const outDir = path.resolve(rootDir, options.outDir ?? 'dist');
  const maxBundleBytes = options.maxBundleBytes ?? MAX_BUNDLE_BYTES;
  const log = options.log ?? (() => undefined);
  const lockPath = path.join(rootDir, 'package-lock.json');
  const roots: Roots = {
    manifest: await readJson<RootManifest>(path.join(rootDir, 'package.json')),
    lock: existsSync(lockPath) ? await readJson<Lockfile>(lockPath) : undefined,
  };
  const stackDir = path.dirname(stackPath);
  const named = stackFunctions(loadStack(stackPath)).filter((fn) => !options.only || options.only.includes(fn.name));
  // stack.yml and the handlers must agree: a function without its file is a build failure.
  const missing = named.filter((fn) => !existsSync(path.resolve(stackDir, fn.handler)));
  const functions = named.filter((fn) => !missing.includes(fn));

  const started = Date.now();
  const [settled, hello] = await Promise.all([
    Promise.allSettled(functions.map((fn) => bundle(fn.name, path.resolve(stackDir, fn.handler), functionDir(outDir, fn.name), rootDir, roots))),
    options.hello === false ? undefined : bundle(HELLO_NAME, path.join(__dirname, 'hello', 'handler.js'), path.join(outDir, HELLO_NAME), rootDir, roots),
  ]);
  const bundles = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const totalBytes = bundles.reduce((sum, report) => sum + report.bytes, 0);
  const result: BuildResult = { bundles, ...(hello ? { hello } : {}), totalBytes };
  log(formatSizeTable(bundles, maxBundleBytes));
  if (hello) log(`baseline ${HELLO_NAME}: ${kb(hello.bytes)} KB; built in ${Date.now() - started} ms`);

  const problems = [
    ...missing.map((fn) => `${fn.name}: handler ${fn.handler} does not exist`),
    ...settled.flatMap((outcome, index) => (outcome.status === 'rejected' ? [`${functions[index]!.name}: ${messageOf(outcome.reason)}`] : [])),
    ...bundles
      .filter((report) => report.bytes > maxBundleBytes)
      .map((report) => `${report.name}: ${kb(report.bytes)} KB, over the ${kb(maxBundleBytes)} KB limit`),
  ];
  if (problems.length > 0) throw new BuildError(problems, result);
  return result;
};

/** Some bundles failed or are too large; `result` holds the ones that were written. */
export class BuildError extends Error {
  constructor(
    readonly problems: string[],
    readonly result: BuildResult,
  ) {
    super(`build failed for ${problems.length} function(s):\n${problems.join('\n')}`);
    this.name = 'BuildError';
  }
}

const newestMtime = (files: string[]): number => Math.max(0, ...files.map((file) => (existsSync(file) ? statSync(file).mtimeMs : Number.POSITIVE_INFINITY)));

/**
 * True when a function has no bundle, or a source it was built from (per its metafile),
 * stack.yml or package.json changed after it was written.
 */
export const isBuildStale = (functions: StackFunction[], options: { rootDir?: string; outDir?: string; stackPath?: string } = {}): boolean => {
  const rootDir = path.resolve(options.rootDir ?? REPO_ROOT);
  const outDir = path.resolve(rootDir, options.outDir ?? 'dist');
  const shared = [path.resolve(rootDir, options.stackPath ?? 'stack.yml'), path.join(rootDir, 'package.json')];
  return functions.some((fn) => {
    const dir = functionDir(outDir, fn.name);
    const outfile = path.join(dir, 'handler.js');
    const metafilePath = path.join(dir, 'metafile.json');
    if (!existsSync(outfile) || !existsSync(metafilePath)) return true;
    const metafile = JSON.parse(readFileSync(metafilePath, 'utf8')) as Metafile;
    const inputs = Object.keys(metafile.inputs).map((input) => path.resolve(rootDir, input));
    return newestMtime([...shared, ...inputs]) > statSync(outfile).mtimeMs;
  });
};

/** `npm run build [-- <function> ...]`: all functions, or only the ones named. */
if (require.main === module) {
  const only = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  buildAll({ log: (line) => console.log(line), ...(only.length > 0 ? { only } : {}) }).catch((error: unknown) => {
    console.error(`build failed: ${messageOf(error)}`);
    process.exit(1);
  });
}
