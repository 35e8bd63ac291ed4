//! 试管装样的纯规则：允许的混样人数（单采、5混1、10混1、20混1）、试管条码、试管状态
//! （开管 → 封管）、同一轮检测中一人只进一管，以及混管结果与召回（阳性或可疑的混管，
//! 召回管内全部人员单采复核）。
//!
//! ```
//! use wangge_domain::testing::tube::{Barcode, PoolSize, Tube, TubeResult};
//! let mut tube = Tube::new(Barcode::parse("HS2026-0001").unwrap(), PoolSize::Ten);
//! tube.add("张三").unwrap();
//! tube.add("李四").unwrap();
//! assert!(tube.add("张三").is_err());
//! tube.seal().unwrap();
//! assert!(tube.add("王五").is_err());
//! assert_eq!(tube.recall(TubeResult::Positive).unwrap(), ["张三", "李四"]);
//! ```

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

/// 试管条码最短几个字符。
pub const BARCODE_MIN: usize = 4;
/// 试管条码最长几个字符。
pub const BARCODE_MAX: usize = 32;

/// 为何拒绝：每条消息都指明字段或试管。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TubeError {
    #[error("pool_size（混样人数）应为 1、5、10 或 20，收到“{shown}”")]
    PoolSize { shown: String },
    #[error("barcode（试管条码）不能为空")]
    BarcodeEmpty,
    #[error("barcode（试管条码）应为 {BARCODE_MIN} 至 {BARCODE_MAX} 个字符")]
    BarcodeLength,
    #[error("barcode（试管条码）含不允许的字符“{shown}”，只能用字母、数字、- 和 _")]
    BarcodeChar { shown: String },
    #[error("试管 {barcode} 已封管，不能再加样")]
    Sealed { barcode: Barcode },
    #[error("试管 {barcode} 已满（{size} 人）")]
    Full { barcode: Barcode, size: usize },
    #[error("该人员已在试管 {barcode} 中")]
    AlreadyInTube { barcode: Barcode },
    #[error("试管 {barcode} 没有样本，不能封管")]
    EmptySeal { barcode: Barcode },
    #[error("试管 {barcode} 尚未封管，不能录入结果")]
    NotSealed { barcode: Barcode },
    #[error("result（检测结果）应为 negative、positive、inconclusive（阴性、阳性、可疑），收到“{shown}”")]
    ResultKind { shown: String },
}

fn shown(text: &str) -> String {
    text.chars().take(40).collect()
}

/// 允许的混样人数。
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub enum PoolSize {
    /// 单采单检
    One,
    /// 5混1
    Five,
    /// 10混1
    Ten,
    /// 20混1
    Twenty,
}

impl PoolSize {
    pub const ALL: [PoolSize; 4] = [
        PoolSize::One,
        PoolSize::Five,
        PoolSize::Ten,
        PoolSize::Twenty,
    ];

    /// 一管最多几人。
    pub fn get(self) -> usize {
        match self {
            PoolSize::One => 1,
            PoolSize::Five => 5,
            PoolSize::Ten => 10,
            PoolSize::Twenty => 20,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PoolSize::One => "单采",
            PoolSize::Five => "5混1",
            PoolSize::Ten => "10混1",
            PoolSize::Twenty => "20混1",
        }
    }

    /// 解析用户输入（全角数字、首尾空白均可）。
    pub fn parse(text: &str) -> Result<Self, TubeError> {
        let bad = || TubeError::PoolSize { shown: shown(text) };
        if text.len() > 64 {
            return Err(bad());
        }
        crate::validate::normalize_typed(text)
            .parse::<u32>()
            .map_err(|_| bad())
            .and_then(|n| PoolSize::try_from(n).map_err(|_| bad()))
    }
}

impl TryFrom<u32> for PoolSize {
    type Error = TubeError;
    fn try_from(n: u32) -> Result<Self, TubeError> {
        match n {
            1 => Ok(PoolSize::One),
            5 => Ok(PoolSize::Five),
            10 => Ok(PoolSize::Ten),
            20 => Ok(PoolSize::Twenty),
            _ => Err(TubeError::PoolSize {
                shown: n.to_string(),
            }),
        }
    }
}

impl From<PoolSize> for u32 {
    fn from(s: PoolSize) -> u32 {
        // get() ≤ 20
        s.get() as u32
    }
}

impl std::fmt::Display for PoolSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label_zh())
    }
}

/// 一个已检查的试管条码：[`BARCODE_MIN`] 至 [`BARCODE_MAX`]（4 至 32）个 ASCII 字母、数字、`-`、`_`；
/// 全角字符转半角，首尾空白去掉，字母转大写（扫码枪与手输得到同一条码）。
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Barcode(String);

impl Barcode {
    pub fn parse(text: &str) -> Result<Self, TubeError> {
        // 先按字节数拦住超长输入，再做任何转换
        if text.len() > BARCODE_MAX * 4 + 64 {
            return Err(TubeError::BarcodeLength);
        }
        let t = crate::validate::normalize_typed(text);
        if t.is_empty() {
            return Err(TubeError::BarcodeEmpty);
        }
        if let Some(c) = t
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
        {
            let shown = if c.is_control() || c.is_whitespace() {
                format!("U+{:04X}", u32::from(c))
            } else {
                c.to_string()
            };
            return Err(TubeError::BarcodeChar { shown });
        }
        // 此时全为 ASCII：字节数即字符数
        if !(BARCODE_MIN..=BARCODE_MAX).contains(&t.len()) {
            return Err(TubeError::BarcodeLength);
        }
        Ok(Barcode(t.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Barcode {
    type Error = TubeError;
    fn try_from(s: String) -> Result<Self, TubeError> {
        Barcode::parse(&s)
    }
}

impl From<Barcode> for String {
    fn from(b: Barcode) -> String {
        b.0
    }
}

impl std::fmt::Display for Barcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// 试管状态：开管可加样；封管后不再变。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TubeState {
    Open,
    Sealed,
}

impl TubeState {
    pub fn label_zh(self) -> &'static str {
        match self {
            TubeState::Open => "采样中",
            TubeState::Sealed => "已封管",
        }
    }
}

/// 一支试管：条码、混样人数、状态和管内人员（按加入顺序）。`P` 是人员的标识（居民编号、
/// 身份证号……）。字段不公开：只有 [`Tube::add`] 和 [`Tube::seal`] 能改变它。
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tube<P> {
    barcode: Barcode,
    size: PoolSize,
    state: TubeState,
    members: Vec<P>,
}

impl<P: PartialEq + Clone> Tube<P> {
    /// 一支空的开管试管。
    pub fn new(barcode: Barcode, size: PoolSize) -> Self {
        Tube {
            barcode,
            size,
            state: TubeState::Open,
            members: Vec::with_capacity(size.get()),
        }
    }

    pub fn barcode(&self) -> &Barcode {
        &self.barcode
    }

    pub fn size(&self) -> PoolSize {
        self.size
    }

    pub fn state(&self) -> TubeState {
        self.state
    }

    pub fn members(&self) -> &[P] {
        &self.members
    }

    pub fn is_full(&self) -> bool {
        self.members.len() >= self.size.get()
    }

    /// 加入一人的样本：封管、已满或此人已在本管时拒绝，试管不变。
    pub fn add(&mut self, person: P) -> Result<(), TubeError> {
        if self.state == TubeState::Sealed {
            return Err(TubeError::Sealed {
                barcode: self.barcode.clone(),
            });
        }
        if self.members.contains(&person) {
            return Err(TubeError::AlreadyInTube {
                barcode: self.barcode.clone(),
            });
        }
        if self.is_full() {
            return Err(TubeError::Full {
                barcode: self.barcode.clone(),
                size: self.size.get(),
            });
        }
        self.members.push(person);
        Ok(())
    }

    /// 封管：空管不能封；已封的再封不变（重复提交无害）。
    pub fn seal(&mut self) -> Result<(), TubeError> {
        if self.members.is_empty() {
            return Err(TubeError::EmptySeal {
                barcode: self.barcode.clone(),
            });
        }
        self.state = TubeState::Sealed;
        Ok(())
    }

    /// 录入结果后要召回的人员（见 [`recall`]）；未封管的试管不能录入结果。
    pub fn recall(&self, result: TubeResult) -> Result<Vec<P>, TubeError> {
        if self.state != TubeState::Sealed {
            return Err(TubeError::NotSealed {
                barcode: self.barcode.clone(),
            });
        }
        Ok(recall(&self.members, result))
    }
}

/// 同一轮检测（campaign）中一人只进一管：`assigned` 是本轮已装样的人员 → 试管条码；
/// 此人已在某管时拒绝，并指明那支试管。
pub fn check_not_in_campaign<P: Eq + Hash>(
    assigned: &HashMap<P, Barcode>,
    person: &P,
) -> Result<(), TubeError> {
    match assigned.get(person) {
        Some(barcode) => Err(TubeError::AlreadyInTube {
            barcode: barcode.clone(),
        }),
        None => Ok(()),
    }
}

/// 一支混管的检测结果。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TubeResult {
    Negative,
    Positive,
    Inconclusive,
}

impl TubeResult {
    pub const ALL: [TubeResult; 3] = [
        TubeResult::Negative,
        TubeResult::Positive,
        TubeResult::Inconclusive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TubeResult::Negative => "negative",
            TubeResult::Positive => "positive",
            TubeResult::Inconclusive => "inconclusive",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TubeResult::Negative => "阴性",
            TubeResult::Positive => "阳性",
            TubeResult::Inconclusive => "可疑",
        }
    }

    /// 阳性或可疑：管内人员都要召回单采复核。
    pub fn needs_recall(self) -> bool {
        !matches!(self, TubeResult::Negative)
    }

    /// 解析 `negative`/`positive`/`inconclusive` 或 阴性/阳性/可疑（不分大小写）。
    pub fn parse(text: &str) -> Result<Self, TubeError> {
        let bad = || TubeError::ResultKind { shown: shown(text) };
        if text.len() > 64 {
            return Err(bad());
        }
        let t = crate::validate::normalize_typed(text).to_ascii_lowercase();
        TubeResult::ALL
            .into_iter()
            .find(|r| r.as_str() == t || r.label_zh() == t)
            .ok_or_else(bad)
    }
}

impl std::fmt::Display for TubeResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label_zh())
    }
}

/// 一支混管出结果后要召回的人员：阳性或可疑时是管内全部人员，阴性时没有。
pub fn recall<P: Clone>(members: &[P], result: TubeResult) -> Vec<P> {
    if result.needs_recall() {
        members.to_vec()
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> Barcode {
        Barcode::parse(s).unwrap()
    }

    #[test]
    fn pool_sizes() {
        assert_eq!(PoolSize::ALL.map(PoolSize::get), [1, 5, 10, 20]);
        assert_eq!(PoolSize::try_from(10), Ok(PoolSize::Ten));
        assert_eq!(PoolSize::parse(" ２０ "), Ok(PoolSize::Twenty));
        for bad in ["0", "3", "21", "x", "", "-1", "99999999999"] {
            let e = PoolSize::parse(bad).unwrap_err();
            assert!(e.to_string().starts_with("pool_size（"), "{bad}: {e}");
        }
        assert_eq!(PoolSize::Ten.to_string(), "10混1");
        assert_eq!(serde_json::to_string(&PoolSize::Five).unwrap(), "5");
        assert_eq!(
            serde_json::from_str::<PoolSize>("20").unwrap(),
            PoolSize::Twenty
        );
        assert!(serde_json::from_str::<PoolSize>("7").is_err());
    }

    #[test]
    fn barcodes() {
        assert_eq!(code(" hs2026-0001 ").as_str(), "HS2026-0001");
        assert_eq!(code("ＨＳ００１２").as_str(), "HS0012");
        assert_eq!(code("A_b-1").as_str(), "A_B-1");
        for (bad, says) in [
            ("", "不能为空"),
            ("   ", "不能为空"),
            ("abc", "4 至 32"),
            (&"1".repeat(33), "4 至 32"),
            (&"1".repeat(10_000), "4 至 32"),
            ("HS 0001", "U+0020"),
            ("HS\u{0}0001", "U+0000"),
            ("试管0001", "“试”"),
            ("HS/0001", "“/”"),
        ] {
            let e = Barcode::parse(bad).unwrap_err();
            let msg = e.to_string();
            assert!(msg.starts_with("barcode（试管条码）"), "{bad:?}: {msg}");
            assert!(msg.contains(says), "{bad:?}: {msg}");
        }
        assert_eq!(
            serde_json::from_str::<Barcode>("\"hs0001\"").unwrap(),
            code("HS0001")
        );
        assert!(serde_json::from_str::<Barcode>("\"x\"").is_err());
    }

    #[test]
    fn filling_a_tube() {
        let mut t = Tube::new(code("HS0001"), PoolSize::Five);
        assert_eq!(t.state(), TubeState::Open);
        assert_eq!(
            t.seal().unwrap_err().to_string(),
            "试管 HS0001 没有样本，不能封管"
        );
        for p in 1..=5 {
            t.add(p).unwrap();
        }
        assert!(t.is_full());
        assert_eq!(
            t.add(6).unwrap_err().to_string(),
            "试管 HS0001 已满（5 人）"
        );
        assert_eq!(
            t.add(3).unwrap_err().to_string(),
            "该人员已在试管 HS0001 中"
        );
        assert_eq!(
            t.recall(TubeResult::Positive).unwrap_err().to_string(),
            "试管 HS0001 尚未封管，不能录入结果"
        );
        t.seal().unwrap();
        t.seal().unwrap();
        assert_eq!(t.state(), TubeState::Sealed);
        assert_eq!(t.state().label_zh(), "已封管");
        let mut single = Tube::new(code("HS0002"), PoolSize::One);
        single.add(9).unwrap();
        single.seal().unwrap();
        assert_eq!(
            single.add(10).unwrap_err().to_string(),
            "试管 HS0002 已封管，不能再加样"
        );
        assert_eq!(single.members(), [9]);
        assert_eq!(t.recall(TubeResult::Negative).unwrap(), Vec::<i32>::new());
        assert_eq!(t.recall(TubeResult::Inconclusive).unwrap(), [1, 2, 3, 4, 5]);
        assert_eq!(single.recall(TubeResult::Positive).unwrap(), [9]);
    }

    #[test]
    fn one_tube_per_person_in_a_campaign() {
        let mut assigned = HashMap::new();
        assigned.insert("410105199001011234".to_string(), code("HS0007"));
        let e = check_not_in_campaign(&assigned, &"410105199001011234".to_string()).unwrap_err();
        assert_eq!(e.to_string(), "该人员已在试管 HS0007 中");
        assert_eq!(
            check_not_in_campaign(&assigned, &"41010519900101567X".to_string()),
            Ok(())
        );
    }

    #[test]
    fn results() {
        assert_eq!(
            TubeResult::ALL.map(TubeResult::label_zh),
            ["阴性", "阳性", "可疑"]
        );
        assert_eq!(TubeResult::parse("Positive"), Ok(TubeResult::Positive));
        assert_eq!(TubeResult::parse(" 可疑 "), Ok(TubeResult::Inconclusive));
        assert_eq!(TubeResult::parse("阴性"), Ok(TubeResult::Negative));
        let e = TubeResult::parse("maybe").unwrap_err();
        assert!(e.to_string().starts_with("result（检测结果）"), "{e}");
        assert_eq!(
            serde_json::to_string(&TubeResult::Inconclusive).unwrap(),
            "\"inconclusive\""
        );
        assert!(!TubeResult::Negative.needs_recall());
        assert!(TubeResult::Positive.needs_recall());
        assert!(TubeResult::Inconclusive.needs_recall());
        assert_eq!(recall(&["a", "b"], TubeResult::Positive), ["a", "b"]);
        assert!(recall(&["a", "b"], TubeResult::Negative).is_empty());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(u8),
        Seal,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (0u8..30).prop_map(Op::Add),
            1 => Just(Op::Seal),
        ]
    }

    proptest! {
        #[test]
        fn a_tube_never_exceeds_its_size_and_sealed_stays_sealed(
            size in prop::sample::select(PoolSize::ALL.to_vec()),
            ops in prop::collection::vec(op(), 0..80),
        ) {
            let mut t = Tube::new(code("HS0001"), size);
            let mut was_sealed = false;
            for op in ops {
                let before = t.clone();
                let r = match op {
                    Op::Add(p) => t.add(p),
                    Op::Seal => t.seal(),
                };
                prop_assert!(t.members().len() <= size.get());
                if was_sealed {
                    prop_assert_eq!(t.state(), TubeState::Sealed);
                    prop_assert_eq!(t.members(), before.members());
                    if let Op::Add(_) = op {
                        prop_assert!(r.is_err());
                    }
                }
                if r.is_err() {
                    prop_assert_eq!(&t, &before);
                }
                // 管内无重复
                let mut seen = t.members().to_vec();
                seen.sort_unstable();
                seen.dedup();
                prop_assert_eq!(seen.len(), t.members().len());
                was_sealed = t.state() == TubeState::Sealed;
            }
            let recalled = t.recall(TubeResult::Positive);
            prop_assert_eq!(recalled.is_ok(), was_sealed);
        }

        #[test]
        fn barcode_never_panics_and_accepts_only_the_allowed(s in any::<String>()) {
            if let Ok(b) = Barcode::parse(&s) {
                let t = b.as_str();
                prop_assert!((BARCODE_MIN..=BARCODE_MAX).contains(&t.len()));
                prop_assert!(t.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_'));
                // 再解析一遍不变
                prop_assert_eq!(Barcode::parse(t), Ok(b.clone()));
            }
        }

        #[test]
        fn barcode_of_allowed_characters_is_accepted(s in "[A-Za-z0-9_-]{4,32}") {
            prop_assert_eq!(Barcode::parse(&s).map(String::from), Ok(s.to_ascii_uppercase()));
        }

        #[test]
        fn parsers_never_panic(s in any::<String>()) {
            if let Ok(size) = PoolSize::parse(&s) {
                prop_assert!(PoolSize::ALL.contains(&size));
            }
            let _ = TubeResult::parse(&s);
        }

        #[test]
        fn recall_is_all_or_nothing(
            members in prop::collection::vec(any::<u32>(), 0..20),
            result in prop::sample::select(TubeResult::ALL.to_vec()),
        ) {
            let r = recall(&members, result);
            if result.needs_recall() {
                prop_assert_eq!(r, members);
            } else {
                prop_assert!(r.is_empty());
            }
        }
    }
}
