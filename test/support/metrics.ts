import { HttpClient } from './http-client';

/** Reads one sample from the service's /metrics; 0 when the series doesn't exist (yet). */
export async function metricValue(
  http: HttpClient,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const res = await http.get('/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of res.text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ? match[2].split(',') : [];
    if (wanted.every((label) => present.includes(label)) && present.length === wanted.length) return Number(match[3]);
  }
  return 0;
}
