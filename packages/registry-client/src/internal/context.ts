import type { Logger } from '@wharf/core';
import type { HttpRequest, HttpResponse } from './transport.js';

/** Everything the blob, manifest, tag and referrers modules need from a repository. */
export interface RepoContext {
  /** `host[:port]` as written in references. */
  readonly registry: string;
  /** Repository name. */
  readonly name: string;
  /** Builds `<base>/v2/<name>/<path>`. */
  url(path: string): URL;
  /** Authenticated request for `scopes`. */
  send(req: HttpRequest, scopes: readonly string[]): Promise<HttpResponse>;
  readonly logger: Logger;
  readonly maxMetadataBytes: number;
  readonly maxRetries: number;
  readonly manifestMediaTypes: readonly string[];
  readonly verifyPushes: boolean;
  readonly chunkedUploadThreshold: number;
  readonly chunkSize: number;
}
