//! 按现住址把人分到网格：先查可配置的“地址→网格”对照表（最长关键词优先），再按网格树的
//! 名称匹配（街道、社区、网格名称出现在住址里）。都匹配不上，就留在“待分配”队列，由街道
//! 人工分派。
//!
//! 一份名单动辄上百万行，所以匹配不逐个名称做子串查找，而是按首字符建索引，对住址的每个
//! 位置只比较以该字符开头的名称。

use std::collections::HashMap;

/// 网格树上的一个节点，供名称匹配。`depth`：区 0、街道 1、社区 2、网格 3。
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchNode {
    pub id: i64,
    pub parent: Option<i64>,
    pub depth: u8,
    pub name: String,
}

#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    node: i64,
}

/// 名称短于两个字的不参与匹配：单字（如“村”）会误中大量住址。
const MIN_PATTERN_CHARS: usize = 2;

#[derive(Debug, Clone, Default)]
pub struct AddressMatcher {
    rules: HashMap<char, Vec<Pattern>>,
    names: HashMap<char, Vec<Pattern>>,
    nodes: HashMap<i64, MatchNode>,
}

impl AddressMatcher {
    /// `rules`：对照表的（关键词，节点 id）；`tree`：可分配范围内的网格树。
    pub fn new(rules: &[(String, i64)], tree: &[MatchNode]) -> AddressMatcher {
        let mut m = AddressMatcher::default();
        for (keyword, node) in rules {
            add(&mut m.rules, keyword, *node);
        }
        for n in tree {
            // 区县名称出现在住址里说明不了在哪个网格
            if n.depth > 0 {
                add(&mut m.names, &n.name, n.id);
            }
            m.nodes.insert(n.id, n.clone());
        }
        m
    }

    /// 住址所属的节点 id；匹配不上或有歧义时为 `None`（待分配）。
    pub fn assign(&self, address: &str) -> Option<i64> {
        if address.is_empty() {
            return None;
        }
        if let Some(p) = longest(&self.rules, address) {
            return Some(p.node);
        }
        self.by_tree_names(address)
    }

    /// 树上名称出现在住址里的节点中，取“本身及上级名称命中最多、层级最深”的那个；
    /// 并列且不是同一节点时，退到它们最近的共同上级（仍是区县则视为无法分配）。
    fn by_tree_names(&self, address: &str) -> Option<i64> {
        let hits = all_hits(&self.names, address);
        if hits.is_empty() {
            return None;
        }
        let score = |id: i64| -> (usize, u8) {
            let mut matched = 0;
            let mut cur = self.nodes.get(&id);
            let depth = cur.map_or(0, |n| n.depth);
            while let Some(n) = cur {
                if hits.contains(&n.id) {
                    matched += 1;
                }
                cur = n.parent.and_then(|p| self.nodes.get(&p));
            }
            (matched, depth)
        };
        let best = hits.iter().map(|&id| score(id)).max()?;
        let mut top: Vec<i64> = hits
            .iter()
            .copied()
            .filter(|&id| score(id) == best)
            .collect();
        top.sort_unstable();
        top.dedup();
        let mut chosen = top[0];
        for &other in &top[1..] {
            chosen = self.common_ancestor(chosen, other)?;
        }
        self.nodes
            .get(&chosen)
            .filter(|n| n.depth > 0)
            .map(|n| n.id)
    }

    fn ancestors(&self, id: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut cur = self.nodes.get(&id);
        while let Some(n) = cur {
            out.push(n.id);
            cur = n.parent.and_then(|p| self.nodes.get(&p));
        }
        out
    }

    fn common_ancestor(&self, a: i64, b: i64) -> Option<i64> {
        let of_b = self.ancestors(b);
        self.ancestors(a).into_iter().find(|x| of_b.contains(x))
    }
}

fn add(index: &mut HashMap<char, Vec<Pattern>>, text: &str, node: i64) {
    let text = crate::validate::normalize_typed(text);
    if text.chars().count() < MIN_PATTERN_CHARS {
        return;
    }
    let Some(first) = text.chars().next() else {
        return;
    };
    let list = index.entry(first).or_default();
    list.push(Pattern { text, node });
    // 长的先比较：同一位置上“纬五路社区”比“纬五路”更具体
    list.sort_by(|a, b| b.text.len().cmp(&a.text.len()).then(a.node.cmp(&b.node)));
}

fn longest<'a>(index: &'a HashMap<char, Vec<Pattern>>, address: &str) -> Option<&'a Pattern> {
    let mut best: Option<&Pattern> = None;
    for (i, c) in address.char_indices() {
        let Some(list) = index.get(&c) else { continue };
        let rest = &address[i..];
        if let Some(p) = list.iter().find(|p| rest.starts_with(p.text.as_str())) {
            if best.is_none_or(|b| p.text.len() > b.text.len()) {
                best = Some(p);
            }
        }
    }
    best
}

fn all_hits(index: &HashMap<char, Vec<Pattern>>, address: &str) -> Vec<i64> {
    let mut hits = Vec::new();
    for (i, c) in address.char_indices() {
        let Some(list) = index.get(&c) else { continue };
        let rest = &address[i..];
        hits.extend(
            list.iter()
                .filter(|p| rest.starts_with(p.text.as_str()))
                .map(|p| p.node),
        );
    }
    hits.sort_unstable();
    hits.dedup();
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn node(id: i64, parent: Option<i64>, depth: u8, name: &str) -> MatchNode {
        MatchNode {
            id,
            parent,
            depth,
            name: name.into(),
        }
    }

    /// 金水区 → 经八路街道 → 纬五路社区 → 第一/第二网格；花园路街道 → 农科路社区 → 第一网格
    fn tree() -> Vec<MatchNode> {
        vec![
            node(1, None, 0, "金水区"),
            node(2, Some(1), 1, "经八路街道"),
            node(3, Some(2), 2, "纬五路社区"),
            node(4, Some(3), 3, "第一网格"),
            node(5, Some(3), 3, "第二网格"),
            node(6, Some(1), 1, "花园路街道"),
            node(7, Some(6), 2, "农科路社区"),
            node(8, Some(7), 3, "第一网格"),
        ]
    }

    #[test]
    fn rules_win_and_longest_rule_wins() {
        let rules = vec![
            ("锦艺小区".to_string(), 5),
            ("锦艺小区3号楼".to_string(), 4),
        ];
        let m = AddressMatcher::new(&rules, &tree());
        assert_eq!(m.assign("金水区锦艺小区3号楼2单元"), Some(4));
        assert_eq!(m.assign("锦艺小区5号楼"), Some(5));
    }

    #[test]
    fn tree_names_pick_the_deepest_consistent_node() {
        let m = AddressMatcher::new(&[], &tree());
        assert_eq!(m.assign("金水区经八路街道纬五路社区第二网格12号"), Some(5));
        assert_eq!(m.assign("纬五路社区7号院"), Some(3));
        assert_eq!(m.assign("农科路社区第一网格"), Some(8));
        // “第一网格”有两个，只有社区名才能分辨；都不提就退到共同上级区县 → 待分配
        assert_eq!(m.assign("第一网格5号"), None);
        assert_eq!(m.assign("金水区某路"), None);
        assert_eq!(m.assign(""), None);
        assert_eq!(m.assign("花园路街道某小区"), Some(6));
    }

    proptest! {
        #[test]
        fn assignment_is_a_known_node_or_none(addr in "(经八路街道|纬五路社区|第一网格|第二网格|农科路社区|某路|[0-9]号|金水区){0,5}") {
            let m = AddressMatcher::new(&[], &tree());
            if let Some(id) = m.assign(&addr) {
                prop_assert!((2..=8).contains(&id), "{}", id);
            }
        }
    }
}
