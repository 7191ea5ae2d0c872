import { describe, expect, it } from 'vitest';
import * as full from './index.js';
import * as lite from './lite.js';

describe('@wharf/core/lite', () => {
  it('exports the very same values as the main entry (one WharfError class, not a copy)', () => {
    const names = Object.keys(lite);
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) {
      expect(full[name as keyof typeof full], name).toBe(lite[name as keyof typeof lite]);
    }
    const err = new lite.ContentError('NOT_FOUND', 'x');
    expect(err).toBeInstanceOf(full.WharfError);
    expect(full.isWharfError(err, 'NOT_FOUND')).toBe(true);
  });

  it('leaves out exactly the manifest and descriptor parsers', () => {
    const missing = Object.keys(full)
      .filter((n) => !(n in lite))
      .sort();
    expect(missing).toEqual([
      'manifestAnnotations',
      'manifestArtifactType',
      'manifestSubject',
      'manifestSuccessors',
      'parseDescriptor',
      'parseManifest',
      'parseManifestValue',
      'parsePlatform',
      'referrerDescriptor',
    ]);
  });
});
