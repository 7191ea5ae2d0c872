export * from './errors.js';
export type { Ordering, VersionComparator } from './version/types.js';
export * as dpkgVersion from './version/dpkg.js';
export * as apkVersion from './version/apk.js';
