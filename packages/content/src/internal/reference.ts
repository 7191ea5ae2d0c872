import { ContentError, isDigest } from '@wharf/core';

// image-spec image-layout ref.name grammar: component ("/" component)*, where a component is
// alphanum+ (separator alphanum+)* and separator is one of -._:@+ or "--".
const REF_NAME =
  /^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$/;

// distribution-spec tag grammar.
const DISTRIBUTION_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Validates a tag (a layout `ref.name`). Digests are not tags.
 * @throws ContentError `INVALID_REFERENCE`
 */
export function validateTag(tag: string): void {
  if (
    tag.length === 0 ||
    tag.length > 4096 ||
    !(REF_NAME.test(tag) || DISTRIBUTION_TAG.test(tag)) ||
    isDigest(tag)
  ) {
    throw new ContentError('INVALID_REFERENCE', `invalid tag ${JSON.stringify(tag.slice(0, 200))}`);
  }
}
