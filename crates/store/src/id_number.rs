//! 身份证号 in stored records: [`StoredIdNumber`] shows masked wherever it goes — in templates
//! (`Display`), JSON (`Serialize`), logs (`Debug`) — so a page, an export or an error cannot
//! carry a full number by accident. The full number leaves the store only through
//! [`Store::reveal_id_number`], which checks that the record is in the caller's scope, writes
//! the viewing to the audit log in the same call, and hands back the number *revealed*: a
//! `StoredIdNumber` that displays and serialises in full. The caller puts it in the record
//! (`record.id_number = revealed`) and renders or serialises the record as it is, so there is
//! no second shape of a record for "with the number shown". `Debug` stays masked even then:
//! logs never carry a full number.
//!
//! A list export with full numbers goes through [`Store::reveal_for_export`] instead: the role
//! is checked, the export (list, filters, format) is audited once, and the export gets an
//! [`ExportIdNumbers`] that shows its rows' numbers in full.

use std::fmt;

use wangge_domain::permission::IdNumberExporter;

use crate::{Actor, AuditEntry, Result, Store};

/// A stored ID number (as imported: pushed lists may hold malformed ones). Shows masked, unless
/// it came from [`Store::reveal_id_number`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StoredIdNumber {
    full: String,
    /// set only by the audited reveal
    revealed: bool,
}

impl StoredIdNumber {
    pub(crate) fn new(full: impl Into<String>) -> Self {
        StoredIdNumber {
            full: full.into(),
            revealed: false,
        }
    }

    /// 脱敏: every character but the last four hidden, e.g. `**************002X`.
    pub fn masked(&self) -> String {
        mask(&self.full)
    }

    /// Whether this is the number `candidate` (a caller who already has a number may check
    /// it; nothing is disclosed).
    pub fn is(&self, candidate: &str) -> bool {
        self.full == candidate
    }

    /// Whether this number shows in full (it came from the audited reveal).
    pub fn is_revealed(&self) -> bool {
        self.revealed
    }

    /// What a page or an answer shows: the full number once revealed, masked otherwise.
    fn shown(&self) -> String {
        if self.revealed {
            self.full.clone()
        } else {
            self.masked()
        }
    }

    /// The full number, inside the store only (queries, matching, the audited reveal).
    pub(crate) fn full(&self) -> &str {
        &self.full
    }
}

#[cfg(feature = "testing")]
impl StoredIdNumber {
    /// The full number without an audit entry: for tests only (the `testing` feature, which
    /// only the test builds enable), to post a seeded person's number back.
    pub fn full_for_tests(&self) -> &str {
        &self.full
    }
}

impl<DB: sqlx::Database> sqlx::Type<DB> for StoredIdNumber
where
    String: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as sqlx::Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as sqlx::Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for StoredIdNumber
where
    String: sqlx::Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> std::result::Result<Self, sqlx::error::BoxDynError> {
        Ok(StoredIdNumber::new(
            <String as sqlx::Decode<'r, DB>>::decode(value)?,
        ))
    }
}

/// Masks all but the last four characters.
pub(crate) fn mask(id_number: &str) -> String {
    let n = id_number.chars().count();
    id_number
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

impl fmt::Display for StoredIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

impl fmt::Debug for StoredIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredIdNumber({})", self.masked())
    }
}

impl serde::Serialize for StoredIdNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.shown())
    }
}

impl utoipa::PartialSchema for StoredIdNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "身份证号，脱敏显示（只留后 4 位）；完整号码须以 reveal=1 查看，记入审计日志",
            ))
            .examples([serde_json::json!("**************002X")])
            .into()
    }
}

impl utoipa::ToSchema for StoredIdNumber {}

/// Whose full ID number is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdNumberOf {
    /// 来返报备
    Arrival(i64),
    /// 常住人员
    Resident(i64),
    /// 推送核查
    PushItem(i64),
}

/// How a list export shows ID numbers: masked, or — only when [`Store::reveal_for_export`]
/// granted it, which checks the role and writes the audit entry — in full. Nothing outside the
/// store can build the full kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportIdNumbers {
    full: bool,
}

impl ExportIdNumbers {
    /// 脱敏: what every export gets unless the full numbers were asked for and granted.
    pub const MASKED: ExportIdNumbers = ExportIdNumbers { full: false };

    pub fn is_full(self) -> bool {
        self.full
    }

    /// The number as this export shows it.
    pub fn show(self, id: &StoredIdNumber) -> String {
        if self.full {
            id.full().to_string()
        } else {
            id.masked()
        }
    }

    /// [`ExportIdNumbers::show`] of a number that may be absent (a scan without one).
    pub fn show_opt(self, id: Option<&StoredIdNumber>) -> String {
        id.map(|id| self.show(id)).unwrap_or_default()
    }
}

impl Store {
    /// 导出完整身份证号: the one way a list's full ID numbers leave the store. Refused unless the
    /// actor's role may ([`IdNumberExporter`]: the district and the townships); granted, the
    /// export is recorded in the audit log first — which list (`list`, its Chinese name), with
    /// which filters, in which format, at the actor's node. The rows themselves are still read
    /// through the list's scoped store calls, so a grant reaches nothing outside the scope.
    pub async fn reveal_for_export(
        &self,
        actor: &Actor,
        list: &'static str,
        filters: &str,
        format: &str,
    ) -> Result<ExportIdNumbers> {
        let scope = actor.require::<IdNumberExporter>()?;
        let mut entry = AuditEntry::new("export_id_numbers", "export", list)
            .after(serde_json::json!({ "list": list, "filters": filters, "format": format }));
        if !scope.root_path().is_empty() {
            entry = entry.at_node(scope.root_path());
        }
        self.record_event(actor, &entry).await?;
        Ok(ExportIdNumbers { full: true })
    }

    /// 查看完整身份证号: the one way a full ID number leaves the store. The record is read as
    /// the caller would read it (scope and role checked; a record out of reach is `NotFound`),
    /// and the viewing is recorded in the audit log with the record's node before the number is
    /// returned, revealed (it displays and serialises in full).
    pub async fn reveal_id_number(&self, actor: &Actor, of: IdNumberOf) -> Result<StoredIdNumber> {
        let (entity, id, node_path, full) = match of {
            IdNumberOf::Arrival(id) => {
                let a = self.arrival_by_id(actor, id).await?;
                ("arrival", a.id, Some(a.node_path), a.id_number)
            }
            IdNumberOf::Resident(id) => {
                let r = self.resident_by_id(actor, id).await?;
                ("resident", r.id, Some(r.node_path), r.id_number)
            }
            IdNumberOf::PushItem(id) => {
                let i = self.push_item(actor, id).await?;
                ("push_item", i.id, i.node_path, i.id_number)
            }
        };
        let mut entry = AuditEntry::new("reveal_id_number", entity, id);
        if let Some(path) = &node_path {
            entry = entry.at_node(path);
        }
        self.record_event(actor, &entry).await?;
        Ok(StoredIdNumber {
            revealed: true,
            ..full
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_masked_everywhere() {
        let id = StoredIdNumber::new("41010519900307002X");
        assert_eq!(id.masked(), "**************002X");
        assert_eq!(id.to_string(), "**************002X");
        assert_eq!(format!("{id:?}"), "StoredIdNumber(**************002X)");
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"**************002X\""
        );
        assert_eq!(id.full(), "41010519900307002X");
        assert!(!id.is_revealed());
        // revealed (only `reveal_id_number` builds one): shown in full, still masked in logs
        let shown = StoredIdNumber {
            revealed: true,
            ..id
        };
        assert_eq!(shown.to_string(), "41010519900307002X");
        assert_eq!(
            serde_json::to_string(&shown).unwrap(),
            "\"41010519900307002X\""
        );
        assert_eq!(format!("{shown:?}"), "StoredIdNumber(**************002X)");
        // short or malformed numbers (pushed lists) still hide all but four characters
        assert_eq!(StoredIdNumber::new("12345").masked(), "*2345");
        assert_eq!(StoredIdNumber::new("123").masked(), "123");
    }
}
