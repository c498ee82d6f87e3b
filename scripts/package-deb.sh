#!/usr/bin/env bash
# Builds .build/civicgate_<version>_<arch>.deb with dpkg-deb (no network): a release build with the
# Swift standard library linked statically (no toolchain on the server), Depends from what the
# binary links (dpkg-shlibdeps), the menus and locales under /usr/share/civicgate, the env file as a
# conffile, the hardened systemd unit and the nightly backup timer. Files: scripts/debian/.
# usage: scripts/package-deb.sh [version, default 1.0.<commits>]
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in dpkg-deb dpkg-shlibdeps; do command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install dpkg-dev)" >&2; exit 1; }; done
version=${1:-1.0.$(git rev-list --count HEAD 2>/dev/null || echo 0)-1}
arch=$(dpkg --print-architecture)
swift build -c release --product civicgate --static-swift-stdlib >/dev/null
bin=$(swift build -c release --product civicgate --static-swift-stdlib --show-bin-path)/civicgate
stage=.build/deb/civicgate_${version}_${arch}
rm -rf "$stage"
install -d -m 0755 "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/civicgate" "$stage/usr/share/doc/civicgate" "$stage/etc/civicgate" \
  "$stage/usr/lib/systemd/system"
install -m 0755 "$bin" "$stage/usr/bin/civicgate"
strip --strip-unneeded "$stage/usr/bin/civicgate"
cp -r menus locales "$stage/usr/share/civicgate/"
find "$stage/usr/share/civicgate" -type d -exec chmod 0755 {} + && find "$stage/usr/share/civicgate" -type f -exec chmod 0644 {} +
install -m 0640 scripts/debian/civicgate.env "$stage/etc/civicgate/civicgate.env"
for unit in civicgate.service civicgate-backup.service civicgate-backup.timer; do install -m 0644 "scripts/debian/$unit" "$stage/usr/lib/systemd/system/$unit"; done
install -m 0644 scripts/debian/copyright "$stage/usr/share/doc/civicgate/copyright"
install -d "$stage/usr/share/lintian/overrides"
install -m 0644 scripts/debian/lintian-overrides "$stage/usr/share/lintian/overrides/civicgate"
for doc in README.md docs/configuration.md docs/popia.md docs/postgresql.md; do install -m 0644 "$doc" "$stage/usr/share/doc/civicgate/"; done
printf 'civicgate (%s) unstable; urgency=medium\n\n  * Built from %s.\n\n -- CivicGate maintainers <maintainers@civicgate.org.za>  %s\n' \
  "$version" "$(git rev-parse --short HEAD 2>/dev/null || echo a working tree)" "$(date -R)" | gzip -9n > "$stage/usr/share/doc/civicgate/changelog.Debian.gz"
for script in postinst prerm postrm; do install -m 0755 "scripts/debian/$script" "$stage/DEBIAN/$script"; done
echo /etc/civicgate/civicgate.env > "$stage/DEBIAN/conffiles"
# Depends: what the binary really links, as dpkg-shlibdeps finds it.
shlibs=$(mktemp -d)
mkdir -p "$shlibs/debian"
printf 'Source: civicgate\n\nPackage: civicgate\nArchitecture: any\n' > "$shlibs/debian/control"
depends=$(cd "$shlibs" && dpkg-shlibdeps -O "$OLDPWD/$stage/usr/bin/civicgate" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
rm -rf "$shlibs"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: civicgate
Version: $version
Architecture: $arch
Maintainer: CivicGate maintainers <maintainers@civicgate.org.za>
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends, adduser
Section: net
Priority: optional
Homepage: https://github.com/civicgate/civicgate
Description: citizen service requests over USSD and SMS for municipal utilities
 CivicGate lets residents on basic phones report faults to a municipality's
 water, power, roads and waste entities by USSD and SMS, and track them;
 community organisations file reports in bulk; dispatchers work their queues
 in a web console; residents get SMS updates. This package runs it as the
 civicgate service (systemd), with its data in /var/lib/civicgate and its
 configuration in /etc/civicgate/civicgate.env.
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$stage" ".build/civicgate_${version}_${arch}.deb" >/dev/null
echo ".build/civicgate_${version}_${arch}.deb: $(du -h ".build/civicgate_${version}_${arch}.deb" | cut -f1), Depends: $depends, adduser"
