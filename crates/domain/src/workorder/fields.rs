//! 新建或修改工单时，按类型检查各字段的取值。

use super::spec::FieldType;
use super::Kind;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// 单行文字字段的最大长度（字符）。
pub const MAX_TEXT_CHARS: usize = 200;
/// 多行文字字段的最大长度（字符）。
pub const MAX_LONG_TEXT_CHARS: usize = 5000;
/// 一张工单最多提交的字段数（含未知字段，超过即拒绝，不逐个检查）。
const MAX_VALUES: usize = 256;

/// 一个字段的取值不对。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("请填写“{label}”")]
    Missing { field: String, label: String },
    #[error("工单类型“{kind}”没有字段“{field}”")]
    Unknown { kind: String, field: String },
    #[error("“{label}”须为{expected}，收到“{value}”")]
    Invalid {
        field: String,
        label: String,
        expected: &'static str,
        value: String,
    },
    #[error("“{label}”只能是：{}，收到“{value}”", options.join("、"))]
    NotAnOption {
        field: String,
        label: String,
        options: Vec<String>,
        value: String,
    },
    #[error("“{label}”不能超过 {max} 个字")]
    TooLong {
        field: String,
        label: String,
        max: usize,
    },
    #[error("提交了 {count} 个字段，超过 {MAX_VALUES} 个的上限")]
    TooMany { count: usize },
}

fn shown(value: &str) -> String {
    value.chars().take(32).collect()
}

impl Kind {
    /// 检查一张工单的字段取值（键为字段 id）：必填的已填、没有未知字段、类型和选项相符、
    /// 不超长。返回全部错误，按类型文件中字段的顺序（未知字段在后）。从不 panic。
    pub fn check_fields(&self, values: &BTreeMap<String, String>) -> Result<(), Vec<FieldError>> {
        if values.len() > MAX_VALUES {
            return Err(vec![FieldError::TooMany {
                count: values.len(),
            }]);
        }
        let mut errors = Vec::new();
        for f in self.fields() {
            let value = values.get(&f.id).map(|v| v.trim()).unwrap_or("");
            let field = || f.id.clone();
            let label = || f.label.clone();
            if value.is_empty() {
                if f.required {
                    errors.push(FieldError::Missing {
                        field: field(),
                        label: label(),
                    });
                }
                continue;
            }
            let max = match f.kind {
                FieldType::LongText => MAX_LONG_TEXT_CHARS,
                _ => MAX_TEXT_CHARS,
            };
            if value.chars().count() > max {
                errors.push(FieldError::TooLong {
                    field: field(),
                    label: label(),
                    max,
                });
                continue;
            }
            let invalid = |expected| FieldError::Invalid {
                field: field(),
                label: label(),
                expected,
                value: shown(value),
            };
            match f.kind {
                FieldType::Text | FieldType::LongText => {}
                FieldType::Number => {
                    let ok = value.len() <= 32
                        && value
                            .parse::<f64>()
                            .is_ok_and(|n| n.is_finite() && n >= 0.0);
                    if !ok {
                        errors.push(invalid("不小于 0 的数字"));
                    }
                }
                FieldType::Date => {
                    if NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err() {
                        errors.push(invalid("日期（如 2026-09-30）"));
                    }
                }
                FieldType::Bool => {
                    if !matches!(value, "是" | "否" | "true" | "false") {
                        errors.push(invalid("“是”或“否”"));
                    }
                }
                FieldType::Choice => {
                    if !f.options.iter().any(|o| o == value) {
                        errors.push(FieldError::NotAnOption {
                            field: field(),
                            label: label(),
                            options: f.options.clone(),
                            value: shown(value),
                        });
                    }
                }
            }
        }
        for key in values.keys() {
            if !self.fields().iter().any(|f| &f.id == key) {
                errors.push(FieldError::Unknown {
                    kind: self.label().to_string(),
                    field: shown(key),
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workorder::default_kinds;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn enterprise_problem_fields() {
        let kinds = default_kinds();
        let ep = kinds.get("enterprise_problem").unwrap();
        let good = values(&[
            ("enterprise", "焦作市某某机械有限公司"),
            ("credit_code", "91410800MA44XXXX1X"),
            ("title", "厂区用地手续办理"),
            ("description", "新厂房用地手续三个月未批"),
            ("category", "用地"),
            ("severity", "重大"),
        ]);
        assert_eq!(ep.check_fields(&good), Ok(()));
        let mut bad = good.clone();
        bad.remove("title");
        bad.insert("severity".into(), "特别重大".into());
        bad.insert("colour".into(), "red".into());
        bad.insert("description".into(), "长".repeat(MAX_LONG_TEXT_CHARS + 1));
        let msgs: Vec<String> = ep
            .check_fields(&bad)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            msgs,
            [
                "请填写“问题标题”",
                "“问题描述”不能超过 5000 个字",
                "“问题程度”只能是：一般、重大，收到“特别重大”",
                "工单类型“企业问题”没有字段“colour”",
            ]
        );
    }

    #[test]
    fn typed_fields() {
        let kinds = default_kinds();
        let w = kinds.get("wage_arrears").unwrap();
        let v = values(&[
            ("employer", "某建筑公司"),
            ("workers", "十二"),
            ("amount", "inf"),
            ("source", "12345"),
        ]);
        let msgs: Vec<String> = w
            .check_fields(&v)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            msgs,
            [
                "“涉及人数”须为不小于 0 的数字，收到“十二”",
                "“涉及金额（元）”须为不小于 0 的数字，收到“inf”",
            ]
        );
        let h = kinds.get("flood_hazard").unwrap();
        let v = values(&[
            ("location", "大沙河左岸"),
            ("hazard_type", "河道堤防"),
            ("description", "堤防渗水"),
            ("rectify_by", "2026-02-30"),
        ]);
        let e = h.check_fields(&v).unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "“整改时限”须为日期（如 2026-09-30），收到“2026-02-30”"
        );
        let many: BTreeMap<String, String> =
            (0..300).map(|i| (format!("f{i}"), String::new())).collect();
        assert_eq!(
            h.check_fields(&many),
            Err(vec![FieldError::TooMany { count: 300 }])
        );
    }
}
