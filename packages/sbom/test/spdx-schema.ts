/**
 * A zod schema for SPDX 2.3 JSON documents, written from the SPDX 2.3 specification's field list
 * (no npm package ships the official JSON schema). Every object is strict, like the official
 * schema's `additionalProperties: false`.
 */
import { z } from 'zod';

const spdxRef = z.string().regex(/^SPDXRef-[a-zA-Z0-9.-]+$/);
const elementRef = z
  .string()
  .regex(/^(DocumentRef-[a-zA-Z0-9.-]+:)?SPDXRef-[a-zA-Z0-9.-]+$|^NONE$|^NOASSERTION$/);
const timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
const checksumAlgorithms = [
  'SHA1',
  'SHA224',
  'SHA256',
  'SHA384',
  'SHA512',
  'SHA3-256',
  'SHA3-384',
  'SHA3-512',
  'BLAKE2b-256',
  'BLAKE2b-384',
  'BLAKE2b-512',
  'BLAKE3',
  'MD2',
  'MD4',
  'MD5',
  'MD6',
  'ADLER32',
] as const;
const checksum = z.strictObject({
  algorithm: z.enum(checksumAlgorithms),
  checksumValue: z.string(),
});
const annotation = z.strictObject({
  annotationDate: timestamp,
  annotationType: z.enum(['OTHER', 'REVIEW']),
  annotator: z.string(),
  comment: z.string(),
});
const agent = z.string().regex(/^(NOASSERTION|(Person|Organization|Tool): .+)$/);
const externalRef = z.strictObject({
  comment: z.string().optional(),
  referenceCategory: z.enum([
    'OTHER',
    'PERSISTENT-ID',
    'PERSISTENT_ID',
    'SECURITY',
    'PACKAGE-MANAGER',
    'PACKAGE_MANAGER',
  ]),
  referenceLocator: z.string().min(1),
  referenceType: z.string().min(1),
});
const relationshipTypes = [
  'VARIANT_OF',
  'COPY_OF',
  'PATCH_FOR',
  'TEST_DEPENDENCY_OF',
  'CONTAINED_BY',
  'DATA_FILE_OF',
  'OPTIONAL_COMPONENT_OF',
  'ANCESTOR_OF',
  'GENERATES',
  'CONTAINS',
  'OPTIONAL_DEPENDENCY_OF',
  'FILE_ADDED',
  'REQUIREMENT_DESCRIPTION_FOR',
  'DEV_DEPENDENCY_OF',
  'DEPENDENCY_OF',
  'BUILD_DEPENDENCY_OF',
  'DESCRIBES',
  'PREREQUISITE_FOR',
  'HAS_PREREQUISITE',
  'PROVIDED_DEPENDENCY_OF',
  'DYNAMIC_LINK',
  'DESCRIBED_BY',
  'METAFILE_OF',
  'DEPENDENCY_MANIFEST_OF',
  'PATCH_APPLIED',
  'RUNTIME_DEPENDENCY_OF',
  'TEST_OF',
  'TEST_TOOL_OF',
  'DEPENDS_ON',
  'SPECIFICATION_FOR',
  'FILE_MODIFIED',
  'DISTRIBUTION_ARTIFACT',
  'AMENDS',
  'DOCUMENTATION_OF',
  'GENERATED_FROM',
  'STATIC_LINK',
  'OTHER',
  'BUILD_TOOL_OF',
  'TEST_CASE_OF',
  'PACKAGE_OF',
  'DESCENDANT_OF',
  'FILE_DELETED',
  'EXPANDED_FROM_ARCHIVE',
  'DEV_TOOL_OF',
  'EXAMPLE_OF',
] as const;

export const spdxPackageSchema = z.strictObject({
  SPDXID: spdxRef,
  annotations: z.array(annotation).optional(),
  attributionTexts: z.array(z.string()).optional(),
  builtDate: timestamp.optional(),
  checksums: z.array(checksum).optional(),
  comment: z.string().optional(),
  copyrightText: z.string().optional(),
  description: z.string().optional(),
  downloadLocation: z.string().min(1),
  externalRefs: z.array(externalRef).optional(),
  filesAnalyzed: z.boolean().optional(),
  hasFiles: z.array(spdxRef).optional(),
  homepage: z.string().optional(),
  licenseComments: z.string().optional(),
  licenseConcluded: z.string().optional(),
  licenseDeclared: z.string().optional(),
  licenseInfoFromFiles: z.array(z.string()).optional(),
  name: z.string().min(1),
  originator: agent.optional(),
  packageFileName: z.string().optional(),
  packageVerificationCode: z
    .strictObject({
      packageVerificationCodeExcludedFiles: z.array(z.string()).optional(),
      packageVerificationCodeValue: z.string(),
    })
    .optional(),
  primaryPackagePurpose: z
    .enum([
      'APPLICATION',
      'FRAMEWORK',
      'LIBRARY',
      'CONTAINER',
      'OPERATING-SYSTEM',
      'DEVICE',
      'FIRMWARE',
      'SOURCE',
      'ARCHIVE',
      'FILE',
      'INSTALL',
      'OTHER',
    ])
    .optional(),
  releaseDate: timestamp.optional(),
  sourceInfo: z.string().optional(),
  summary: z.string().optional(),
  supplier: agent.optional(),
  validUntilDate: timestamp.optional(),
  versionInfo: z.string().optional(),
});

export const spdxFileSchema = z.strictObject({
  SPDXID: spdxRef,
  annotations: z.array(annotation).optional(),
  artifactOfs: z.array(z.record(z.string(), z.unknown())).optional(),
  attributionTexts: z.array(z.string()).optional(),
  checksums: z.array(checksum).min(1),
  comment: z.string().optional(),
  copyrightText: z.string().optional(),
  fileContributors: z.array(z.string()).optional(),
  fileDependencies: z.array(z.string()).optional(),
  fileName: z.string(),
  fileTypes: z
    .array(
      z.enum([
        'OTHER',
        'DOCUMENTATION',
        'IMAGE',
        'VIDEO',
        'ARCHIVE',
        'SPDX',
        'APPLICATION',
        'SOURCE',
        'BINARY',
        'TEXT',
        'AUDIO',
      ]),
    )
    .optional(),
  licenseComments: z.string().optional(),
  licenseConcluded: z.string().optional(),
  licenseInfoInFiles: z.array(z.string()).optional(),
  noticeText: z.string().optional(),
});

export const spdxDocumentSchema = z.strictObject({
  $schema: z.string().optional(),
  SPDXID: z.literal('SPDXRef-DOCUMENT'),
  annotations: z.array(annotation).optional(),
  comment: z.string().optional(),
  creationInfo: z.strictObject({
    comment: z.string().optional(),
    created: timestamp,
    creators: z.array(agent).min(1),
    licenseListVersion: z
      .string()
      .regex(/^\d+\.\d+$/)
      .optional(),
  }),
  dataLicense: z.literal('CC0-1.0'),
  documentDescribes: z.array(elementRef).optional(),
  documentNamespace: z.url(),
  externalDocumentRefs: z
    .array(
      z.strictObject({
        externalDocumentId: z.string().regex(/^DocumentRef-[a-zA-Z0-9.-]+$/),
        checksum,
        spdxDocument: z.url(),
      }),
    )
    .optional(),
  files: z.array(spdxFileSchema).optional(),
  hasExtractedLicensingInfos: z
    .array(
      z.strictObject({
        comment: z.string().optional(),
        crossRefs: z.array(z.record(z.string(), z.unknown())).optional(),
        extractedText: z.string(),
        licenseId: z.string().regex(/^LicenseRef-[a-zA-Z0-9.-]+$/),
        name: z.string().optional(),
        seeAlsos: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  name: z.string().min(1),
  packages: z.array(spdxPackageSchema).optional(),
  relationships: z
    .array(
      z.strictObject({
        comment: z.string().optional(),
        relatedSpdxElement: elementRef,
        relationshipType: z.enum(relationshipTypes),
        spdxElementId: elementRef,
      }),
    )
    .optional(),
  revieweds: z
    .array(
      z.strictObject({
        comment: z.string().optional(),
        reviewDate: timestamp,
        reviewer: z.string().optional(),
      }),
    )
    .optional(),
  snippets: z.array(z.record(z.string(), z.unknown())).optional(),
  spdxVersion: z.literal('SPDX-2.3'),
});
