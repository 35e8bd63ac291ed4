#!/bin/sh
# Regenerates crates/domain/data/holidays.tsv (and the licence notice beside it) from the npm
# package chinese-days at the pinned version: China's statutory holidays (放假) and make-up
# workdays (调休上班) from the State Council's yearly notices, FIRST_YEAR onwards through the
# last year the package has. Also copies the package's calendar files (.ics, the same data in
# a second form) for those years to crates/domain/tests/data/chinese-days/, which a test
# reads to check holidays.tsv. Needs npm and node; nothing else is fetched, and nothing is
# fetched at build or test time: the output is committed.
#
#     scripts/regen-holidays.sh            # then review `git diff --stat` and commit
#
# The State Council publishes next year's arrangement around November. To take it in, change
# VERSION and SHA256 (sha256sum of the .tgz `npm pack` fetches) to a release that has it, run,
# and read the diff: a past year's line that changes is worth a look at the notice.
set -eu

VERSION=1.5.7
SHA256=87fac6624b9f58084c0c05dac7cac86711beef2c05a86284bff880e4fe92f6c0
FIRST_YEAR=2020

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/crates/domain/data"
fixtures="$root/crates/domain/tests/data/chinese-days"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "chinese-days@$VERSION" >/dev/null
tgz="chinese-days-$VERSION.tgz"
echo "$SHA256  $tgz" | sha256sum -c --quiet -
tar xzf "$tgz"

last=$(node - "$work/package" "$out/holidays.tsv" "$VERSION" "$FIRST_YEAR" <<'JS'
const fs = require('fs');
const [dir, target, version, firstText] = process.argv.slice(2);
const first = Number(firstText);

// the years the package has, one file each (dist/years/2026.json …)
const years = fs.readdirSync(`${dir}/dist/years`)
  .map((f) => /^(\d{4})\.json$/.exec(f))
  .filter(Boolean)
  .map((m) => Number(m[1]))
  .filter((y) => y >= first)
  .sort((a, b) => a - b);
if (years.length === 0) throw new Error(`no year from ${first} on`);
const last = years[years.length - 1];
for (let y = first; y <= last; y++) {
  if (!years.includes(y)) throw new Error(`year ${y} missing`);
}

// the package's names, and the names of the State Council's notices
const NAMES = {
  '元旦': '元旦',
  '春节': '春节',
  '清明': '清明节',
  '劳动节': '劳动节',
  '端午': '端午节',
  '中秋': '中秋节',
  '国庆节': '国庆节',
  '中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日': '中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日',
};

// dist/chinese-days.json: {holidays: {date: "English,中文,n"}, workdays: {…}, inLieuDays: {…}}
const all = JSON.parse(fs.readFileSync(`${dir}/dist/chinese-days.json`, 'utf8'));
const out = new Map(); // date → [kind, name]
for (const [key, kind] of [['holidays', 'holiday'], ['workdays', 'workday']]) {
  for (const [date, value] of Object.entries(all[key])) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`bad date ${date}`);
    const year = Number(date.slice(0, 4));
    if (year < first || year > last) continue;
    const zh = String(value).split(',')[1];
    const name = NAMES[zh];
    if (!name) throw new Error(`${date}: unknown holiday name ${value} (add it to NAMES)`);
    if (out.has(date)) throw new Error(`${date} is both a holiday and a workday`);
    const day = new Date(`${date}T00:00:00Z`).getUTCDay();
    if (kind === 'workday' && day !== 0 && day !== 6) {
      throw new Error(`${date}: a make-up workday that is not a weekend`);
    }
    out.set(date, [kind, name]);
  }
}
for (let y = first; y <= last; y++) {
  const n = [...out.keys()].filter((d) => d.startsWith(`${y}-`)).length;
  if (n === 0) throw new Error(`no holiday in ${y}`);
}

const header = [
  `# 全国法定节假日与调休上班日（国务院办公厅关于部分节假日安排的通知），${first}—${last} 年。`,
  `# 来源：npm 包 chinese-days ${version}（https://github.com/vsme/chinese-days），许可见同目录`,
  '# LICENSE-chinese-days。由 scripts/regen-holidays.sh 生成，请勿手改。',
  '# 每行：日期<TAB>holiday（放假）或 workday（调休上班，只在周六、周日）<TAB>节日名称。',
  '# 未列出的日子：周一至周五上班，周六、周日休息。覆盖的年份是文件里出现的第一年到最后一年。',
];
const body = [...out.keys()].sort().map((d) => `${d}\t${out.get(d)[0]}\t${out.get(d)[1]}`);
fs.writeFileSync(target, header.concat(body).join('\n') + '\n');
console.error(`${target}: ${body.length} days, ${first}–${last}`);
console.log(last);
JS
)

cp "$work/package/LICENSE" "$out/LICENSE-chinese-days"
rm -rf "$fixtures"
mkdir -p "$fixtures"
y=$FIRST_YEAR
while [ "$y" -le "$last" ]; do
  cp "$work/package/dist/years/$y.ics" "$fixtures/$y.ics"
  y=$((y + 1))
done
echo "$fixtures: $FIRST_YEAR.ics … $last.ics" >&2
