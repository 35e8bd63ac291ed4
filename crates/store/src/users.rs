//! Accounts, login sessions and API tokens.
//!
//! API tokens are for machines only (卡口闸机, 检测机构系统: accounts whose role
//! [`Role::is_machine`]). A district admin issues them for the machine accounts of their
//! subtree, or the operator at the command line does; nobody issues one for a person's account,
//! not even their own. Every token has an expiry (default [`DEFAULT_TOKEN_DAYS`], at most
//! [`MAX_TOKEN_DAYS`]); its owner and the district admins over it see and revoke it; disabling
//! the account or changing its role or node revokes its tokens in the same transaction.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use wangge_domain::permission::UserManager;
use wangge_domain::permission::{Staff, TokenIssuer};
use wangge_domain::role::Role;

use crate::db::{on_conn, Conn};
use crate::secret::{hash_password, random_token, token_hash, verify_password, DUMMY_HASH};
use crate::{Actor, AuditEntry, Result, Scope, Store, StoreError};

/// Failed logins in a row after which an account is locked for [`LOCKOUT`].
pub const LOCKOUT_THRESHOLD: i32 = 5;
const LOCKOUT: Duration = Duration::minutes(15);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// district_admin | township_officer | grid_worker | department_handler |
    /// enterprise_contact | checkpoint_operator | lab_operator
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub role: Role,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    pub node_path: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The API token this user came with on the current request, for the audit log; never
    /// stored with the account, never in an answer.
    #[sqlx(skip)]
    #[serde(skip)]
    pub token_id: Option<i64>,
}

impl User {
    pub fn scope(&self) -> Scope {
        Scope::new(self.node_path.clone())
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.id),
            username: self.username.clone(),
            role: self.role,
            scope: self.scope(),
            token_id: self.token_id,
        }
    }
}

/// A change to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub node_code: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub node_code: String,
    pub password: String,
}

#[derive(Debug, Clone)]
pub enum LoginOutcome {
    Success(User),
    BadCredentials,
    Locked { until: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Days a new API token lives unless told otherwise.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
/// The longest life a new API token may be given.
pub const MAX_TOKEN_DAYS: i64 = 365;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// Shown once at creation; only its hash is stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// A token as it is listed: never its secret.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// The account the token acts as.
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// When the server last looked the token up (to within its ~10 s cache).
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// active | expired | revoked, as of the answer.
    #[sqlx(skip)]
    pub status: String,
}

impl TokenInfo {
    fn with_status(mut self, now: DateTime<Utc>) -> Self {
        self.status = if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at.is_none_or(|e| e <= now) {
            "expired"
        } else {
            "active"
        }
        .to_string();
        self
    }

    pub fn status_zh(&self) -> &'static str {
        match self.status.as_str() {
            "active" => "有效",
            "expired" => "已过期",
            _ => "已吊销",
        }
    }
}

/// Tokens the actor sees: their own, and for a role that [`Role::manages_tokens`] those of every
/// account in their subtree.
const TOKEN_SELECT: &str = "SELECT t.id, t.name, t.user_id, u.username, u.display_name, \
    t.created_at, t.expires_at, t.last_used_at, t.revoked_at \
    FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN grid_nodes g ON g.id = u.node_id \
    WHERE (t.user_id = $1 OR ($2 AND g.path >= $3 AND g.path < $4))";

/// (token id, account id, expiry, last use) of a live token.
type TokenRow = (i64, i64, DateTime<Utc>, Option<DateTime<Utc>>);

/// How precisely a token's last use is kept: a lookup writes it only when the stored one is
/// older than this.
const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

/// The token's name through the one text rule, and its lifetime in days.
fn validate_token_request(name: &str, expires_days: i64) -> Result<String> {
    use wangge_domain::validate::text;
    let name = text::required("name", "令牌名称", name, text::TITLE_MAX)?;
    if !(1..=MAX_TOKEN_DAYS).contains(&expires_days) {
        return Err(StoreError::invalid(
            "expires_days",
            format!("有效期须为1到{MAX_TOKEN_DAYS}天"),
        ));
    }
    Ok(name)
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.node_id, \
    g.code AS node_code, g.name AS node_name, g.path AS node_path, u.active, u.created_at \
    FROM users u JOIN grid_nodes g ON g.id = u.node_id";

fn validate_username(name: &str) -> Result<()> {
    let ok_len = (3..=32).contains(&name.len());
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "username",
            "用户名须为3到32位小写字母、数字、点、下划线或连字符",
        ))
    }
}

fn validate_password(password: &str, username: &str) -> Result<()> {
    if password.chars().count() < 10 {
        return Err(StoreError::invalid("password", "密码至少10位"));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(StoreError::invalid("password", "密码不能与用户名相同"));
    }
    Ok(())
}

async fn hash_blocking(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?
}

/// Checks a password against `hash`, or against [`DUMMY_HASH`] when there is no account, so
/// that every login attempt costs one argon2 verification whatever the username.
async fn verify_blocking(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let hash = hash.as_deref().unwrap_or(DUMMY_HASH);
        verify_password(&password, hash)
    })
    .await
    .unwrap_or(false)
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    id: i64,
    password_hash: String,
    failed_logins: i32,
    locked_until: Option<DateTime<Utc>>,
    active: bool,
    path: String,
}

impl Store {
    pub async fn create_user(&self, actor: &Actor, new: &NewUser) -> Result<User> {
        self.create_user_hashed(actor, new, None).await
    }

    /// [`Store::create_user`], with the argon2 hash of `new.password` made beforehand when
    /// `hash` is `Some` (the test seeding makes one hash of its password per process instead
    /// of one per account and test); `None` hashes here.
    pub(crate) async fn create_user_hashed(
        &self,
        actor: &Actor,
        new: &NewUser,
        hash: Option<String>,
    ) -> Result<User> {
        use wangge_domain::validate::text;
        // every bad field at once, so the form can show each beside its input
        let mut problems = crate::error::Problems::default();
        problems.keep(validate_username(&new.username))?;
        let display_name = problems.keep(
            text::required("display_name", "姓名", &new.display_name, text::NAME_MAX)
                .map_err(StoreError::from),
        )?;
        if new.password.chars().count() > text::PASSWORD_MAX {
            problems.add(
                "password",
                format!("密码过长（最多 {} 位）", text::PASSWORD_MAX),
            );
        } else {
            problems.keep(validate_password(&new.password, &new.username))?;
        }
        let node = match self
            .grid_node_by_code_in(&actor.scope, &new.node_code)
            .await
        {
            Ok(node) => Some(node),
            Err(StoreError::NotFound) => {
                problems.add(
                    "node_code",
                    format!("网格节点“{}”不存在或不在辖区内", new.node_code),
                );
                None
            }
            Err(other) => return Err(other),
        };
        let (Some(display_name), Some(node), true) = (display_name, node, problems.is_empty())
        else {
            return Err(problems.into_error());
        };
        if !actor.role.may_assign(new.role) {
            return Err(StoreError::Forbidden(format!(
                "不能创建“{}”账号",
                new.role.label_zh()
            )));
        }
        let hash = match hash {
            Some(hash) => hash,
            None => hash_blocking(new.password.clone()).await?,
        };
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO users (username, display_name, role, node_id, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&new.username)
            .bind(&display_name)
            .bind(new.role.as_str())
            .bind(node.id)
            .bind(&hash)
            .bind(crate::now())
            .fetch_one(&mut *tx)
            .await?;
            let entry = AuditEntry::new("create", "user", id).at_node(&node.path).after(
                serde_json::json!({
                    "username": new.username, "display_name": display_name,
                    "role": new.role, "node": node.code,
                }),
            );
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
            id
        });
        self.user_by_id_in(&actor.scope, id).await
    }

    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<User>> {
        let scope = actor.require::<UserManager>()?;
        self.list_users_in(scope).await
    }

    /// [`Store::list_users`] within a scope the caller has already checked.
    pub(crate) async fn list_users_in(&self, scope: &Scope) -> Result<Vec<User>> {
        let (lo, hi) = scope.bounds();
        let sql =
            format!("{USER_SELECT} WHERE g.path >= $1 AND g.path < $2 ORDER BY g.path, u.username");
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, User>(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?
        }))
    }

    /// How many accounts the actor's subtree holds.
    pub async fn count_users(&self, actor: &Actor) -> Result<i64> {
        let (lo, hi) = actor.require::<UserManager>()?.bounds();
        let (n,): (i64,) = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT COUNT(*) FROM users u JOIN grid_nodes g ON g.id = u.node_id \
                 WHERE g.path >= $1 AND g.path < $2",
            )
            .bind(&lo).bind(&hi).fetch_one(pool).await?
        });
        Ok(n)
    }

    pub async fn user_by_id(&self, actor: &Actor, id: i64) -> Result<User> {
        let scope = actor.require::<UserManager>()?;
        self.user_by_id_in(scope, id).await
    }

    /// [`Store::user_by_id`] within a scope the caller has already checked.
    pub(crate) async fn user_by_id_in(&self, scope: &Scope, id: i64) -> Result<User> {
        let (lo, hi) = scope.bounds();
        let sql = format!("{USER_SELECT} WHERE u.id = $1 AND g.path >= $2 AND g.path < $3");
        on_pool!(self, pool => {
            sqlx::query_as::<_, User>(&sql).bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// Checks a password, counting failures and locking the account after
    /// [`LOCKOUT_THRESHOLD`] in a row. Every attempt is in the audit log.
    ///
    /// Every attempt costs the same: one argon2 verification (against [`DUMMY_HASH`] for an
    /// unknown username, and against the account's own hash while it is locked, the answer
    /// being refused either way) and one audit write. A caller answering the outcome must answer
    /// `BadCredentials` and `Locked` alike, or the lockout tells which accounts exist.
    pub async fn login(&self, username: &str, password: &str) -> Result<LoginOutcome> {
        let row: Option<LoginRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT u.id, u.password_hash, u.failed_logins, u.locked_until, u.active, g.path \
                 FROM users u JOIN grid_nodes g ON g.id = u.node_id WHERE u.username = $1",
            )
            .bind(username)
            .fetch_optional(pool)
            .await?
        });
        let Some(LoginRow {
            id,
            password_hash: hash,
            failed_logins: failed,
            locked_until,
            active,
            path,
        }) = row
        else {
            verify_blocking(password.to_string(), None).await;
            // the typed name is not kept: it is often a password typed in the wrong field
            let entry = AuditEntry::new("login_failed", "user", "")
                .after(serde_json::json!({ "unknown_username": true }));
            self.record_event(&Actor::system("(未知账号)"), &entry)
                .await?;
            return Ok(LoginOutcome::BadCredentials);
        };
        let now = crate::now();
        let locked = locked_until.filter(|u| *u > now);
        let ok = verify_blocking(password.to_string(), Some(hash)).await && active;
        let actor = Actor {
            user_id: Some(id),
            ..Actor::system(username)
        };
        if let Some(until) = locked {
            // refused whatever the password; the lock is not extended
            let entry = AuditEntry::new("login_locked", "user", id).at_node(&path);
            self.record_event(&actor, &entry).await?;
            return Ok(LoginOutcome::Locked { until });
        }
        if ok {
            let entry = AuditEntry::new("login", "user", id).at_node(&path);
            self.set_failed_logins(id, &actor, 0, None, &entry).await?;
            return Ok(LoginOutcome::Success(
                self.user_by_id_in(&Scope::everything(), id).await?,
            ));
        }
        let failed = failed + 1;
        let lock = (failed >= LOCKOUT_THRESHOLD).then(|| now + LOCKOUT);
        let entry = AuditEntry::new(
            if lock.is_some() {
                "lockout"
            } else {
                "login_failed"
            },
            "user",
            id,
        )
        .at_node(&path)
        .after(serde_json::json!({ "failed_logins": failed }));
        let count = if lock.is_some() { 0 } else { failed };
        self.set_failed_logins(id, &actor, count, lock, &entry)
            .await?;
        Ok(match lock {
            Some(until) => LoginOutcome::Locked { until },
            None => LoginOutcome::BadCredentials,
        })
    }

    /// A login attempt's outcome for the account: its count of failures in a row and its
    /// lock, with the attempt's audit entry, in one transaction.
    async fn set_failed_logins(
        &self,
        id: i64,
        actor: &Actor,
        failed: i32,
        locked_until: Option<DateTime<Utc>>,
        entry: &AuditEntry,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3")
                .bind(failed)
                .bind(locked_until)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            crate::audit::record(&mut *tx, actor, entry).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Starts a login session; the token goes to the browser, only its hash is stored.
    pub async fn create_session(&self, user_id: i64, ttl: Duration) -> Result<SessionInfo> {
        let info = SessionInfo {
            token: random_token(),
            csrf_token: random_token(),
            expires_at: crate::now() + ttl,
        };
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash(&info.token))
            .bind(user_id)
            .bind(&info.csrf_token)
            .bind(crate::now())
            .bind(info.expires_at)
            .execute(pool)
            .await?;
        });
        Ok(info)
    }

    /// The user behind a session token, if the session is live and the account active.
    pub async fn session_user(&self, token: &str) -> Result<Option<(User, String)>> {
        let row: Option<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT s.user_id, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active",
            )
            .bind(token_hash(token))
            .bind(crate::now())
            .fetch_optional(pool)
            .await?
        });
        match row {
            Some((id, csrf)) => Ok(Some((
                self.user_by_id_in(&Scope::everything(), id).await?,
                csrf,
            ))),
            None => Ok(None),
        }
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at < $2")
                .bind(token_hash(token))
                .bind(crate::now())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Issues an API token for a machine account inside the actor's scope, living
    /// `expires_days` days (1 to [`MAX_TOKEN_DAYS`]). Only a role that
    /// [`Role::manages_tokens`] (or the operator at the command line) issues tokens, and only
    /// for machine accounts: a person's account gets none, not even from its owner.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        user_id: i64,
        name: &str,
        expires_days: i64,
    ) -> Result<ApiToken> {
        let name = &validate_token_request(name, expires_days)?;
        actor.require::<TokenIssuer>()?;
        let user = self.user_by_id_in(&actor.scope, user_id).await?;
        if !user.role.is_machine() {
            return Err(StoreError::Forbidden(format!(
                "API 令牌只发给机器账号（卡口操作员、检测机构操作员），“{}”是{}的个人账号，不能签发",
                user.username,
                user.role.label_zh()
            )));
        }
        if !user.active {
            return Err(StoreError::Forbidden(format!(
                "账号“{}”已停用，不能签发令牌",
                user.username
            )));
        }
        let token = random_token();
        let now = crate::now();
        let expires_at = now + Duration::days(expires_days);
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(user.id)
            .bind(name)
            .bind(token_hash(&token))
            .bind(now)
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await?;
            let entry = AuditEntry::new("create", "api_token", id)
                .at_node(&user.node_path)
                .after(serde_json::json!({
                    "user": user.username, "name": name, "expires_at": expires_at,
                }));
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
            id
        });
        Ok(ApiToken {
            id,
            name: name.to_string(),
            token,
            expires_at,
        })
    }

    /// The tokens the actor sees, newest first: their own, and for a district admin those of
    /// every account in their subtree. Never the secrets.
    pub async fn list_api_tokens(&self, actor: &Actor) -> Result<Vec<TokenInfo>> {
        let (lo, hi) = actor.require::<Staff>()?.bounds();
        let sql = format!("{TOKEN_SELECT} ORDER BY t.id DESC LIMIT 1000");
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, TokenInfo>(&sql)
                .bind(actor.user_id)
                .bind(actor.may::<TokenIssuer>())
                .bind(&lo)
                .bind(&hi)
                .fetch_all(pool)
                .await?
        });
        let now = crate::now();
        Ok(rows.into_iter().map(|t| t.with_status(now)).collect())
    }

    /// One token the actor sees (as [`Store::list_api_tokens`]); any other is `NotFound`.
    pub async fn api_token(&self, actor: &Actor, id: i64) -> Result<TokenInfo> {
        let (lo, hi) = actor.require::<Staff>()?.bounds();
        let sql = format!("{TOKEN_SELECT} AND t.id = $5");
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, TokenInfo>(&sql)
                .bind(actor.user_id)
                .bind(actor.may::<TokenIssuer>())
                .bind(&lo)
                .bind(&hi)
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|t| t.with_status(crate::now()))
            .ok_or(StoreError::NotFound)
    }

    /// Revokes a token the actor sees; revoking a revoked token changes nothing. A server
    /// caching tokens must drop its cache after this.
    pub async fn revoke_api_token(&self, actor: &Actor, id: i64) -> Result<TokenInfo> {
        let token = self.api_token(actor, id).await?;
        if token.revoked_at.is_some() {
            return Ok(token);
        }
        let owner = self
            .user_by_id_in(&Scope::everything(), token.user_id)
            .await?;
        let entry = AuditEntry::new("revoke", "api_token", id)
            .at_node(&owner.node_path)
            .before(serde_json::json!({ "user": token.username, "name": token.name }));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(crate::now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
        });
        self.api_token(actor, id).await
    }

    /// The machine account behind a live API token (not revoked, not expired, account active),
    /// with the token's id in [`User::token_id`], and when the token expires. Notes the use.
    pub async fn api_token_user(&self, token: &str) -> Result<Option<(User, DateTime<Utc>)>> {
        let now = crate::now();
        let row: Option<TokenRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT t.id, t.user_id, t.expires_at, t.last_used_at FROM api_tokens t \
                 JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 \
                 AND u.active",
            )
            .bind(token_hash(token))
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        let Some((token_id, user_id, expires_at, last_used)) = row else {
            return Ok(None);
        };
        let mut user = self.user_by_id_in(&Scope::everything(), user_id).await?;
        // tokens are for machines; one left on a person's account is not honoured
        if !user.role.is_machine() {
            return Ok(None);
        }
        // noted to the minute: a machine posting all day writes this once a minute, not on
        // every lookup (on SQLite the write waits for the one write lock, behind the scans)
        if last_used.is_none_or(|at| now - at >= LAST_USED_RESOLUTION) {
            on_pool!(self, pool => {
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(token_id)
                    .execute(pool)
                    .await?;
            });
        }
        user.token_id = Some(token_id);
        Ok(Some((user, expires_at)))
    }

    /// Changes an account in the actor's subtree. Disabling it, or changing its role or node,
    /// revokes its API tokens in the same transaction (and disabling ends its sessions): a
    /// machine moved elsewhere gets new tokens for its new place.
    pub async fn update_user(&self, actor: &Actor, id: i64, change: &UserChange) -> Result<User> {
        let before = self.user_by_id_in(&actor.scope, id).await?;
        if !actor.may::<UserManager>() || !actor.role.may_assign(before.role) {
            return Err(StoreError::Forbidden(format!(
                "不能修改“{}”账号",
                before.role.label_zh()
            )));
        }
        let display_name = match &change.display_name {
            Some(n) if n.trim().is_empty() => {
                return Err(StoreError::invalid("display_name", "姓名不能为空"))
            }
            Some(n) => n.trim().to_string(),
            None => before.display_name.clone(),
        };
        let role = change.role.unwrap_or(before.role);
        if !actor.role.may_assign(role) {
            return Err(StoreError::Forbidden(format!(
                "不能把账号改为“{}”",
                role.label_zh()
            )));
        }
        let node = match change.node_code.as_deref().map(str::trim) {
            Some(code) if code != before.node_code => Some(
                self.grid_node_by_code_in(&actor.scope, code)
                    .await
                    .map_err(|e| match e {
                        StoreError::NotFound => StoreError::invalid(
                            "node_code",
                            format!("网格节点“{code}”不存在或不在辖区内"),
                        ),
                        other => other,
                    })?,
            ),
            _ => None,
        };
        let active = change.active.unwrap_or(before.active);
        let disabled = before.active && !active;
        let revokes = disabled || role != before.role || node.is_some();
        if actor.user_id == Some(before.id) && revokes {
            return Err(StoreError::Forbidden(
                "不能停用本人账号，也不能修改本人的角色或所属网格".into(),
            ));
        }
        let after = AccountAfter {
            display_name,
            role,
            node_id: node.as_ref().map_or(before.node_id, |n| n.id),
            node_path: node
                .as_ref()
                .map_or(before.node_path.clone(), |n| n.path.clone()),
            node_code: node
                .as_ref()
                .map_or(before.node_code.clone(), |n| n.code.clone()),
            active,
            disabled,
            revokes,
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            store_user_change(&mut *tx, actor, &before, &after).await?;
            tx.commit().await?;
        });
        self.user_by_id_in(&Scope::everything(), id).await
    }
}

/// An account as [`Store::update_user`] leaves it, and what the change ends.
struct AccountAfter {
    display_name: String,
    role: Role,
    node_id: i64,
    node_path: String,
    node_code: String,
    active: bool,
    /// it was active and is not
    disabled: bool,
    /// its API tokens are revoked (disabled, or a new role or node)
    revokes: bool,
}

/// The account change on the open transaction `conn`: the account, its API tokens and
/// sessions as the change ends them, and the audit entry.
async fn store_user_change(
    conn: impl Into<Conn<'_>>,
    actor: &Actor,
    before: &User,
    after: &AccountAfter,
) -> Result<()> {
    let mut conn = conn.into();
    let (id, now) = (before.id, crate::now());
    let revoked = on_conn!(conn, c => {
        sqlx::query(
            "UPDATE users SET display_name = $1, role = $2, node_id = $3, active = $4 \
             WHERE id = $5",
        )
        .bind(&after.display_name)
        .bind(after.role.as_str())
        .bind(after.node_id)
        .bind(after.active)
        .bind(id)
        .execute(&mut *c)
        .await?;
        let revoked = if after.revokes {
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        } else {
            0
        };
        if after.disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(c)
                .await?;
        }
        revoked
    });
    let entry = AuditEntry::new("update", "user", id)
        .at_node(&after.node_path)
        .before(serde_json::json!({
            "display_name": before.display_name, "role": before.role,
            "node": before.node_code, "active": before.active,
        }))
        .after(serde_json::json!({
            "display_name": after.display_name, "role": after.role, "node": after.node_code,
            "active": after.active, "tokens_revoked": revoked,
        }));
    crate::audit::record(conn, actor, &entry).await
}
