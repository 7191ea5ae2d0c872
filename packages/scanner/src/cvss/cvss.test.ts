import { isWharfError } from '@wharf/core';
import { describe, expect, it } from 'vitest';
import { scoreCvss, severityOf, tryScoreCvss } from './index.js';

/**
 * Examples from the FIRST CVSS v3.1 specification's examples document and the FIRST v4.0
 * reference calculator, with their published scores.
 */
const SPEC_EXAMPLES: ReadonlyArray<readonly [string, number]> = [
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5], // CVE-2014-0160 Heartbleed
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8], // CVE-2014-6271 Shellshock
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1], // CVE-2013-1937 phpMyAdmin
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4], // CVE-2013-0375 MySQL
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1], // CVE-2014-3566 POODLE
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 9.9], // CVE-2012-1516 VMware
  ['CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L', 4.2], // CVE-2009-0783 Tomcat
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 8.8], // CVE-2016-1645 Chrome
  ['CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 7.8], // CVE-2015-1098 iWork
  ['CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 6.8], // CVE-2014-2005 Sophos
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N', 5.8], // CVE-2010-0467 Joomla
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N', 7.4], // CVE-2014-0224 OpenSSL CCS
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', 9.6], // CVE-2012-5376 Chrome IPC
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:A/MAV:A', 8.7],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 10],
];

/**
 * A deterministic sample of the test vectors of the `cvss` Python library
 * (RedHatProductSecurity/cvss, tests/vectors_simple31, vectors_simple3, vectors_simple4,
 * vectors_security4, vectors_threat4, vectors_supplemental4), whose scores were checked against
 * the FIRST calculators. For v3.x the number is the base score.
 */
const LIBRARY_VECTORS: ReadonlyArray<readonly [string, number]> = [
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:L/A:N', 9.3],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:H', 8.2],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:N/I:N/A:L', 4.7],
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:N', 7.7],
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:H', 8.1],
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:H/I:H/A:L', 7.6],
  ['CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:L/I:H/A:N', 7.6],
  ['CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:N/I:L/A:H', 5.5],
  ['CVSS:3.1/AV:N/AC:L/PR:H/UI:R/S:U/C:H/I:L/A:L', 5.7],
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:L/I:L/A:N', 5.4],
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H', 5.9],
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:L', 5.9],
  ['CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:C/C:L/I:N/A:N', 3.5],
  ['CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:C/C:H/I:H/A:H', 8.0],
  ['CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:H/A:L', 5.9],
  ['CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:C/C:N/I:H/A:N', 5.8],
  ['CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:C/C:H/I:L/A:H', 7.5],
  ['CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:L/A:L', 3.9],
  ['CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N', 4.7],
  ['CVSS:3.1/AV:A/AC:L/PR:N/UI:R/S:C/C:H/I:N/A:H', 8.5],
  ['CVSS:3.1/AV:A/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:L', 4.6],
  ['CVSS:3.1/AV:A/AC:L/PR:L/UI:N/S:C/C:N/I:N/A:N', 0.0],
  ['CVSS:3.1/AV:A/AC:L/PR:L/UI:R/S:C/C:L/I:H/A:H', 8.3],
  ['CVSS:3.1/AV:A/AC:L/PR:L/UI:R/S:U/C:N/I:H/A:L', 5.8],
  ['CVSS:3.1/AV:A/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:N', 6.1],
  ['CVSS:3.1/AV:A/AC:L/PR:H/UI:R/S:C/C:L/I:L/A:H', 7.1],
  ['CVSS:3.1/AV:A/AC:L/PR:H/UI:R/S:U/C:N/I:L/A:L', 3.2],
  ['CVSS:3.1/AV:A/AC:H/PR:N/UI:N/S:U/C:H/I:L/A:N', 5.9],
  ['CVSS:3.1/AV:A/AC:H/PR:N/UI:R/S:C/C:L/I:N/A:H', 6.4],
  ['CVSS:3.1/AV:A/AC:H/PR:N/UI:R/S:U/C:N/I:N/A:L', 2.6],
  ['CVSS:3.1/AV:A/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N', 4.8],
  ['CVSS:3.1/AV:A/AC:H/PR:L/UI:R/S:C/C:N/I:H/A:H', 7.3],
  ['CVSS:3.1/AV:A/AC:H/PR:H/UI:N/S:C/C:H/I:H/A:L', 7.5],
  ['CVSS:3.1/AV:A/AC:H/PR:H/UI:N/S:U/C:L/I:H/A:N', 4.8],
  ['CVSS:3.1/AV:A/AC:H/PR:H/UI:R/S:C/C:N/I:L/A:H', 5.9],
  ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:C/C:H/I:L/A:L', 8.5],
  ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N', 5.1],
  ['CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:C/C:N/I:N/A:H', 6.3],
  ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:L', 7.3],
  ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N', 3.3],
  ['CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:H/I:H/A:H', 7.3],
  ['CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:L/I:H/A:L', 7.3],
  ['CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:N/I:H/A:N', 4.4],
  ['CVSS:3.1/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:L/A:H', 6.1],
  ['CVSS:3.1/AV:L/AC:H/PR:N/UI:N/S:C/C:L/I:L/A:L', 5.6],
  ['CVSS:3.1/AV:L/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N', 2.9],
  ['CVSS:3.1/AV:L/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:H', 6.3],
  ['CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:C/C:L/I:N/A:L', 4.2],
  ['CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:N', 0.0],
  ['CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:U/C:L/I:H/A:H', 6.3],
  ['CVSS:3.1/AV:L/AC:H/PR:H/UI:N/S:C/C:N/I:H/A:L', 6.1],
  ['CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:C/C:H/I:H/A:N', 6.9],
  ['CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:L/A:H', 5.1],
  ['CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:L', 4.0],
  ['CVSS:3.1/AV:P/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N', 5.9],
  ['CVSS:3.1/AV:P/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:H', 4.9],
  ['CVSS:3.1/AV:P/AC:L/PR:L/UI:N/S:C/C:N/I:N/A:L', 2.4],
  ['CVSS:3.1/AV:P/AC:L/PR:L/UI:R/S:C/C:H/I:N/A:N', 4.9],
  ['CVSS:3.1/AV:P/AC:L/PR:L/UI:R/S:U/C:N/I:H/A:H', 5.7],
  ['CVSS:3.1/AV:P/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:L', 5.8],
  ['CVSS:3.1/AV:P/AC:L/PR:H/UI:R/S:C/C:L/I:H/A:N', 5.6],
  ['CVSS:3.1/AV:P/AC:L/PR:H/UI:R/S:U/C:N/I:L/A:H', 4.5],
  ['CVSS:3.1/AV:P/AC:H/PR:N/UI:N/S:U/C:H/I:L/A:L', 5.3],
  ['CVSS:3.1/AV:P/AC:H/PR:N/UI:R/S:C/C:L/I:L/A:N', 3.4],
  ['CVSS:3.1/AV:P/AC:H/PR:N/UI:R/S:U/C:N/I:N/A:H', 4.0],
  ['CVSS:3.1/AV:P/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:L', 4.6],
  ['CVSS:3.1/AV:P/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:N', 1.9],
  ['CVSS:3.1/AV:P/AC:H/PR:H/UI:N/S:C/C:H/I:H/A:H', 6.9],
  ['CVSS:3.1/AV:P/AC:H/PR:H/UI:N/S:U/C:L/I:H/A:L', 4.9],
  ['CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:C/C:N/I:H/A:N', 4.6],
  ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:H/A:N', 9.3],
  ['CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 9.9],
  ['CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:L', 4.6],
  ['CVSS:3.0/AV:N/AC:L/PR:H/UI:R/S:U/C:H/I:L/A:N', 5.2],
  ['CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:C/C:N/I:L/A:H', 6.9],
  ['CVSS:3.0/AV:N/AC:H/PR:L/UI:R/S:C/C:L/I:H/A:L', 7.1],
  ['CVSS:3.0/AV:N/AC:H/PR:H/UI:N/S:U/C:N/I:N/A:N', 0.0],
  ['CVSS:3.0/AV:A/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:H', 7.1],
  ['CVSS:3.0/AV:A/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:L', 6.8],
  ['CVSS:3.0/AV:A/AC:L/PR:H/UI:N/S:C/C:N/I:H/A:N', 6.2],
  ['CVSS:3.0/AV:A/AC:H/PR:N/UI:N/S:C/C:L/I:H/A:H', 8.2],
  ['CVSS:3.0/AV:A/AC:H/PR:N/UI:R/S:U/C:N/I:N/A:L', 2.6],
  ['CVSS:3.0/AV:A/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:N', 3.4],
  ['CVSS:3.0/AV:A/AC:H/PR:H/UI:R/S:U/C:H/I:L/A:H', 5.9],
  ['CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:C/C:N/I:H/A:L', 7.1],
  ['CVSS:3.0/AV:L/AC:L/PR:L/UI:R/S:C/C:H/I:N/A:N', 5.9],
  ['CVSS:3.0/AV:L/AC:L/PR:H/UI:N/S:U/C:N/I:N/A:H', 4.4],
  ['CVSS:3.0/AV:L/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L', 4.9],
  ['CVSS:3.0/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:N', 6.3],
  ['CVSS:3.0/AV:L/AC:H/PR:H/UI:N/S:C/C:N/I:H/A:H', 7.2],
  ['CVSS:3.0/AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:L', 6.1],
  ['CVSS:3.0/AV:P/AC:L/PR:N/UI:R/S:U/C:N/I:L/A:N', 2.1],
  ['CVSS:3.0/AV:P/AC:L/PR:L/UI:R/S:U/C:L/I:L/A:H', 5.2],
  ['CVSS:3.0/AV:P/AC:L/PR:H/UI:R/S:U/C:H/I:H/A:L', 5.7],
  ['CVSS:3.0/AV:P/AC:H/PR:N/UI:R/S:C/C:L/I:N/A:N', 2.0],
  ['CVSS:3.0/AV:P/AC:H/PR:L/UI:R/S:C/C:H/I:N/A:H', 6.6],
  ['CVSS:3.0/AV:P/AC:H/PR:H/UI:N/S:U/C:N/I:L/A:L', 2.7],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:H/SC:N/SI:H/SA:N', 9.2],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:N/SC:H/SI:L/SA:L', 6.4],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:N/VA:H/SC:H/SI:H/SA:N', 8.4],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H', 6.2],
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:L/VI:H/VA:L/SC:L/SI:L/SA:N', 6.1],
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:L/VI:L/VA:H/SC:L/SI:L/SA:H', 7.2],
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:H/SA:L', 4.5],
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:L/VI:N/VA:L/SC:L/SI:H/SA:N', 4.3],
  ['CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:A/VC:H/VI:N/VA:L/SC:N/SI:H/SA:L', 7.0],
  ['CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:P/VC:H/VI:N/VA:H/SC:H/SI:N/SA:N', 7.0],
  ['CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:L/SI:H/SA:N', 4.8],
  ['CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:H/SI:L/SA:N', 9.0],
  ['CVSS:4.0/AV:N/AC:H/AT:P/PR:L/UI:N/VC:N/VI:N/VA:H/SC:L/SI:L/SA:L', 6.0],
  ['CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:L/SA:L', 8.8],
  ['CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:H/VI:N/VA:H/SC:N/SI:H/SA:N', 6.8],
  ['CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:H/SI:H/SA:N', 6.3],
  ['CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:P/VC:H/VI:N/VA:N/SC:N/SI:H/SA:L', 6.8],
  ['CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:A/VC:L/VI:N/VA:L/SC:N/SI:L/SA:L', 2.4],
  ['CVSS:4.0/AV:A/AC:L/AT:N/PR:H/UI:A/VC:L/VI:H/VA:H/SC:L/SI:L/SA:H', 7.0],
  ['CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:A/VC:H/VI:L/VA:L/SC:N/SI:L/SA:L', 5.8],
  ['CVSS:4.0/AV:A/AC:L/AT:P/PR:L/UI:A/VC:L/VI:H/VA:N/SC:H/SI:L/SA:H', 5.9],
  ['CVSS:4.0/AV:A/AC:L/AT:P/PR:H/UI:P/VC:N/VI:L/VA:N/SC:H/SI:N/SA:N', 1.8],
  ['CVSS:4.0/AV:A/AC:H/AT:N/PR:N/UI:P/VC:N/VI:H/VA:L/SC:L/SI:L/SA:N', 5.9],
  ['CVSS:4.0/AV:A/AC:H/AT:N/PR:L/UI:P/VC:H/VI:N/VA:H/SC:N/SI:H/SA:N', 5.7],
  ['CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:P/VC:L/VI:H/VA:H/SC:N/SI:H/SA:L', 5.8],
  ['CVSS:4.0/AV:A/AC:H/AT:P/PR:N/UI:P/VC:H/VI:N/VA:H/SC:L/SI:H/SA:L', 7.1],
  ['CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:N/VC:H/VI:N/VA:N/SC:H/SI:L/SA:N', 7.0],
  ['CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:A/VC:N/VI:L/VA:N/SC:L/SI:L/SA:H', 2.1],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:L/SI:L/SA:H', 8.3],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:H/VA:N/SC:H/SI:L/SA:L', 8.2],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:L/VI:N/VA:N/SC:L/SI:N/SA:H', 6.0],
  ['CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:N/VC:L/VI:H/VA:H/SC:H/SI:N/SA:L', 7.1],
  ['CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:A/VC:L/VI:H/VA:H/SC:N/SI:N/SA:L', 5.7],
  ['CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:L/SC:H/SI:L/SA:L', 2.1],
  ['CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:N/VC:L/VI:L/VA:H/SC:H/SI:L/SA:H', 7.2],
  ['CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:A/VC:L/VI:N/VA:L/SC:H/SI:L/SA:N', 4.3],
  ['CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:A/VC:L/VI:L/VA:N/SC:H/SI:N/SA:H', 2.1],
  ['CVSS:4.0/AV:L/AC:H/AT:N/PR:H/UI:P/VC:L/VI:N/VA:H/SC:N/SI:N/SA:L', 4.3],
  ['CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:P/VC:H/VI:N/VA:N/SC:H/SI:H/SA:N', 7.0],
  ['CVSS:4.0/AV:L/AC:H/AT:P/PR:L/UI:N/VC:N/VI:N/VA:H/SC:N/SI:H/SA:H', 7.0],
  ['CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:N/VC:N/VI:H/VA:L/SC:N/SI:H/SA:L', 6.9],
  ['CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:N/SC:H/SI:N/SA:N', 6.7],
  ['CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:L/SA:N', 2.4],
  ['CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:A/VC:N/VI:L/VA:L/SC:L/SI:N/SA:N', 2.4],
  ['CVSS:4.0/AV:P/AC:L/AT:N/PR:H/UI:P/VC:N/VI:N/VA:N/SC:N/SI:N/SA:H', 4.1],
  ['CVSS:4.0/AV:P/AC:L/AT:P/PR:N/UI:A/VC:L/VI:N/VA:L/SC:H/SI:N/SA:N', 1.8],
  ['CVSS:4.0/AV:P/AC:L/AT:P/PR:L/UI:P/VC:N/VI:L/VA:N/SC:L/SI:N/SA:H', 2.0],
  ['CVSS:4.0/AV:P/AC:L/AT:P/PR:H/UI:N/VC:L/VI:H/VA:N/SC:H/SI:H/SA:L', 5.9],
  ['CVSS:4.0/AV:P/AC:L/AT:P/PR:H/UI:A/VC:N/VI:H/VA:N/SC:N/SI:L/SA:N', 4.1],
  ['CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:A/VC:L/VI:H/VA:L/SC:L/SI:H/SA:H', 6.0],
  ['CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:P/VC:L/VI:N/VA:H/SC:H/SI:N/SA:H', 5.8],
  ['CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:P/VC:L/VI:H/VA:L/SC:L/SI:H/SA:L', 5.9],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:N/UI:P/VC:H/VI:H/VA:L/SC:H/SI:L/SA:L', 7.0],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:N/VC:H/VI:H/VA:L/SC:L/SI:L/SA:L', 5.3],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:A/VC:N/VI:N/VA:N/SC:L/SI:H/SA:L', 2.1],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:N/VA:H/SC:L/SI:H/SA:L', 5.9],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:H/IR:H/AR:H', 7.3],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/CR:H/IR:M/AR:H', 0.0],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:H/IR:M/AR:L', 7.1],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/CR:H/IR:L/AR:L', 0.0],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:M/IR:H/AR:M', 7.2],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/CR:M/IR:M/AR:M', 0.0],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:M/IR:L/AR:H', 7.1],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/CR:L/IR:H/AR:H', 0.0],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:L/IR:H/AR:L', 7.1],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/CR:L/IR:M/AR:L', 0.0],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:L/IR:L/AR:M', 5.5],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A', 0.0],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A', 7.3],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:P', 0.0],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:P', 5.9],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:U', 0.0],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U', 4.1],
  [
    'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:N/AU:N/R:A/V:D/RE:L/U:Red',
    7.3,
  ],
  [
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/S:N/AU:N/R:U/V:D/RE:H/U:Amber',
    0.0,
  ],
  [
    'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:N/AU:N/R:I/V:C/RE:M/U:Clear',
    7.3,
  ],
  [
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/S:N/AU:Y/R:A/V:C/RE:H/U:Red',
    0.0,
  ],
  [
    'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:N/AU:Y/R:I/V:D/RE:M/U:Green',
    7.3,
  ],
  [
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/S:P/AU:N/R:A/V:C/RE:L/U:Clear',
    0.0,
  ],
  [
    'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:P/AU:N/R:U/V:C/RE:M/U:Amber',
    7.3,
  ],
  [
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/S:P/AU:Y/R:A/V:D/RE:L/U:Green',
    0.0,
  ],
  [
    'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:P/AU:Y/R:U/V:D/RE:M/U:Red',
    7.3,
  ],
  [
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/S:P/AU:Y/R:I/V:C/RE:L/U:Amber',
    0.0,
  ],
];

describe('CVSS scores', () => {
  it.each([...SPEC_EXAMPLES, ...LIBRARY_VECTORS])('%s = %d', (vector, want) => {
    const r = scoreCvss(vector);
    expect(r.score).toBe(want);
    expect(r.severity).toBe(severityOf(want));
  });

  it('uses the v3.0 round-up for CVSS:3.0 vectors', () => {
    expect(scoreCvss('CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N').score).toBe(6.1);
    expect(scoreCvss('CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N').score).toBe(0);
  });

  it('accepts v3 metrics in any order and ignores temporal metrics for the base score', () => {
    expect(scoreCvss('CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:N/A:N/E:F/RL:O').score).toBe(7.5);
  });

  it('rates severities on the shared scale', () => {
    expect([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(severityOf)).toEqual([
      'None',
      'Low',
      'Low',
      'Medium',
      'Medium',
      'High',
      'High',
      'Critical',
      'Critical',
    ]);
  });
});

describe('invalid CVSS vectors', () => {
  it.each([
    '',
    'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N',
    'CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P',
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N',
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/A:N',
    'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N',
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/ZZ:1',
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/',
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N',
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N',
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:red',
  ])('rejects %j with CVSS_VECTOR_INVALID', (vector) => {
    let err: unknown;
    try {
      scoreCvss(vector);
    } catch (e) {
      err = e;
    }
    expect(isWharfError(err, 'CVSS_VECTOR_INVALID')).toBe(true);
    expect(tryScoreCvss(vector)).toBeUndefined();
  });
});
