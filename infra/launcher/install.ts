import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { LauncherConfig } from './types';
import { withLock } from './process';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
}

/** Runs a command to completion; rejects with the tail of its output when it fails. */
export function run(file: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-64 * 1024);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      if (code === 0) resolve(output);
      else {
        const last = output.trimEnd().split('\n').slice(-25).join('\n');
        reject(new Error(`${file} ${args.join(' ')} failed (${sig ?? `exit ${code}`})\n${last}`));
      }
    });
  });
}

export function which(cmd: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function requireCommand(cmd: string, hint: string): string {
  const found = which(cmd);
  if (!found) throw new Error(`\`${cmd}\` not found on PATH: ${hint}`);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Debian packages

let aptUpdated = false;

/** Returns the command's path, installing aptPackage with apt-get when it is missing. */
export async function ensureCommand(config: LauncherConfig, cmd: string, aptPackage: string): Promise<string> {
  const found = which(cmd);
  if (found) return found;
  await aptInstall(config, [aptPackage]);
  return requireCommand(cmd, `installing the Debian package ${aptPackage} did not provide it`);
}

/** apt-get install, one at a time across launchers (dpkg has a single lock), `update` once first. */
export async function aptInstall(config: LauncherConfig, packages: string[]): Promise<void> {
  const aptGet = which('apt-get');
  if (!aptGet) throw new Error(`install ${packages.join(' ')} with your package manager (no apt-get here)`);
  const asRoot = process.getuid?.() === 0;
  const sudo = asRoot ? undefined : which('sudo');
  if (!asRoot && !sudo) throw new Error(`apt-get install ${packages.join(' ')} needs root`);
  const apt = (args: string[]) => (sudo ? run(sudo, ['-n', aptGet, ...args], { env: aptEnv }) : run(aptGet, args, { env: aptEnv }));

  await withLock(path.join(config.runDir, 'apt.lock'), async () => {
    if (!aptUpdated) {
      await apt(['update', '-q']);
      aptUpdated = true;
    }
    await apt(['install', '-y', '-q', '--no-install-recommends', ...packages]);
  });
}

const aptEnv = { DEBIAN_FRONTEND: 'noninteractive' };

// ---------------------------------------------------------------------------------------------
// stamps: a file beside a cached artefact holding the hash of what produced it

export function hashOf(...parts: (string | Buffer)[]): string {
  const hash = crypto.createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

export function hashFiles(files: string[]): string {
  return hashOf(...files.map((f) => fs.readFileSync(f)));
}

export function isFresh(stampFile: string, value: string, artefact: string): boolean {
  try {
    return fs.existsSync(artefact) && fs.readFileSync(stampFile, 'utf8').trim() === value;
  } catch {
    return false;
  }
}

export function writeStamp(stampFile: string, value: string) {
  fs.mkdirSync(path.dirname(stampFile), { recursive: true });
  fs.writeFileSync(stampFile, `${value}\n`);
}

/** Builds into a temporary path and renames it over target, so readers never see half an artefact. */
async function replaceWith(target: string, build: (tmp: string) => Promise<void>) {
  const tmp = `${target}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  try {
    await build(tmp);
    const old = `${target}.old-${process.pid}`;
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
    fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Maven and Go

/** Copies the POM's runtime dependencies into outDir (re-done when the POM changes). */
export async function mavenDependencies(config: LauncherConfig, pom: string, outDir: string): Promise<void> {
  const stamp = path.join(outDir, '.pom.sha256');
  const digest = hashFiles([pom]);
  if (isFresh(stamp, digest, outDir)) return;
  const mvn = await ensureCommand(config, 'mvn', 'maven');
  await replaceWith(outDir, async (tmp) => {
    await run(mvn, ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`]);
    writeStamp(path.join(tmp, '.pom.sha256'), digest);
  });
}

const GO_HINT = "install Go 1.22 or newer (https://go.dev/dl/); Debian bookworm's golang-go is too old";

/** `go build` of the main package in srcDir to output, re-done when its sources change. */
export async function goBuild(config: LauncherConfig, srcDir: string, sources: string[], output: string) {
  const stamp = `${output}.sha256`;
  const digest = hashFiles(sources.map((f) => path.join(srcDir, f)));
  if (isFresh(stamp, digest, output)) return;
  const go = requireCommand('go', GO_HINT);
  await withLock(path.join(config.runDir, 'go.lock'), () =>
    replaceWith(output, (tmp) => run(go, ['build', '-buildvcs=false', '-trimpath', '-o', tmp, '.'], { cwd: srcDir }).then(() => undefined)),
  );
  writeStamp(stamp, digest);
}

/** `go install module/cmd@version` into config.binDir as binName, skipped when that version is there. */
export async function goInstall(config: LauncherConfig, pkgAtVersion: string, binName: string) {
  const output = path.join(config.binDir, binName);
  const stamp = `${output}.version`;
  if (isFresh(stamp, pkgAtVersion, output)) return;
  const go = requireCommand('go', GO_HINT);
  await withLock(path.join(config.runDir, 'go.lock'), () =>
    replaceWith(output, async (tmp) => {
      const gobin = `${tmp}.bin`;
      try {
        await run(go, ['install', '-trimpath', pkgAtVersion], { env: { GOBIN: gobin } });
        fs.renameSync(path.join(gobin, binName), tmp);
      } finally {
        fs.rmSync(gobin, { recursive: true, force: true });
      }
    }),
  );
  writeStamp(stamp, pkgAtVersion);
}
