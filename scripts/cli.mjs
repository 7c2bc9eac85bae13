// `npm run cli -- <command>`: runs the built CLI in dist/. It never builds: a build rewrites dist/ under a
// service that may be running from it. A missing or stale build is named, with the command that fixes it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'cli', 'main.js');

/** The most recently modified TypeScript source under `dir` (specs aside), if any. */
function newestSource(dir) {
  let newest;
  for (const dirent of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!dirent.isFile() || !dirent.name.endsWith('.ts') || dirent.name.endsWith('.spec.ts')) continue;
    const path = join(dirent.parentPath, dirent.name);
    const mtimeMs = statSync(path).mtimeMs;
    if (!newest || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  }
  return newest;
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

if (!existsSync(entry)) fail('npm run cli: no build in dist/; run `npm run build` first');
const built = statSync(entry).mtimeMs;
const newer = ['src', 'migrations']
  .filter((dir) => existsSync(join(root, dir)))
  .map((dir) => newestSource(join(root, dir)))
  .find((source) => source && source.mtimeMs > built);
if (newer)
  fail(`npm run cli: ${relative(root, newer.path)} is newer than the build in dist/; run \`npm run build\` first`);

createRequire(import.meta.url)(entry);
