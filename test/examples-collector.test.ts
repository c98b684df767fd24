/**
 * examples/collector/: the Collector config's pipelines are wired (every id they name is defined and
 * every defined component is used), its ports agree with the compose file and the Prometheus scrape
 * config, and Prometheus' config and the OTLP-name rules it loads pass promtool.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { collectorEnvDefault, environmentOf, hostPathOf, hostPort, publishedPorts, readCompose, readYaml, rel } from './examples-support';

const COMPOSE = rel('examples/collector/compose.yaml');
const CONFIG = rel('examples/collector/otel-collector.yaml');
const PROMETHEUS = rel('examples/collector/prometheus.yaml');

interface Pipeline {
  receivers: string[];
  processors?: string[];
  exporters: string[];
}
interface CollectorConfig {
  receivers: Record<string, any>;
  processors?: Record<string, any>;
  exporters: Record<string, any>;
  connectors?: Record<string, any>;
  extensions?: Record<string, any>;
  service: { extensions?: string[]; pipelines: Record<string, Pipeline> };
}

const config = () => readYaml<CollectorConfig>(CONFIG);
const compose = () => readCompose(COMPOSE);
/** The component type of an id such as `otlp_grpc/traces`. */
const typeOf = (id: string) => id.split('/')[0];
const pipelinesOf = (signal: string) =>
  Object.entries(config().service.pipelines)
    .filter(([id]) => typeOf(id) === signal)
    .map(([, p]) => p);

describe('examples/collector/otel-collector.yaml', () => {
  it('names in its pipelines only receivers, processors and exporters it defines, and uses every one it defines', () => {
    const c = config();
    const used = { receivers: new Set<string>(), processors: new Set<string>(), exporters: new Set<string>() };
    expect(Object.keys(c.service.pipelines).map(typeOf).sort()).toEqual(['metrics', 'traces']);
    for (const [id, p] of Object.entries(c.service.pipelines)) {
      expect(p.receivers.length, id).toBeGreaterThan(0);
      expect(p.exporters.length, id).toBeGreaterThan(0);
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        for (const ref of p[kind] ?? []) {
          expect(Object.keys(c[kind] ?? {}), `${id} ${kind} ${ref}`).toContain(ref);
          used[kind].add(ref);
        }
      }
    }
    for (const kind of ['receivers', 'processors', 'exporters'] as const) expect([...used[kind]].sort()).toEqual(Object.keys(c[kind] ?? {}).sort());
    for (const ext of c.service.extensions ?? []) expect(Object.keys(c.extensions ?? {})).toContain(ext);
  });

  it('puts memory_limiter first and batch last in every pipeline', () => {
    for (const [id, p] of Object.entries(config().service.pipelines)) {
      expect(p.processors?.map(typeOf)[0], id).toBe('memory_limiter');
      expect(p.processors?.map(typeOf).at(-1), id).toBe('batch');
    }
  });

  it('receives OTLP gRPC on 4317 and HTTP on 4318 on all interfaces, and the compose file publishes both', () => {
    const { grpc, http } = config().receivers.otlp.protocols;
    expect([grpc.endpoint, http.endpoint]).toEqual(['0.0.0.0:4317', '0.0.0.0:4318']);
    expect(publishedPorts(compose().services['otel-collector']).map((p) => p.target)).toEqual(expect.arrayContaining([4317, 4318]));
  });

  it('is the config the Collector container loads (mounted at the path its --config names)', () => {
    const collector = compose().services['otel-collector'];
    const configArg = (collector.command as string[]).find((a) => a.startsWith('--config='))!.slice('--config='.length);
    expect(hostPathOf(COMPOSE, collector, configArg)).toBe(CONFIG);
    expect(collector.image).toMatch(/^otel\/opentelemetry-collector-contrib:/);
  });

  it("sends traces over OTLP gRPC to the compose file's Jaeger, on its OTLP gRPC port", () => {
    const [traces] = pipelinesOf('traces');
    const exporters = traces.exporters.map((id) => [id, config().exporters[id]] as const);
    expect(exporters.map(([id]) => typeOf(id))).toEqual(['otlp_grpc']);
    const { host, port } = hostPort(collectorEnvDefault(exporters[0][1].endpoint));
    expect(compose().services[host].image).toMatch(/^jaegertracing\/jaeger:/);
    expect(port).toBe(4317);
    expect(compose().services['otel-collector'].depends_on).toContain(host);
  });

  it('exposes the metrics with the prometheus exporter, which Prometheus scrapes (host, port, honor_labels)', () => {
    const [metrics] = pipelinesOf('metrics');
    expect(metrics.exporters.map(typeOf)).toEqual(['prometheus']);
    const exporterPort = hostPort(config().exporters[metrics.exporters[0]].endpoint).port;
    const scrape = readYaml(PROMETHEUS).scrape_configs as { job_name: string; honor_labels?: boolean; static_configs: { targets: string[] }[] }[];
    const targets = scrape.flatMap((s) => s.static_configs.flatMap((c) => c.targets.map((t) => ({ ...hostPort(t), honor: s.honor_labels }))));
    expect(targets).toEqual([{ host: 'otel-collector', port: exporterPort, honor: true }]);
    expect(compose().services[targets[0].host]).toBeDefined();
  });

  it('keeps the default (suffixed) Prometheus naming that rules-otlp is written for', () => {
    const exporter = config().exporters.prometheus;
    expect(exporter.add_metric_suffixes ?? true).toBe(true);
    expect(exporter.translation_strategy ?? 'UnderscoreEscapingWithSuffixes').toMatch(/WithSuffixes$/);
  });
});

describe('examples/collector/prometheus.yaml', () => {
  it('loads rule files from the folder the compose file mounts ../prometheus/rules-otlp into', () => {
    const prometheus = compose().services.prometheus;
    expect(hostPathOf(COMPOSE, prometheus, '/etc/prometheus/prometheus.yml')).toBe(PROMETHEUS);
    const globs = readYaml(PROMETHEUS).rule_files as string[];
    const dirs = new Set(globs.map((g) => hostPathOf(COMPOSE, prometheus, path.dirname(g))));
    expect([...dirs]).toEqual([rel('examples/prometheus/rules-otlp')]);
  });

  it('passes promtool check config, with at least one rule file found by its globs', () => {
    const prometheus = compose().services.prometheus;
    const cfg = readYaml(PROMETHEUS);
    // The container paths become the repo paths they are mounted from; nothing else changes.
    cfg.rule_files = (cfg.rule_files as string[]).map((g) => path.join(hostPathOf(COMPOSE, prometheus, path.dirname(g))!, path.basename(g)));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collector-prom-'));
    try {
      fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(cfg));
      const out = execFileSync('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], { timeout: 20_000 }).toString();
      expect(out).toMatch(/SUCCESS: [1-9]\d* rule files found/);
      expect(out).not.toContain('FAILED');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has the demo send OTLP/HTTP to the Collector's HTTP receiver", () => {
    const env = environmentOf(compose().services.demo);
    const { host, port } = hostPort(env.OTEL_EXPORTER_OTLP_ENDPOINT);
    expect([host, port]).toEqual(['otel-collector', hostPort(config().receivers.otlp.protocols.http.endpoint).port]);
  });
});
