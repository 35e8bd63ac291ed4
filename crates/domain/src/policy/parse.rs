//! TOML text → `PolicySpec`, with errors translated to Chinese and located by line and rule.

use super::report::{Finding, FindingKind};
use super::spec::PolicySpec;

/// Parses the policy text; on failure the finding names the line, the rule and the field.
pub fn parse_spec(src: &str) -> Result<PolicySpec, Finding> {
    toml::from_str(src).map_err(|e| {
        let map = SourceMap::new(src);
        translate(&map, e.message(), e.span())
    })
}

fn translate(map: &SourceMap<'_>, msg: &str, span: Option<std::ops::Range<usize>>) -> Finding {
    let line = span.as_ref().map(|s| map.line_of(s.start));
    let (kind, field, text) = if let Some(rest) = msg.strip_prefix("unknown field ") {
        let name = backticked(rest).unwrap_or_default();
        let expected = rest
            .split_once("expected ")
            .map(|(_, e)| format!("（可用字段：{}）", expected_list(e)))
            .unwrap_or_default();
        let text = format!("未知字段“{name}”{expected}");
        (FindingKind::UnknownField, Some(name), text)
    } else if let Some(rest) = msg.strip_prefix("missing field ") {
        let name = backticked(rest).unwrap_or_default();
        let text = format!("缺少必填字段“{name}”");
        (FindingKind::MissingField, Some(name), text)
    } else if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let value = backticked(rest).unwrap_or_default();
        let expected = rest
            .split_once("expected ")
            .map(|(_, e)| format!("（可选：{}）", expected_list(e)))
            .unwrap_or_default();
        let field = span.as_ref().and_then(|s| map.key_before(s.start));
        (
            FindingKind::InvalidValue,
            field,
            format!("未知取值“{value}”{expected}"),
        )
    } else if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
        let field = span.as_ref().and_then(|s| map.key_before(s.start));
        (
            FindingKind::InvalidValue,
            field,
            format!("取值类型错误（{msg}）"),
        )
    } else if span.is_some() && map.is_value_error(msg) {
        let field = span.as_ref().and_then(|s| map.key_before(s.start));
        (FindingKind::InvalidValue, field, msg.trim().to_string())
    } else {
        let text = format!("TOML 语法错误（{}）", msg.trim());
        (FindingKind::Syntax, None, text)
    };
    let mut finding = Finding::new(kind, text).line(line);
    if let Some(rule) = line.and_then(|l| map.rule_at(l)) {
        let name = map
            .rule_id(rule)
            .unwrap_or_else(|| format!("第{}条规则", rule + 1));
        finding = finding.rule(name);
    }
    if let Some(field) = field.filter(|f| !f.is_empty()) {
        finding = finding.field(field);
    }
    finding
}

fn expected_list(e: &str) -> String {
    e.trim_start_matches("one of ").replace('`', "")
}

fn backticked(s: &str) -> Option<String> {
    let start = s.find('`')? + 1;
    let len = s[start..].find('`')?;
    Some(s[start..start + len].to_string())
}

/// Line-level view of the source: where each `[[rule]]` block is and where keys sit, so that
/// semantic findings (which come from the deserialized spec) can point back at the text.
pub(crate) struct SourceMap<'a> {
    lines: Vec<(usize, &'a str)>,
    /// (first line, last line) of each `[[rule]]` block, 1-based, in file order.
    rule_blocks: Vec<(usize, usize)>,
}

impl<'a> SourceMap<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        let mut lines = Vec::new();
        let mut offset = 0;
        for line in src.split_inclusive('\n') {
            lines.push((offset, line));
            offset += line.len();
        }
        let mut rule_blocks: Vec<(usize, usize)> = Vec::new();
        let mut open = false;
        for (i, (_, line)) in lines.iter().enumerate() {
            let t = line.trim_start();
            let no = i + 1;
            if t.starts_with("[[rule]]") {
                rule_blocks.push((no, no));
                open = true;
            } else if t.starts_with('[') && !t.starts_with("[rule.") && !t.starts_with("[[rule.") {
                open = false;
            } else if open {
                if let Some(block) = rule_blocks.last_mut() {
                    block.1 = no;
                }
            }
        }
        SourceMap { lines, rule_blocks }
    }

    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|(start, _)| *start <= offset)
            .max(1)
    }

    /// Index of the rule whose block contains `line`.
    pub(crate) fn rule_at(&self, line: usize) -> Option<usize> {
        self.rule_blocks
            .iter()
            .position(|&(a, b)| a <= line && line <= b)
    }

    pub(crate) fn rule_line(&self, rule: usize) -> Option<usize> {
        self.rule_blocks.get(rule).map(|b| b.0)
    }

    fn rule_id(&self, rule: usize) -> Option<String> {
        let (a, b) = *self.rule_blocks.get(rule)?;
        self.lines[a - 1..b].iter().find_map(|(_, l)| {
            let rest = l.trim_start().strip_prefix("id")?.trim_start();
            let value = rest.strip_prefix('=')?.trim();
            Some(value.trim_matches(|c| c == '"' || c == '\'').to_string())
        })
    }

    /// Line of `key = …` inside the rule's block (or before the first table for `None`).
    pub(crate) fn field_line(&self, rule: Option<usize>, key: &str) -> Option<usize> {
        let (a, b) = match rule {
            Some(r) => *self.rule_blocks.get(r)?,
            None => (1, self.first_table_line().unwrap_or(self.lines.len())),
        };
        (a..=b.min(self.lines.len())).find(|&no| has_key(self.lines[no - 1].1, key))
    }

    fn first_table_line(&self) -> Option<usize> {
        let i = self
            .lines
            .iter()
            .position(|(_, l)| l.trim_start().starts_with('['))?;
        Some(i + 1)
    }

    /// The key whose value starts at `offset`: the identifier before the last `=` on its line.
    fn key_before(&self, offset: usize) -> Option<String> {
        let (start, line) = self.lines.get(self.line_of(offset) - 1)?;
        let col = offset.saturating_sub(*start).min(line.len());
        let head = line.get(..col).unwrap_or(line);
        let head = head[..head.rfind('=')?].trim_end();
        let key: String = head
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        Some(key.chars().rev().collect())
    }

    /// Our own date errors come back from the deserializer as plain messages.
    fn is_value_error(&self, msg: &str) -> bool {
        msg.contains("日期")
    }
}

fn has_key(line: &str, key: &str) -> bool {
    let code = line.split('#').next().unwrap_or("");
    code.match_indices(key).any(|(i, _)| {
        let before_ok = code[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let after = code[i + key.len()..].trim_start();
        before_ok && after.starts_with('=') && !after.starts_with("==")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_names_rule_field_and_line() {
        let src = "id = \"p\"\nname = \"n\"\neffective_from = 2021-12-01\n\n[[rule]]\nid = \"r1\"\ncategory = \"c\"\nreason = \"x\"\ncolour = \"red\"\n";
        let f = parse_spec(src).unwrap_err();
        assert_eq!(f.kind, FindingKind::UnknownField);
        assert_eq!(f.rule.as_deref(), Some("r1"));
        assert_eq!(f.field.as_deref(), Some("colour"));
        assert_eq!(f.line, Some(9));
        assert!(f.message.contains("未知字段"), "{f}");
    }

    #[test]
    fn syntax_error_has_line() {
        let f = parse_spec("id = \"p\"\nname = = 3\n").unwrap_err();
        assert_eq!(f.kind, FindingKind::Syntax);
        assert_eq!(f.line, Some(2));
    }

    #[test]
    fn bad_enum_value_names_field() {
        let src = "id = \"p\"\nname = \"n\"\neffective_from = 2021-12-01\n[[rule]]\nid = \"r\"\ncategory = \"c\"\nreason = \"x\"\nmeasures = [{ kind = \"lockdown\", days = 3 }]\n";
        let f = parse_spec(src).unwrap_err();
        assert_eq!(f.kind, FindingKind::InvalidValue, "{f}");
        assert_eq!(f.field.as_deref(), Some("kind"));
        assert_eq!(f.rule.as_deref(), Some("r"));
    }

    #[test]
    fn string_and_literal_dates_both_parse() {
        let a = parse_spec("id = \"p\"\nname = \"n\"\neffective_from = 2021-12-01\n").unwrap();
        let b = parse_spec("id = \"p\"\nname = \"n\"\neffective_from = \"2021-12-01\"\n").unwrap();
        assert_eq!(a, b);
        let f = parse_spec("id = \"p\"\nname = \"n\"\neffective_from = \"2021-13-01\"\n");
        assert!(f.unwrap_err().message.contains("日期"));
    }
}
