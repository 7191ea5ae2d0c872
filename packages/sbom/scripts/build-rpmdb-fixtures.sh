#!/usr/bin/env bash
# Builds the rpmdb fixtures of src/catalogers/rpm.test.ts into test-fixtures/rpm/ (committed; run
# again only to change them). Needs Debian's rpm (rpmbuild, rpm 4.18, SQLite backend only),
# db5.3-util (db5.3_load, the real Berkeley DB library) and python3.
#
#   Packages     Berkeley DB hash database as rpm <= 4.15 wrote it: key = package instance (uint32,
#                little-endian), value = the rpm header blob; key 0 holds the next instance number.
#                The blobs are the real headers rpm 4.18 stored for two packages built here; the file
#                is written by db5.3_load with 512-byte pages, so every header spans overflow pages.
#   Packages.db  rpm's NDB form (rpm >= 4.16, SUSE): Debian's rpm is built without NDB, so this
#                script writes the container itself from rpm's format (lib/backend/ndb/rpmpkg.c):
#                32-byte header "RpmP", version 0, generation, slot page count; 4 KiB slot pages of
#                16-byte slots "Slot", package index, block offset, block count (the header takes
#                the first two slots); blocks of 16 bytes holding "BlbS", package index, Adler-32,
#                blob length, the blob, and a tail.
#   expected.json what `rpm -qa` reports for the same database.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/test-fixtures/rpm"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
top="$work/top"
mkdir -p "$top"/{SPECS,BUILD,RPMS,SOURCES,SRPMS,BUILDROOT} "$work/db"
cat > "$top/SPECS/hello.spec" <<'SPEC'
Name: wharf-hello
Version: 1.2.3
Release: 4.fc40
Epoch: 2
Summary: A test package for the Wharf rpmdb readers
License: MIT
URL: https://example.org/hello
Vendor: Wharf Test
BuildArch: noarch
%description
Test package.
%install
mkdir -p %{buildroot}/usr/share/hello
for i in $(seq 1 60); do echo $i > %{buildroot}/usr/share/hello/file-$i.txt; done
%files
/usr/share/hello
SPEC
cat > "$top/SPECS/tiny.spec" <<'SPEC'
Name: wharf-tiny
Version: 0.1
Release: 1
Summary: Tiny
License: Apache-2.0 AND BSD-3-Clause
BuildArch: noarch
%description
Tiny.
%install
mkdir -p %{buildroot}/etc
echo x > %{buildroot}/etc/tiny.conf
%files
/etc/tiny.conf
SPEC
export SOURCE_DATE_EPOCH=1700000000
for s in hello tiny; do
  rpmbuild --define "_topdir $top" --define "use_source_date_epoch_as_buildtime 1" -bb "$top/SPECS/$s.spec" >/dev/null 2>&1
done
rpm --dbpath "$work/db" --initdb
rpm --dbpath "$work/db" -i --justdb --nodeps --noscripts --nosignature "$top"/RPMS/noarch/*.rpm 2>/dev/null
rpm --dbpath "$work/db" -qa --qf '%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{LICENSE}\n' | sort > "$work/qa.tsv"
python3 - "$work" "$out" <<'PY'
import json, sqlite3, struct, subprocess, sys, zlib
work, out = sys.argv[1], sys.argv[2]
rows = sqlite3.connect(f"{work}/db/rpmdb.sqlite").execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
# Berkeley DB hash, through db_load's bytevalue dump format
dump = ["VERSION=3", "format=bytevalue", "type=hash", "db_pagesize=512", "HEADER=END"]
pairs = [(struct.pack("<I", 0), struct.pack("<I", len(rows) + 1))] + [(struct.pack("<I", h), bytes(b)) for h, b in rows]
for k, v in pairs:
    dump += [" " + k.hex(), " " + v.hex()]
dump.append("DATA=END")
subprocess.run(["db5.3_load", f"{out}/Packages"], input=("\n".join(dump) + "\n").encode(), check=True)
# NDB
slots_per_page, blk = 4096 // 16, 16
slots = []
blocks = bytearray()
next_blk = 4096 // blk  # blobs start after the single slot page
for h, b in rows:
    b = bytes(b)
    body = struct.pack("<4I", 0x53626C42, h, zlib.adler32(b), len(b)) + b
    body += b"\0" * ((-len(body)) % blk) + struct.pack("<4I", 0, 0, 0, 0)  # tail block
    slots.append(struct.pack("<4I", 0x746F6C53, h, next_blk + len(blocks) // blk, len(body) // blk))
    blocks += body
header = struct.pack("<4I", 0x506D7052, 0, 1, 1) + b"\0" * 16
free = struct.pack("<4I", 0x746F6C53, 0, 0, 0)
page = header + b"".join(slots) + free * (slots_per_page - 2 - len(slots))
assert len(page) == 4096
open(f"{out}/Packages.db", "wb").write(page + bytes(blocks))
expected = []
for line in open(f"{work}/qa.tsv"):
    name, epoch, version, release, arch, lic = line.rstrip("\n").split("\t")
    expected.append({"name": name, "epoch": epoch, "version": version, "release": release, "arch": arch, "license": lic})
json.dump(expected, open(f"{out}/expected.json", "w"), indent=2)
open(f"{out}/expected.json", "a").write("\n")
PY
ls -l "$out"
