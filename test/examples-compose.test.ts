/**
 * The compose examples (Jaeger, Grafana LGTM, Collector) as Docker Compose would read them: images
 * pinned, ports on loopback, bind mounts that exist, and a demo service that runs the real demo CLI
 * with only the variables and flags the demo reads. Nothing is started (no Docker here);
 * test/examples-compose-demo.test.ts runs the demo command itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, commandLine, demoArgs, demoReadsEnv, environmentOf, hostPort, mounts, publishedPorts, readCompose, readYaml, rel } from './examples-support';
import type { ComposeFile } from './examples-support';

const COMPOSE_FILES = ['examples/jaeger/compose.yaml', 'examples/grafana/compose.yaml', 'examples/collector/compose.yaml'];

/**
 * Ports each image listens on (from the images' Dockerfiles / default configs: jaegertracing/jaeger
 * cmd/jaeger/Dockerfile + all-in-one.yaml, grafana/docker-otel-lgtm docker/Dockerfile, and for the
 * Collector our own otel-collector.yaml); `otlpHttp` is where the demo may send OTLP/HTTP.
 */
const IMAGE_PORTS: Record<string, { listens: number[]; otlpHttp?: number }> = {
  'jaegertracing/jaeger': { listens: [4317, 4318, 5778, 5779, 9411, 13133, 14250, 14268, 16686], otlpHttp: 4318 },
  'grafana/otel-lgtm': { listens: [3000, 3200, 4040, 4317, 4318, 9090], otlpHttp: 4318 },
  'otel/opentelemetry-collector-contrib': { listens: [4317, 4318, 8889], otlpHttp: 4318 },
  'prom/prometheus': { listens: [9090] },
  node: { listens: [] }, // the demo: its Prometheus port is checked against the demo's settings below
};

const imageName = (image: string) => image.replace(/@sha256:.*$/, '').replace(/:[^/:]+$/, '');
const imageTag = (image: string) => /:([^/:@]+)(@|$)/.exec(image)?.[1];

let settings: { DEFAULT_PROMETHEUS_PORT: number; DEFAULT_SERVICE_NAME: string; MAX_CALLS: number };
beforeAll(async () => {
  settings = await import(rel('examples/demo/settings.mjs'));
});

describe.each(COMPOSE_FILES)('%s', (file) => {
  const abs = rel(file);
  let compose: ComposeFile;
  beforeAll(() => {
    compose = readCompose(abs);
  });
  const services = () => Object.entries(compose.services);
  const demo = () => {
    const found = services().filter(([, s]) => demoArgs(s));
    expect(found.map(([name]) => name)).toEqual(['demo']);
    return found[0][1];
  };

  it('parses as YAML into named services, each with an image', () => {
    expect(services().length).toBeGreaterThanOrEqual(2);
    for (const [name, s] of services()) expect([name, typeof s.image]).toEqual([name, 'string']);
  });

  it('pins every image to a version tag (no latest, no untagged image)', () => {
    for (const [, s] of services()) {
      const tag = imageTag(s.image!);
      expect(tag, s.image).toMatch(/^v?\d+(\.\d+)*(-[a-z0-9.-]+)?$/);
      expect(Object.keys(IMAGE_PORTS)).toContain(imageName(s.image!));
    }
  });

  it('publishes only ports the image listens on, each on 127.0.0.1 only', () => {
    const published = services().flatMap(([, s]) => publishedPorts(s).map((p) => ({ ...p, image: imageName(s.image!) })));
    expect(published.length).toBeGreaterThan(0);
    for (const p of published) {
      expect(p.hostIp, `${p.image} ${p.target}`).toBe('127.0.0.1');
      expect(p.published).toBe(p.target);
      if (p.image !== 'node') expect(IMAGE_PORTS[p.image].listens, `${p.image} listens on ${p.target}`).toContain(p.target);
    }
  });

  it('bind-mounts only paths that exist in the repo, read-only', () => {
    const binds = services().flatMap(([, s]) => mounts(abs, s).filter((m) => m.bind));
    expect(binds.length).toBeGreaterThan(0);
    for (const m of binds) {
      expect(fs.existsSync(m.source), `${path.relative(ROOT, m.source)} exists`).toBe(true);
      expect(m.source.startsWith(ROOT), m.source).toBe(true);
      expect(m.readOnly, m.target).toBe(true);
    }
  });

  it('declares every named volume a service uses', () => {
    for (const [, s] of services()) for (const m of mounts(abs, s).filter((v) => !v.bind)) expect(Object.keys(compose.volumes ?? {})).toContain(m.source);
  });

  it('runs the demo CLI from a read-only copy of this repository, in serve mode with a bounded call count', () => {
    const s = demo();
    expect(s.image).toMatch(/^node:(20|22)(\.|-|$)/);
    const repo = mounts(abs, s).find((m) => m.bind && m.source === ROOT);
    expect(repo?.readOnly).toBe(true);
    const cmd = commandLine(s);
    // Copied out of the mount (without host node_modules/build), installed and built there.
    expect(cmd).toContain(`tar -C ${repo!.target} --exclude=./node_modules --exclude=./build`);
    expect(cmd.indexOf('npm ci')).toBeLessThan(cmd.indexOf('npm run build'));
    expect(cmd.indexOf('npm run build')).toBeLessThan(cmd.indexOf('node examples/demo.mjs'));
    const args = demoArgs(s)!;
    expect(args).toContain('--serve');
    const calls = Number(args[args.indexOf('--calls') + 1]);
    expect(Number.isInteger(calls) && calls > 0 && calls <= settings.MAX_CALLS).toBe(true);
    // Paced, so the traffic lasts minutes (graphs and alert windows) instead of one burst.
    const rate = Number(args[args.indexOf('--rate') + 1]);
    expect(Number.isInteger(rate) && rate > 0 && calls / rate >= 60).toBe(true);
  });

  it("sets only environment variables the demo's sources read", () => {
    const env = environmentOf(demo());
    expect(Object.keys(env).length).toBeGreaterThan(0);
    for (const name of Object.keys(env)) expect(demoReadsEnv(name), name).toBe(true);
    expect(env.OTEL_SERVICE_NAME).toBe(settings.DEFAULT_SERVICE_NAME);
  });

  it("serves the demo's Prometheus endpoint on all container interfaces and publishes the demo's port", () => {
    const s = demo();
    expect(environmentOf(s).DEMO_PROMETHEUS_HOST).toBe('0.0.0.0'); // 127.0.0.1 would be unreachable through the published port
    expect(demoArgs(s)).not.toContain('--prometheus-port');
    expect(publishedPorts(s).map((p) => p.target)).toEqual([settings.DEFAULT_PROMETHEUS_PORT]);
  });

  it("sends OTLP/HTTP to another service of this file, on that image's OTLP/HTTP port", () => {
    const env = environmentOf(demo());
    const endpoints = Object.entries(env).filter(([k]) => /^OTEL_EXPORTER_OTLP_(\w+_)?ENDPOINT$/.test(k));
    expect(endpoints.length).toBeGreaterThan(0);
    for (const [name, url] of endpoints) {
      const { host, port } = hostPort(url);
      const target = compose.services[host];
      expect(target, `${name} → ${host}`).toBeDefined();
      expect(port, name).toBe(IMAGE_PORTS[imageName(target.image!)].otlpHttp);
      expect(new URL(url).protocol).toBe('http:');
      // A per-signal variable is the full URL; the base one gets /v1/<signal> appended.
      if (name !== 'OTEL_EXPORTER_OTLP_ENDPOINT') expect(new URL(url).pathname).toBe(`/v1/${name.split('_')[3].toLowerCase()}`);
    }
    const dependsOn = demo().depends_on;
    const deps = Array.isArray(dependsOn) ? dependsOn : Object.keys(dependsOn ?? {});
    for (const [, url] of endpoints) expect(deps).toContain(hostPort(url).host);
  });
});

describe('examples/jaeger/compose.yaml', () => {
  const compose = () => readCompose(rel('examples/jaeger/compose.yaml'));

  it('runs Jaeger v2 with the UI (16686) and OTLP gRPC/HTTP (4317/4318) published', () => {
    const jaeger = compose().services.jaeger;
    expect(imageName(jaeger.image!)).toBe('jaegertracing/jaeger');
    expect(imageTag(jaeger.image!)).toMatch(/^2\./);
    expect(
      publishedPorts(jaeger)
        .map((p) => p.target)
        .sort((a, b) => a - b),
    ).toEqual([4317, 4318, 16686]);
  });

  it('has the demo export traces only (Jaeger takes no metrics)', () => {
    const env = environmentOf(compose().services.demo);
    expect(Object.keys(env).filter((k) => k.startsWith('OTEL_EXPORTER_OTLP'))).toEqual(['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
  });
});

describe('examples/grafana/compose.yaml', () => {
  const compose = () => readCompose(rel('examples/grafana/compose.yaml'));

  it('runs grafana/otel-lgtm with Grafana (3000) and OTLP gRPC/HTTP (4317/4318) published', () => {
    const lgtm = compose().services.lgtm;
    expect(imageName(lgtm.image!)).toBe('grafana/otel-lgtm');
    expect(publishedPorts(lgtm).map((p) => p.target)).toEqual(expect.arrayContaining([3000, 4317, 4318]));
  });

  it('has the demo send traces and metrics (one OTLP base endpoint)', () => {
    const env = environmentOf(compose().services.demo);
    expect(Object.keys(env).filter((k) => k.startsWith('OTEL_EXPORTER_OTLP'))).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT']);
  });
});

describe('examples/prometheus scrape configs (Prometheus scraping the demo directly)', () => {
  it.each([
    ['examples/prometheus/prometheus.yml', '127.0.0.1'],
    ['examples/prometheus/prometheus-docker.yml', 'host.docker.internal'],
  ])("%s scrapes the demo's Prometheus port and loads the JS-exporter-name rules", (file, host) => {
    const cfg = readYaml(rel(file));
    const targets = (cfg.scrape_configs as { static_configs: { targets: string[] }[] }[]).flatMap((s) => s.static_configs.flatMap((c) => c.targets));
    expect(targets.map(hostPort)).toEqual([{ host, port: settings.DEFAULT_PROMETHEUS_PORT }]);
    // The demo's endpoint is the JS Prometheus exporter (no unit suffixes): rules/, not rules-otlp/.
    expect((cfg.rule_files as string[]).map((g) => path.dirname(g))).toEqual(['rules']);
  });
});
