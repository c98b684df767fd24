/**
 * Reading the example files the way Docker Compose, the Collector and Prometheus would: a real YAML
 * parser (duplicate keys and syntax errors fail), compose port and volume syntax, and what the demo
 * really reads (its sources, not a list kept here).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';

export const ROOT = path.resolve(__dirname, '..');
export const rel = (...p: string[]) => path.join(ROOT, ...p);

/** Parses YAML strictly: any error or warning (duplicate key, bad indentation, unknown tag) throws. */
export function readYaml<T = any>(file: string): T {
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { uniqueKeys: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length) throw new Error(`${path.relative(ROOT, file)}: ${problems.map((e) => e.message).join('; ')}`);
  return doc.toJS() as T;
}

export interface ComposeService {
  image?: string;
  command?: string | string[];
  environment?: Record<string, string> | string[];
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
  volumes?: (string | { type: string; source?: string; target: string; read_only?: boolean })[];
  depends_on?: string[] | Record<string, unknown>;
  [key: string]: unknown;
}
export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const readCompose = (file: string) => readYaml<ComposeFile>(file);

export interface PublishedPort {
  hostIp?: string;
  published?: number;
  target: number;
  protocol: string;
}

/** Compose `ports` in short (`[ip:][host:]container[/proto]`) or long syntax. */
export function publishedPorts(service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object')
      return { hostIp: p.host_ip, published: p.published === undefined ? undefined : Number(p.published), target: p.target, protocol: 'tcp' };
    const [spec, protocol = 'tcp'] = String(p).split('/');
    const parts = spec.split(':');
    const target = Number(parts.pop());
    const published = parts.length ? Number(parts.pop()) : undefined;
    return { hostIp: parts.length ? parts.join(':') : undefined, published, target, protocol };
  });
}

export interface Mount {
  /** Absolute host path for bind mounts, the volume name otherwise. */
  source: string;
  target: string;
  bind: boolean;
  readOnly: boolean;
}

/** Compose `volumes` of a service; relative bind sources resolve against the compose file's folder. */
export function mounts(composeFile: string, service: ComposeService): Mount[] {
  const dir = path.dirname(composeFile);
  return (service.volumes ?? []).map((v) => {
    if (typeof v === 'object') {
      const bind = v.type === 'bind';
      return { source: bind ? path.resolve(dir, v.source ?? '') : String(v.source), target: v.target, bind, readOnly: Boolean(v.read_only) };
    }
    const [source, target, mode = ''] = v.split(':');
    const bind = source.startsWith('.') || source.startsWith('/');
    return { source: bind ? path.resolve(dir, source) : source, target, bind, readOnly: mode.split(',').includes('ro') };
  });
}

/** The host path behind a container path, through the service's bind mounts (longest target wins). */
export function hostPathOf(composeFile: string, service: ComposeService, containerPath: string): string | undefined {
  const candidates = mounts(composeFile, service)
    .filter((m) => m.bind && (containerPath === m.target || containerPath.startsWith(m.target.replace(/\/?$/, '/'))))
    .sort((a, b) => b.target.length - a.target.length);
  const m = candidates[0];
  return m ? path.join(m.source, path.relative(m.target, containerPath)) : undefined;
}

export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return Object.fromEntries(env.map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)]));
}

export function commandLine(service: ComposeService): string {
  return Array.isArray(service.command) ? service.command.join(' ') : String(service.command ?? '');
}

/** The arguments after `node examples/demo.mjs` in a service's command (undefined when it doesn't run the demo). */
export function demoArgs(service: ComposeService): string[] | undefined {
  const m = /\bnode\s+examples\/demo\.mjs((?:\s+[^\s&|;]+)*)/.exec(commandLine(service));
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : undefined;
}

/** The demo's sources: the CLI and every module under examples/demo/. */
export function demoSources(): string {
  const dir = rel('examples/demo');
  const files = [
    rel('examples/demo.mjs'),
    ...fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => path.join(dir, f)),
  ];
  return files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

/**
 * True when the demo's sources read `name` from the environment: the name appears as a literal, or
 * is built by a template such as `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT` whose fixed
 * parts match (`_TRACES_` then has to be one of the signals the source passes in lower case).
 */
export function demoReadsEnv(name: string, sources = demoSources()): boolean {
  if (new RegExp(`\\b${name}\\b`).test(sources)) return true;
  for (const m of sources.matchAll(/`([A-Z][A-Z0-9_]*)\$\{[^}]*\}([A-Z0-9_]*)`/g)) {
    const [, prefix, suffix] = m;
    if (!name.startsWith(prefix) || !name.endsWith(suffix) || name.length <= prefix.length + suffix.length) continue;
    const middle = name.slice(prefix.length, name.length - suffix.length).toLowerCase();
    if (new RegExp(`['"\`]${middle}['"\`]`).test(sources)) return true;
  }
  return false;
}

/** `${env:NAME:-default}` → default (Collector config syntax); other strings unchanged. */
export const collectorEnvDefault = (value: string) => value.replace(/\$\{env:[A-Z0-9_]+:-([^}]*)\}/g, '$1');

/** host and port of `host:port` or `scheme://host:port/path`. */
export function hostPort(value: string): { host: string; port: number } {
  const url = new URL(value.includes('://') ? value : `tcp://${value}`);
  return { host: url.hostname, port: Number(url.port) };
}
