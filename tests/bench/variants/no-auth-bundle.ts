import { build, type Plugin } from 'esbuild';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { esbuildOptions, externalPackages } from '../../../openfaas/build';

/**
 * Builds a function exactly as `npm run build` does (same esbuild options, same externals),
 * except that `layers/http/define.ts` gets `jwtAuth` from fixed-actor.ts instead of
 * `layers/auth`: the same stack and core, with no token verification. No production file
 * changes; the build fails if the substitution did not happen, so the variant can never
 * silently be the real function measured twice.
 */
export const buildWithoutAuth = async (root: string, handler: string, outDir: string): Promise<string> => {
  const define = path.join(root, 'layers/http/define.ts');
  const standIn = path.join(__dirname, 'fixed-actor.ts');
  let substituted = 0;
  const plugin: Plugin = {
    name: 'fixed-actor',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.\.\/auth$/ }, (args) => {
        if (path.resolve(args.importer) !== define) return undefined;
        substituted += 1;
        return { path: standIn };
      });
    },
  };
  await mkdir(outDir, { recursive: true });
  const outfile = path.join(outDir, 'handler.js');
  const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const options = esbuildOptions(path.resolve(root, handler), outfile, root, externalPackages(manifest));
  await build({ ...options, plugins: [plugin] });
  if (substituted === 0) throw new Error(`${handler}: layers/http/define.ts no longer imports jwtAuth from '../auth'; the no-auth variant was not built`);
  return outfile;
};
