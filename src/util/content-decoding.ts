import * as zlib from 'node:zlib';
import { gunzipSmallText } from './small-gunzip';

/**
 * Decodes a bounded, possibly truncated, content-encoded body prefix to text. Flushing instead of
 * finishing lets a cut-off gzip/br stream still yield its first bytes; `maxOutputLength` stops a
 * decompression bomb. Returns undefined when the bytes can't be decoded.
 */
export function decodeBody(bytes: Buffer, contentEncoding: string | undefined, maxOutput: number): string | undefined {
  if (bytes.length === 0) return '';
  const encoding = contentEncoding === undefined ? '' : contentEncoding.trim().toLowerCase();
  try {
    switch (encoding) {
      case '':
      case 'identity':
        return bytes.subarray(0, maxOutput).toString('utf8');
      case 'gzip':
      case 'x-gzip':
        // Short JSON (every Graph response) inflates in JS; everything else in zlib (see small-gunzip).
        return (
          gunzipSmallText(bytes, maxOutput) ??
          zlib.gunzipSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: maxOutput, chunkSize: chunkSizeFor(bytes) }).toString('utf8')
        );
      case 'deflate':
        return inflateEither(bytes, maxOutput);
      case 'br':
        return zlib
          .brotliDecompressSync(bytes, { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH, maxOutputLength: maxOutput, chunkSize: chunkSizeFor(bytes) })
          .toString('utf8');
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/**
 * The output buffer zlib allocates per call: with its 16 KiB default, inflating a typical Graph
 * response (~110 bytes of gzip) took 10 µs instead of 4 (a fresh external allocation each time,
 * which also brings the next GC forward). Sized from the input instead (JSON rarely inflates more
 * than ~8×); bigger output just takes more chunks. Never above the default.
 */
function chunkSizeFor(bytes: Buffer): number {
  return Math.min(zlib.constants.Z_DEFAULT_CHUNK, Math.max(512, 2 ** Math.ceil(Math.log2(bytes.length * 8))));
}

/** HTTP "deflate" is zlib-wrapped by the spec, raw deflate by some servers: try both. */
function inflateEither(bytes: Buffer, maxOutput: number): string {
  const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: maxOutput, chunkSize: chunkSizeFor(bytes) };
  try {
    return zlib.inflateSync(bytes, opts).toString('utf8');
  } catch {
    return zlib.inflateRawSync(bytes, opts).toString('utf8');
  }
}
