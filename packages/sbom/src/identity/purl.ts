import type { PurlSpec } from '../catalogers/types.js';
import type { Distro } from '../types.js';

/** Percent-encodes like Go's url.QueryEscape (space as %20), which Syft's purls use. */
export function purlEscape(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

/** Builds a purl string: namespace segments and values escaped, qualifiers sorted, empty ones dropped. */
export function formatPurl(spec: PurlSpec): string {
  let out = `pkg:${spec.type}/`;
  if (spec.namespace !== undefined && spec.namespace !== '') {
    out +=
      spec.namespace
        .split('/')
        .filter((s) => s !== '')
        .map(purlEscape)
        .join('/') + '/';
  }
  out += purlEscape(spec.name);
  if (spec.version !== undefined && spec.version !== '') out += '@' + purlEscape(spec.version);
  const q = Object.entries(spec.qualifiers ?? {})
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (q.length > 0) out += '?' + q.map(([k, v]) => `${k.toLowerCase()}=${purlEscape(v)}`).join('&');
  return out;
}

/** A purl without its qualifiers and subpath: what tools agree on. */
export function purlWithoutQualifiers(purl: string): string {
  return purl.replace(/[?#].*$/, '');
}

const RPM_NAMESPACES: Readonly<Record<string, string>> = { rhel: 'redhat' };

/** Fills the OS namespace and `distro=` qualifier of deb/apk/rpm purls from os-release. */
export function scopeToDistro(spec: PurlSpec, distro: Distro | undefined): PurlSpec {
  if (spec.distroScoped !== true) return spec;
  const fallback: Readonly<Record<string, string>> = { deb: 'debian', apk: 'alpine', rpm: '' };
  let namespace = fallback[spec.type] ?? '';
  const qualifiers: Record<string, string> = { ...spec.qualifiers };
  if (distro !== undefined) {
    namespace = distro.id;
    if (spec.type === 'rpm') {
      namespace = distro.id.startsWith('opensuse')
        ? 'opensuse'
        : (RPM_NAMESPACES[distro.id] ?? distro.id);
    }
    if (distro.versionId !== undefined) qualifiers.distro = `${distro.id}-${distro.versionId}`;
  }
  const { distroScoped: _scoped, ...rest } = spec;
  return { ...rest, ...(namespace !== '' ? { namespace } : {}), qualifiers };
}
