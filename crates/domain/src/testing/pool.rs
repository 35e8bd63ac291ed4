//! 混样人数建议（Dorfman 1943）：预期阳性率为 p 时，k 人混一管，先测混管、阳性再逐一复测，
//! 平均每人所需检测次数为 `1/k + 1 − (1 − p)^k`（k ≥ 2）；单采单检（k = 1）恰为 1。
//!
//! ```
//! use wangge_domain::testing::pool;
//! let advice = pool::advise(0.01, None).unwrap();
//! assert_eq!(advice.best, 10); // 1、5、10、20 之中
//! assert_eq!(advice.unconstrained_best, 11); // 1 至 200 之中
//! ```

use serde::Serialize;

/// 混样人数的下限（单采单检）。
pub const MIN_SIZE: u32 = 1;
/// 混样人数的上限（[`advise`] 的 `unconstrained_best` 在 1 至此数之中找）。
pub const MAX_SIZE: u32 = 200;
/// 默认比较的混样人数：单采、5混1、10混1、20混1。
pub const DEFAULT_SIZES: [u32; 4] = [1, 5, 10, 20];
/// 自定义混样人数列表最多几项（去重之前）。
pub const MAX_LIST: usize = 200;
/// 输入文本（`--prevalence`、`--sizes`）最多几个字节。
pub const MAX_TEXT_BYTES: usize = 1024;

/// 输入为何被拒绝：每条消息都指明参数。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("prevalence（预期阳性率）应为 0 至 1 之间的数（或 0% 至 100%），收到“{shown}”")]
    Prevalence { shown: String },
    #[error("sizes（混样人数）不能为空")]
    NoSizes,
    #[error("sizes（混样人数）最多 {MAX_LIST} 项")]
    TooManySizes,
    #[error("sizes（混样人数）中的“{shown}”应为 {MIN_SIZE} 至 {MAX_SIZE} 的整数")]
    Size { shown: String },
}

/// 一个已检查的预期阳性率：有限，0 ≤ p ≤ 1。
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Prevalence(f64);

impl Prevalence {
    /// 检查一个数：NaN、无穷、负数、大于 1 都被拒绝。
    pub fn new(p: f64) -> Result<Self, PoolError> {
        if p.is_finite() && (0.0..=1.0).contains(&p) {
            // −0 与 0 相同，输出时不带负号
            Ok(Prevalence(if p == 0.0 { 0.0 } else { p }))
        } else {
            Err(PoolError::Prevalence {
                shown: shown(&p.to_string()),
            })
        }
    }

    /// 解析用户输入：`0.01`、`1%`、全角数字均可。
    pub fn parse(text: &str) -> Result<Self, PoolError> {
        let bad = || PoolError::Prevalence { shown: shown(text) };
        if text.len() > MAX_TEXT_BYTES {
            return Err(bad());
        }
        let t = crate::validate::normalize_typed(text);
        let (number, scale) = match t.strip_suffix('%') {
            Some(n) => (n.trim_end(), 100.0),
            None => (t.as_str(), 1.0),
        };
        // 只接受普通的十进制写法：拒绝 inf、NaN 之类
        if number.is_empty()
            || !number
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E'))
        {
            return Err(bad());
        }
        let v: f64 = number.parse().map_err(|_| bad())?;
        Prevalence::new(v / scale).map_err(|_| bad())
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// 在消息里显示的输入：最多 40 个字符。
fn shown(text: &str) -> String {
    text.chars().take(40).collect()
}

/// k 人混一管时平均每人的检测次数；k = 1 恰为 1。`k` 为 0 时按 1 计。
pub fn tests_per_person(p: Prevalence, k: u32) -> f64 {
    if k <= 1 {
        return 1.0;
    }
    // k ≤ u32::MAX；powi 的指数为 i32，超出时按 i32::MAX 计（此时 (1−p)^k 已为 0 或 1）
    let exp = i32::try_from(k).unwrap_or(i32::MAX);
    // 先算 1 − (1−p)^k（至少一人阳性的概率），p = 0 时 k 人一管恰为 1/k 次
    1.0 / f64::from(k) + (1.0 - (1.0 - p.0).powi(exp))
}

/// 一种混样人数及其平均每人检测次数。
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SizeAdvice {
    pub size: u32,
    pub tests_per_person: f64,
}

/// 建议：各允许人数的每人检测次数、其中最省的人数，以及 1 至 [`MAX_SIZE`] 中最省的人数。
/// 并列时取较小的人数。字段顺序即 JSON 的键序。
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolAdvice {
    pub prevalence: f64,
    pub sizes: Vec<SizeAdvice>,
    pub best: u32,
    pub unconstrained_best: u32,
}

impl PoolAdvice {
    /// `best` 的每人检测次数。
    pub fn best_tests_per_person(&self) -> f64 {
        self.sizes
            .iter()
            .find(|s| s.size == self.best)
            .map_or(1.0, |s| s.tests_per_person)
    }
}

/// 检查自定义的混样人数：非空，最多 [`MAX_LIST`] 项，每项 1 至 [`MAX_SIZE`]；去重并排序。
pub fn sizes(list: &[u32]) -> Result<Vec<u32>, PoolError> {
    if list.is_empty() {
        return Err(PoolError::NoSizes);
    }
    if list.len() > MAX_LIST {
        return Err(PoolError::TooManySizes);
    }
    if let Some(bad) = list.iter().find(|k| !(MIN_SIZE..=MAX_SIZE).contains(k)) {
        return Err(PoolError::Size {
            shown: bad.to_string(),
        });
    }
    let mut v = list.to_vec();
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

/// 解析 `1,5,10,20`（全角逗号、顿号、空白也可），再按 [`sizes`] 检查。
pub fn parse_sizes(text: &str) -> Result<Vec<u32>, PoolError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(PoolError::TooManySizes);
    }
    let t = crate::validate::normalize_typed(text).replace('、', ",");
    let mut list = Vec::new();
    for part in t.split(',').map(str::trim) {
        if part.is_empty() {
            continue;
        }
        if list.len() == MAX_LIST {
            return Err(PoolError::TooManySizes);
        }
        let k = part
            .parse::<u32>()
            .ok()
            .filter(|k| (MIN_SIZE..=MAX_SIZE).contains(k))
            .ok_or_else(|| PoolError::Size { shown: shown(part) })?;
        list.push(k);
    }
    sizes(&list)
}

/// 给出建议。`allowed` 为 `None` 时比较 [`DEFAULT_SIZES`]。
pub fn advise(prevalence: f64, allowed: Option<&[u32]>) -> Result<PoolAdvice, PoolError> {
    let p = Prevalence::new(prevalence)?;
    let allowed = match allowed {
        Some(list) => sizes(list)?,
        None => DEFAULT_SIZES.to_vec(),
    };
    Ok(advise_checked(p, &allowed))
}

/// [`advise`]，输入已检查（`allowed` 已排序、去重、非空）。
pub fn advise_checked(p: Prevalence, allowed: &[u32]) -> PoolAdvice {
    let sizes: Vec<SizeAdvice> = allowed
        .iter()
        .map(|&size| SizeAdvice {
            size,
            tests_per_person: tests_per_person(p, size),
        })
        .collect();
    let best = smallest_best(sizes.iter().copied()).unwrap_or(MIN_SIZE);
    let unconstrained_best = smallest_best((MIN_SIZE..=MAX_SIZE).map(|size| SizeAdvice {
        size,
        tests_per_person: tests_per_person(p, size),
    }))
    .unwrap_or(MIN_SIZE);
    PoolAdvice {
        prevalence: p.get(),
        sizes,
        best,
        unconstrained_best,
    }
}

/// 每人检测次数最少者；并列时取较小的人数（与输入顺序无关）。
fn smallest_best(all: impl Iterator<Item = SizeAdvice>) -> Option<u32> {
    all.fold(None::<SizeAdvice>, |best, s| match best {
        Some(b)
            if b.tests_per_person < s.tests_per_person
                || (b.tests_per_person == s.tests_per_person && b.size < s.size) =>
        {
            Some(b)
        }
        _ => Some(s),
    })
    .map(|b| b.size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(v: f64) -> Prevalence {
        Prevalence::new(v).unwrap()
    }

    #[test]
    fn known_values() {
        assert_eq!(tests_per_person(p(0.01), 1), 1.0);
        let t10 = tests_per_person(p(0.01), 10);
        assert!((t10 - (0.1 + 1.0 - 0.99f64.powi(10))).abs() < 1e-15);
        assert!((t10 - 0.195_618).abs() < 1e-6, "{t10}");
        assert!((tests_per_person(p(0.01), 11) - 0.195_571).abs() < 1e-6);
        // p = 0: k 人一管只需 1/k 次
        assert_eq!(tests_per_person(p(0.0), 20), 1.0 / 20.0);
        // p = 1: 每管都阳性，混管白做
        assert_eq!(tests_per_person(p(1.0), 5), 1.0 / 5.0 + 1.0);
    }

    #[test]
    fn low_prevalence_pools_about_eleven() {
        let a = advise(0.01, None).unwrap();
        assert_eq!(a.prevalence, 0.01);
        assert_eq!(
            a.sizes.iter().map(|s| s.size).collect::<Vec<_>>(),
            [1, 5, 10, 20]
        );
        assert_eq!(a.best, 10);
        assert_eq!(a.unconstrained_best, 11);
        assert!((a.best_tests_per_person() - 0.195_618).abs() < 1e-6);
        // 万分之一：默认人数中 20 最省，不受限时更大
        let a = advise(0.0001, None).unwrap();
        assert_eq!(a.best, 20);
        assert_eq!(a.unconstrained_best, 101);
        // 阳性率为 0：人数越多越省
        let a = advise(0.0, None).unwrap();
        assert_eq!((a.best, a.unconstrained_best), (20, MAX_SIZE));
    }

    #[test]
    fn high_prevalence_tests_individually() {
        // 30%：5、10、20 人一管都比单检费，3 人一管仍略省（0.99 次）
        let a = advise(0.3, None).unwrap();
        assert_eq!(a.best, 1);
        assert_eq!(a.best_tests_per_person(), 1.0);
        assert_eq!(a.unconstrained_best, 3);
        assert!(tests_per_person(p(0.3), 3) < 1.0);
        // Dorfman 的界：p > 1 − 3^(−1/3) ≈ 0.3066 时混管无益
        for v in [0.31, 0.5, 1.0] {
            let a = advise(v, None).unwrap();
            assert_eq!((a.best, a.unconstrained_best), (1, 1), "{v}");
        }
    }

    #[test]
    fn custom_sizes_are_checked_sorted_and_deduplicated() {
        let a = advise(0.01, Some(&[20, 5, 5, 1, 8])).unwrap();
        assert_eq!(
            a.sizes.iter().map(|s| s.size).collect::<Vec<_>>(),
            [1, 5, 8, 20]
        );
        assert_eq!(a.best, 8);
        assert_eq!(advise(0.01, Some(&[])), Err(PoolError::NoSizes));
        let e = advise(0.01, Some(&[0])).unwrap_err();
        assert!(e.to_string().contains("sizes"), "{e}");
        assert!(advise(0.01, Some(&[201])).is_err());
        assert_eq!(
            advise(0.01, Some(&[1; MAX_LIST + 1])),
            Err(PoolError::TooManySizes)
        );
        assert_eq!(advise(0.01, Some(&[1; MAX_LIST])).unwrap().sizes.len(), 1);
    }

    #[test]
    fn ties_go_to_the_smaller_size() {
        // 每人检测次数相同时取较小的人数，与输入顺序无关
        let same = [
            SizeAdvice {
                size: 7,
                tests_per_person: 0.5,
            },
            SizeAdvice {
                size: 3,
                tests_per_person: 0.5,
            },
        ];
        assert_eq!(smallest_best(same.into_iter()), Some(3));
    }

    #[test]
    fn bad_prevalence_names_the_argument() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.01, 1.01] {
            let e = advise(v, None).unwrap_err();
            assert!(e.to_string().starts_with("prevalence（"), "{e}");
        }
        assert_eq!(Prevalence::new(-0.0).unwrap().get().to_string(), "0");
    }

    #[test]
    fn parsing() {
        assert_eq!(Prevalence::parse("0.01").unwrap().get(), 0.01);
        assert_eq!(Prevalence::parse(" １% ").unwrap().get(), 0.01);
        assert_eq!(Prevalence::parse("1e-3").unwrap().get(), 0.001);
        assert_eq!(Prevalence::parse("100%").unwrap().get(), 1.0);
        for bad in [
            "", "x", "NaN", "inf", "-inf", "1.5", "-0.1", "101%", "%", "0x1", "1e400",
        ] {
            let e = Prevalence::parse(bad).unwrap_err();
            assert!(e.to_string().contains("prevalence"), "{bad}: {e}");
        }
        assert_eq!(parse_sizes("20,5,10,1").unwrap(), [1, 5, 10, 20]);
        assert_eq!(parse_sizes("５，１０、 3,").unwrap(), [3, 5, 10]);
        for bad in ["", ",", "0", "201", "a", "-1", "1.5", "99999999999"] {
            let e = parse_sizes(bad).unwrap_err();
            assert!(e.to_string().contains("sizes"), "{bad}: {e}");
        }
        assert_eq!(
            parse_sizes(&"1,".repeat(MAX_LIST + 1)),
            Err(PoolError::TooManySizes)
        );
        assert!(parse_sizes(&"1".repeat(MAX_TEXT_BYTES + 1)).is_err());
    }

    proptest! {
        #[test]
        fn never_panics_on_any_f64(v in any::<f64>()) {
            match advise(v, None) {
                Ok(a) => prop_assert!(v.is_finite() && (0.0..=1.0).contains(&v) && a.best >= 1),
                Err(e) => {
                    prop_assert!(!(v.is_finite() && (0.0..=1.0).contains(&v)));
                    prop_assert!(e.to_string().contains("prevalence"));
                }
            }
        }

        #[test]
        fn never_panics_on_special_values(
            v in prop::sample::select(vec![
                f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0, 1.0,
                f64::MIN_POSITIVE, f64::EPSILON, 1.0 - f64::EPSILON, f64::MAX, f64::MIN,
            ])
        ) {
            let _ = advise(v, None);
        }

        #[test]
        fn individual_is_exactly_one_and_best_is_the_minimum(
            v in 0.0f64..=1.0,
            list in prop::collection::vec(1u32..=200, 1..20),
        ) {
            let a = advise(v, Some(&list)).unwrap();
            let one = advise(v, Some(&[1])).unwrap();
            prop_assert_eq!(one.sizes[0].tests_per_person, 1.0);
            prop_assert_eq!(one.best, 1);
            prop_assert!(a.sizes.windows(2).all(|w| w[0].size < w[1].size));
            let best = a.best_tests_per_person();
            prop_assert!(a.sizes.iter().any(|s| s.size == a.best));
            for s in &a.sizes {
                prop_assert!(s.tests_per_person.is_finite());
                if s.size == 1 {
                    prop_assert_eq!(s.tests_per_person, 1.0);
                }
                prop_assert!(best <= s.tests_per_person);
                // 并列取较小者
                if s.tests_per_person == best {
                    prop_assert!(a.best <= s.size);
                }
            }
            let free = tests_per_person(p(v), a.unconstrained_best);
            prop_assert!(free <= best);
            for k in MIN_SIZE..=MAX_SIZE {
                prop_assert!(free <= tests_per_person(p(v), k));
            }
        }

        #[test]
        fn higher_prevalence_never_lowers_the_best(
            a in 0.0f64..=1.0,
            b in 0.0f64..=1.0,
            list in prop::collection::vec(1u32..=200, 1..20),
        ) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let low = advise(lo, Some(&list)).unwrap();
            let high = advise(hi, Some(&list)).unwrap();
            prop_assert!(low.best_tests_per_person() <= high.best_tests_per_person());
            prop_assert!(
                tests_per_person(p(lo), low.unconstrained_best)
                    <= tests_per_person(p(hi), high.unconstrained_best)
            );
        }

        #[test]
        fn parsing_never_panics(s in any::<String>()) {
            if let Ok(p) = Prevalence::parse(&s) {
                prop_assert!((0.0..=1.0).contains(&p.get()));
            }
            if let Ok(v) = parse_sizes(&s) {
                prop_assert!(!v.is_empty() && v.iter().all(|k| (1..=200).contains(k)));
            }
        }
    }
}
