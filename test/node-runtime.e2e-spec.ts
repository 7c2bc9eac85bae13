import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coerce, satisfies, subset } from 'semver';

const root = join(__dirname, '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
}

/** No Node runs here but the one under test: the declared versions are held to the lockfile and the files. */
describe('supported Node versions', () => {
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;

  it('accepts in engines only Node versions that every package npm installs accepts', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockEntry> };
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (path === '' || range === undefined || subset(engines, range)) return [];
      return [`${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${range}`];
    });
    expect(refusing).toEqual([]);
    // Node 20 is past its end of life, and runtime dependencies (nestjs-pino, cookie) need 22 or later.
    expect(satisfies('20.20.0', engines)).toBe(false);
  });

  it('builds and runs the image on the Node 24 LTS that CI tests and the benchmark measures, one that engines accepts', () => {
    const images = [...read('docker/Dockerfile').matchAll(/^FROM node:(\d+\.\d+)-bookworm-slim\b/gm)].map(
      (match) => match[1],
    );
    expect(images.length).toBeGreaterThanOrEqual(2);
    expect(new Set(images).size).toBe(1);
    const ci = /^IMAGE_NODE=(\d+\.\d+\.\d+)$/m.exec(read('scripts/image-node.sh'))?.[1] ?? 'none';
    expect(read('.ci/run')).toContain('bash scripts/image-node.sh');
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const bench of ['bench', 'bench:ab']) expect(scripts[bench]).toContain('bash scripts/image-node.sh');
    expect(satisfies(ci, `~${images[0]}`)).toBe(true);
    expect(satisfies(ci, engines)).toBe(true);
    expect(satisfies(coerce(images[0]) ?? '0.0.0', '^24')).toBe(true);
  });
});
