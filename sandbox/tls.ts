/**
 * The TEST-ONLY self-signed certificate of the sandbox (sandbox/certs, 127.0.0.1 and localhost,
 * valid 20 years). Clients trust it by passing `sandbox.ca` (the certificate's PEM) as their CA.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** sandbox/certs from the sources (tests) or from build/sandbox (compiled). */
function certDir(): string {
  const candidates = [path.join(__dirname, 'certs'), path.join(__dirname, '..', '..', 'sandbox', 'certs')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'cert.pem'))) ?? candidates[0];
}

export interface SandboxTls {
  key: string;
  cert: string;
}

let cached: SandboxTls | undefined;

export function sandboxTls(): SandboxTls {
  const dir = certDir();
  cached ??= { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  return cached;
}
