//! Reason templates. Placeholders that depend only on the rule (`{category}`, `{measures}`,
//! `{tests}`, `{documents}`, `{rule}`) are substituted once at load; the two that depend on the
//! arrival (`{origin_risk}`, `{port_days}`) are written when the reason is displayed, so computing
//! a plan allocates nothing. `{{` and `}}` stand for literal braces.

use super::model::ArrivalFacts;
use std::fmt;

pub const PLACEHOLDERS: &str =
    "{category} {measures} {tests} {documents} {rule} {origin_risk} {port_days}";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Text(Box<str>),
    OriginRisk,
    PortDays,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template(Vec<Segment>);

/// The rule-level values substituted at load.
pub(crate) struct Statics<'a> {
    pub rule: &'a str,
    pub category: &'a str,
    pub measures: &'a str,
    pub tests: &'a str,
    pub documents: &'a str,
}

impl Template {
    pub(crate) fn compile(src: &str, statics: &Statics<'_>) -> Result<Template, String> {
        let mut segments = Vec::new();
        let mut text = String::new();
        let mut rest = src;
        while let Some(i) = rest.find(['{', '}']) {
            text.push_str(&rest[..i]);
            let tail = &rest[i..];
            if let Some(after) = tail.strip_prefix("{{") {
                text.push('{');
                rest = after;
                continue;
            }
            if let Some(after) = tail.strip_prefix("}}") {
                text.push('}');
                rest = after;
                continue;
            }
            if tail.starts_with('}') {
                return Err("多余的“}”（字面花括号请写作 “}}”）".into());
            }
            let end = tail
                .find('}')
                .ok_or_else(|| "“{”没有配对的“}”".to_string())?;
            let dynamic = match &tail[1..end] {
                "category" => Err(statics.category),
                "measures" => Err(statics.measures),
                "tests" => Err(statics.tests),
                "documents" => Err(statics.documents),
                "rule" => Err(statics.rule),
                "origin_risk" => Ok(Segment::OriginRisk),
                "port_days" => Ok(Segment::PortDays),
                other => {
                    return Err(format!("未知占位符“{{{other}}}”，可用：{PLACEHOLDERS}"));
                }
            };
            match dynamic {
                Err(fixed) => text.push_str(fixed),
                Ok(segment) => {
                    if !text.is_empty() {
                        segments.push(Segment::Text(std::mem::take(&mut text).into()));
                    }
                    segments.push(segment);
                }
            }
            rest = &tail[end + 1..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            segments.push(Segment::Text(text.into()));
        }
        Ok(Template(segments))
    }

    pub(crate) fn render<'a>(&'a self, facts: &'a ArrivalFacts) -> Reason<'a> {
        Reason {
            template: self,
            facts,
        }
    }
}

/// 计划的中文原因；按需格式化（`to_string()` 或 `{}`）。
#[derive(Clone, Copy)]
pub struct Reason<'a> {
    template: &'a Template,
    facts: &'a ArrivalFacts,
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for segment in &self.template.0 {
            match segment {
                Segment::Text(t) => f.write_str(t)?,
                Segment::OriginRisk => f.write_str(self.facts.origin_risk.label_zh())?,
                Segment::PortDays => {
                    write!(f, "{}", self.facts.overseas_quarantined_days.unwrap_or(0))?
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::model::RiskLevel;
    use chrono::NaiveDate;

    fn statics() -> Statics<'static> {
        Statics {
            rule: "r",
            category: "中高风险",
            measures: "14天集中隔离",
            tests: "",
            documents: "",
        }
    }

    #[test]
    fn substitutes_static_and_dynamic_placeholders() {
        let t = Template::compile(
            "来自{origin_risk}地区，{{注}}适用{category}：{measures}",
            &statics(),
        )
        .unwrap();
        let mut facts = ArrivalFacts::new(NaiveDate::from_ymd_opt(2021, 12, 28).unwrap());
        facts.origin_risk = RiskLevel::Medium;
        assert_eq!(
            t.render(&facts).to_string(),
            "来自中风险地区，{注}适用中高风险：14天集中隔离"
        );
    }

    #[test]
    fn rejects_unknown_and_unbalanced() {
        assert!(Template::compile("{nope}", &statics())
            .unwrap_err()
            .contains("nope"));
        assert!(Template::compile("a { b", &statics()).is_err());
        assert!(Template::compile("a } b", &statics()).is_err());
    }
}
