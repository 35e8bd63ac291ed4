use thiserror::Error;

/// What can go wrong in storage, sorted by what the caller should tell the user.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("未找到")]
    NotFound,
    #[error("无权操作：{0}")]
    Forbidden(String),
    /// A value broke a rule; `field` names it for the form or the JSON error.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// Several values broke their rules (a form with more than one bad field): every one,
    /// so the form can show each beside its field.
    #[error("{}", .0.first().map_or("输入无效", |e| e.message.as_str()))]
    Fields(Vec<FieldError>),
    /// A unique key is taken (e.g. a username or an ID number).
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// The database cannot be reached; the request may be retried later.
    /// An import was refused as a whole; each entry names a row, a field and the reason.
    #[error("{}行有错误，未导入任何数据", .0.len())]
    RowsRejected(Vec<crate::RowError>),
    #[error("数据库暂时不可用")]
    Unavailable(#[source] sqlx::Error),
    #[error("数据库URL无效：{0}")]
    BadUrl(String),
    /// Opening a database that must exist (every command but `serve`, `demo` and `migrate`).
    #[error("数据库不存在：{0}（只有 serve、demo 和 migrate 会新建数据库；请用 --database 或 WANGGE_DATABASE_URL 指定已有的数据库）")]
    NoDatabase(String),
    #[error("数据库错误")]
    Database(#[source] sqlx::Error),
    /// An error from the direct SQLite path of bulk writes (see `pushlist::rows_sqlite`).
    #[error("数据库错误")]
    Sqlite(#[from] rusqlite::Error),
    #[error("数据库迁移失败")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("内部错误：{0}")]
    Internal(String),
}

/// One bad value: the field's key (as in the form and the JSON) and what is wrong, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl StoreError {
    /// One error per field, or the single error when there is only one.
    pub fn fields(mut errors: Vec<FieldError>) -> Self {
        if errors.len() == 1 {
            let e = errors.remove(0);
            StoreError::Invalid {
                field: e.field,
                message: e.message,
            }
        } else {
            StoreError::Fields(errors)
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<wangge_domain::validate::TextError> for StoreError {
    fn from(e: wangge_domain::validate::TextError) -> Self {
        StoreError::invalid(e.field(), e.to_string())
    }
}

impl From<wangge_domain::validate::date::DateError> for StoreError {
    fn from(e: wangge_domain::validate::date::DateError) -> Self {
        StoreError::invalid(e.field(), e.to_string())
    }
}

impl From<wangge_domain::validate::number::NumberError> for StoreError {
    fn from(e: wangge_domain::validate::number::NumberError) -> Self {
        StoreError::invalid(e.field(), e.to_string())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                let field = unique_field(db.message(), db.constraint());
                StoreError::Conflict {
                    message: format!("{}已存在", field_label(&field)),
                    field,
                }
            }
            sqlx::Error::Database(db) if is_connection_loss(db.code().as_deref()) => {
                StoreError::Unavailable(e)
            }
            // PostgreSQL refuses NUL and unencodable characters in text; SQLite stores them.
            // Either way it is bad input, not a server fault.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("22021") | Some("22P05")) =>
            {
                StoreError::invalid("value", "含有无效字符（如 NUL）")
            }
            _ => StoreError::Database(e),
        }
    }
}

/// PostgreSQL SQLSTATE classes 08 (connection) and 57P (operator intervention: a server
/// shutting down or starting), and 25006: a write reaching a host that has just become a
/// standby, during a failover.
fn is_connection_loss(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "25006")
}

/// The Chinese label of a column a unique key covers, for "用户名已存在" rather than
/// "username已存在".
fn field_label(field: &str) -> &str {
    match field {
        "username" => "用户名",
        "code" => "代码",
        "id_number" => "身份证号",
        "name" => "名称",
        "token_hash" => "令牌",
        "keyword" => "关键词",
        "path" => "网格路径",
        "node_id" => "所属网格",
        "person_id" => "人员",
        _ => "该值",
    }
}

/// Turns "UNIQUE constraint failed: users.username" (SQLite) or "users_username_key"
/// (PostgreSQL) into the column name, so the user is told which field clashed.
fn unique_field(message: &str, constraint: Option<&str>) -> String {
    if let Some(rest) = message.strip_prefix("UNIQUE constraint failed: ") {
        let first = rest.split(',').next().unwrap_or(rest).trim();
        return first.rsplit('.').next().unwrap_or(first).to_string();
    }
    if let Some(c) = constraint {
        let c = c.strip_suffix("_key").unwrap_or(c);
        // "<table>_<column>": table names here contain at most one underscore-separated word pair
        for table in [
            "grid_nodes_",
            "api_tokens_",
            "audit_log_",
            "users_",
            "persons_",
            "residents_",
            "sessions_",
            "address_rules_",
        ] {
            if let Some(col) = c.strip_prefix(table) {
                return col.to_string();
            }
        }
        return c.to_string();
    }
    "value".to_string()
}

/// The bad fields of one input, collected so that a form can name every one at once.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<FieldError>);

impl Problems {
    /// The value of `r`, or `None` with its field errors kept; any other error is handed back.
    pub(crate) fn keep<T>(&mut self, r: Result<T, StoreError>) -> Result<Option<T>, StoreError> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::Invalid { field, message }) => {
                self.add(field, message);
                Ok(None)
            }
            Err(StoreError::Fields(errors)) => {
                self.0.extend(errors);
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    pub(crate) fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub(crate) fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every problem: [`StoreError::Invalid`] for one, [`StoreError::Fields`] for more.
    pub(crate) fn into_error(self) -> StoreError {
        StoreError::fields(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::unique_field;

    #[test]
    fn unique_field_names() {
        assert_eq!(
            unique_field("UNIQUE constraint failed: users.username", None),
            "username"
        );
        assert_eq!(
            unique_field("duplicate key", Some("persons_id_number_key")),
            "id_number"
        );
        assert_eq!(
            unique_field("duplicate key", Some("grid_nodes_code_key")),
            "code"
        );
        assert_eq!(
            unique_field("duplicate key", Some("address_rules_keyword_key")),
            "keyword"
        );
    }
}
