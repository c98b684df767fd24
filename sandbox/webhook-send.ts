/**
 * Delivering a webhook like Meta: POST of the JSON body with `X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256(app secret, raw body)>` (and the legacy SHA-1 `X-Hub-Signature`), over
 * http or https.
 */
import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';

export interface SendOptions {
  /** Default 'sandbox-app-secret'. */
  appSecret?: string;
  /** CA to trust for an https target. */
  ca?: string;
}

export interface SendResult {
  status: number;
  body: string;
}

export const DEFAULT_APP_SECRET = 'sandbox-app-secret';

/** `sha256=<hex>` of the raw body, as Meta signs it. */
export const signature256 = (appSecret: string, raw: Buffer | string): string => `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;

export function sendWebhook(targetUrl: string, delivery: object, opts: SendOptions = {}): Promise<SendResult> {
  const body = Buffer.from(JSON.stringify(delivery), 'utf8');
  const secret = opts.appSecret ?? DEFAULT_APP_SECRET;
  const url = new URL(targetUrl);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'user-agent': 'facebookexternalua',
    'x-hub-signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
    'x-hub-signature-256': signature256(secret, body),
  };
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    };
    const req =
      url.protocol === 'https:'
        ? https.request(url, { method: 'POST', headers, ...(opts.ca ? { ca: opts.ca } : {}) }, onResponse)
        : http.request(url, { method: 'POST', headers }, onResponse);
    req.on('error', reject);
    req.end(body);
  });
}
