// http(s):// through fetch (tfjs' io.http / io.browserHTTPRequest): load fetches model.json, then
// each shard relative to it (or weightPathPrefix), reporting progress per shard; save POSTs
// model.json and the weights as multipart form data, as tfjs does.
import type { IOHandler, LoadOptions, ModelArtifacts, SaveResult } from './types.js';
import { artifactsFromModelJSON, modelJSONFor, parseModelJSON } from './model_json.js';
import { artifactsInfo, concatWeightData } from './weights.js';

function isHttp(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** model.json's folder URL, with a trailing '/'. */
function folderOf(url: string): string {
  const q = url.search(/[?#]/);
  const base = q >= 0 ? url.slice(0, q) : url;
  return base.slice(0, base.lastIndexOf('/') + 1);
}

/**
 * An HTTP handler for `url` (model.json to load from, or the endpoint to POST to).
 * @example const m = await sg.loadLayersModel(sg.io.http('https://example.com/model.json', { requestInit: { headers } }));
 */
export function http(url: string, opts: LoadOptions & { method?: string } = {}): IOHandler {
  const fetchFn = opts.fetchFunc ?? (globalThis.fetch as typeof fetch | undefined);
  const need = (): typeof fetch => {
    if (typeof fetchFn !== 'function')
      throw new Error(`io.http('${url}'): no fetch() in this environment; pass fetchFunc`);
    return fetchFn;
  };
  return {
    async load(): Promise<ModelArtifacts> {
      const f = need();
      let res: Response;
      try {
        res = await f(url, opts.requestInit);
      } catch (e) {
        throw new Error(`${url}: request failed (${(e as Error).message})`);
      }
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText ?? ''}`.trim());
      const json = parseModelJSON(await res.text(), url);
      const prefix = opts.weightPathPrefix ?? folderOf(url);
      let total = 0;
      let done = 0;
      for (const g of json.weightsManifest ?? []) total += g.paths.length;
      return artifactsFromModelJSON(
        json,
        async (paths, expected, g) => {
          const urls = await Promise.all(
            paths.map((p) => (opts.weightUrlConverter ? opts.weightUrlConverter(p) : Promise.resolve(prefix + p))),
          );
          const buffers = await Promise.all(
            urls.map(async (u) => {
              let r: Response;
              try {
                r = await f(u, opts.requestInit);
              } catch (e) {
                throw new Error(`${url}: fetching weight file '${u}' failed (${(e as Error).message})`);
              }
              if (!r.ok) throw new Error(`${url}: weight file '${u}' of group ${g}: HTTP ${r.status}`);
              // A server that states a length larger than the manifest needs is refused before reading.
              const len = Number(r.headers?.get?.('content-length') ?? NaN);
              if (Number.isFinite(len) && len > expected) {
                throw new Error(
                  `${url}: weight file '${u}' is ${len} bytes, more than the ${expected} its group needs`,
                );
              }
              const b = await r.arrayBuffer();
              done++;
              opts.onProgress?.(total ? done / total : 1);
              return b;
            }),
          );
          return buffers;
        },
        url,
      );
    },
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const f = need();
      const form = new FormData();
      const name = 'model';
      const json = modelJSONFor(a, [`./${name}.weights.bin`]);
      form.append('model.json', new Blob([JSON.stringify(json)], { type: 'application/json' }), 'model.json');
      if (a.weightData !== undefined) {
        form.append(
          'model.weights.bin',
          new Blob([concatWeightData(a.weightData)], { type: 'application/octet-stream' }),
          `${name}.weights.bin`,
        );
      }
      const init: RequestInit = { method: opts.method ?? 'POST', ...opts.requestInit, body: form };
      const res = await f(url, init);
      if (!res.ok) throw new Error(`${url}: saving failed: HTTP ${res.status}`);
      return { modelArtifactsInfo: artifactsInfo(a), responses: [res] };
    },
  };
}

/** tfjs' old name for io.http. */
export const browserHTTPRequest = http;

/** The router for http:// and https:// URLs. */
export function httpRouter(url: string, options?: LoadOptions): IOHandler | null {
  if (typeof url !== 'string' || !isHttp(url)) return null;
  return http(url, options);
}
