import { apkCataloger } from './apk.js';
import { dpkgCataloger } from './dpkg.js';
import { goCataloger } from './golang.js';
import { javaCataloger } from './java.js';
import { npmCataloger } from './npm.js';
import { osReleaseCataloger } from './os-release.js';
import { pythonCataloger } from './python.js';
import { rpmCataloger } from './rpm.js';
import { rubyCataloger } from './ruby.js';
import { rustCataloger } from './rust.js';
import type { Cataloger } from './types.js';

/** The image catalogers, in the order their evidence is assembled. */
export const DEFAULT_CATALOGERS: readonly Cataloger[] = [
  osReleaseCataloger,
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
  npmCataloger,
  pythonCataloger,
  goCataloger,
  rustCataloger,
  javaCataloger,
  rubyCataloger,
];
