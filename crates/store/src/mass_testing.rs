//! 全员核酸 (issue 15), the store's part: campaigns (one round each), sampling points, tubes
//! opened at a point, people sampled into a tube, tube results from a lab, and the recall list
//! of a positive or inconclusive tube. The pure rules — pool sizes, barcodes, results, who is
//! recalled — are `wangge_domain::testing::tube`; this module keeps them true under concurrent
//! collectors:
//!
//! - one person, one tube a campaign: `UNIQUE (campaign_id, person_id)`, and the refusal names
//!   the tube the person is already in;
//! - a tube never takes more than its pool size: one guarded `UPDATE … members < pool_size`;
//! - results are all-or-nothing: every row is checked first and a bad one (unknown or unsealed
//!   tube, a changed result) refuses the whole upload with its row and field.
//!
//! Scope: a campaign is seen by everyone at, above or below its node; a point and its tubes by
//! those whose subtree holds the point; a recall list shows each member to the staff of the
//! member's own grid (with the register's name, phone and address) and to the staff of the
//! sampling point (with what the collector typed), never a register record out of scope.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use wangge_domain::permission::{
    RecallViewer, ResultRecorder, SampleCollector, Staff, TestingManager,
};
use wangge_domain::testing::tube::{Barcode, PoolSize, TubeError, TubeResult};
use wangge_domain::validate::{date, text};

use crate::error::Problems;
use crate::{Actor, AuditEntry, Result, RowError, Scope, Store, StoreError, StoredIdNumber};

/// Most result rows in one upload.
pub const MAX_RESULT_ROWS: usize = 10_000;

/// 检测轮次: one round of testing over a node of the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub node_code: String,
    pub node_name: String,
    #[serde(skip)]
    pub node_path: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// 混样人数 of the campaign (a point may set its own)
    pub pool_size: i64,
    pub created_at: DateTime<Utc>,
}

/// A campaign as typed on the form or sent to the API.
#[derive(Debug, Clone, Default)]
pub struct NewCampaign {
    pub node_code: String,
    pub name: String,
    /// YYYY-MM-DD
    pub starts_on: String,
    pub ends_on: String,
    /// 1, 5, 10 or 20
    pub pool_size: String,
}

/// 采样点.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SamplingPoint {
    pub id: i64,
    pub campaign_id: i64,
    pub node_code: String,
    pub node_name: String,
    #[serde(skip)]
    pub node_path: String,
    pub name: String,
    pub hours: String,
    pub staff: String,
    /// the point's own pool size, or the campaign's
    pub pool_size: i64,
    pub created_at: DateTime<Utc>,
}

/// A sampling point as typed.
#[derive(Debug, Clone, Default)]
pub struct NewSamplingPoint {
    pub node_code: String,
    pub name: String,
    /// 采样时间, e.g. "07:00-12:00, 14:00-18:00"
    pub hours: String,
    /// 采样人员
    pub staff: String,
    /// empty: the campaign's
    pub pool_size: String,
}

/// 试管.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Tube {
    pub id: i64,
    pub barcode: String,
    pub campaign_id: i64,
    pub point_id: i64,
    pub point_name: String,
    pub node_code: String,
    #[serde(skip)]
    pub node_path: String,
    pub pool_size: i64,
    pub members: i64,
    /// open, sealed
    pub state: String,
    /// negative, positive, inconclusive; none before the lab's result
    pub result: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub sealed_at: Option<DateTime<Utc>>,
    pub result_at: Option<DateTime<Utc>>,
}

/// One scan at a sampling point: the ID number, and the name and phone when the collector has
/// them (an ID-card reader gives the name).
#[derive(Debug, Clone, Default)]
pub struct NewSample {
    pub id_number: String,
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// What a scan came to: the tube as it is now, and whether the person is in the resident
/// register of the campaign's area (otherwise flagged 流动人口).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SampleAck {
    pub tube: Tube,
    pub in_register: bool,
}

/// One result row as uploaded.
#[derive(Debug, Clone, Default)]
pub struct NewResult {
    pub barcode: String,
    pub result: String,
}

/// What an upload of results came to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ResultsSummary {
    /// results stored now
    pub recorded: usize,
    /// rows that repeated a stored result (nothing changed)
    pub unchanged: usize,
    /// tubes now to be recalled (positive or inconclusive), in upload order
    pub recalls: Vec<String>,
}

/// A person of a recalled tube, as the caller may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RecallMember {
    pub id_number: StoredIdNumber,
    pub name: String,
    pub phone: Option<String>,
    /// the register's address, when the person is a resident in the caller's scope
    pub address: String,
    /// the member's grid: the resident's own, or the sampling point's for a person not
    /// registered in the caller's scope
    pub node_code: String,
    pub node_name: String,
    /// 责任网格员 of that grid
    pub worker: Option<String>,
    /// in the resident register of the campaign's area (else 流动人口)
    pub in_register: bool,
}

/// 召回名单 of one tube.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Recall {
    pub tube: Tube,
    /// positive or inconclusive: every member the caller may see; otherwise empty
    pub members: Vec<RecallMember>,
}

const CAMPAIGN_SELECT: &str = "SELECT c.id, c.name, g.code AS node_code, g.name AS node_name, \
    g.path AS node_path, c.starts_on, c.ends_on, c.pool_size, c.created_at \
    FROM test_campaigns c JOIN grid_nodes g ON g.id = c.node_id";

const POINT_SELECT: &str = "SELECT p.id, p.campaign_id, g.code AS node_code, g.name AS node_name, \
    g.path AS node_path, p.name, p.hours, p.staff, COALESCE(p.pool_size, c.pool_size) AS pool_size, \
    p.created_at FROM test_points p JOIN test_campaigns c ON c.id = p.campaign_id \
    JOIN grid_nodes g ON g.id = p.node_id";

const TUBE_SELECT: &str =
    "SELECT t.id, t.barcode, t.campaign_id, t.point_id, p.name AS point_name, \
    g.code AS node_code, g.path AS node_path, t.pool_size, t.members, t.state, t.result, \
    t.opened_at, t.sealed_at, t.result_at FROM test_tubes t \
    JOIN test_points p ON p.id = t.point_id JOIN grid_nodes g ON g.id = p.node_id";

/// The barcode of the tube a person (`$2`) is in, in a campaign (`$1`).
const SAMPLED_IN: &str = "SELECT t.barcode FROM test_samples s \
    JOIN test_tubes t ON t.id = s.tube_id WHERE s.campaign_id = $1 AND s.person_id = $2";

/// A campaign is seen from its node's subtree (`g.path` in `$lo..$hi`) and from above it
/// (the caller's root starts with the campaign's path, `$root`).
const CAMPAIGN_VISIBLE: &str = "((g.path >= $1 AND g.path < $2) \
    OR substr($3, 1, length(g.path)) = g.path)";

fn pool_size(field: &str, typed: &str) -> Result<PoolSize> {
    PoolSize::parse(typed).map_err(|e| StoreError::invalid(field, e.to_string()))
}

fn barcode(typed: &str) -> Result<Barcode> {
    Barcode::parse(typed).map_err(|e| StoreError::invalid("barcode", e.to_string()))
}

fn tube_error(field: &str, e: TubeError) -> StoreError {
    StoreError::invalid(field, e.to_string())
}

impl Store {
    /// 新建检测轮次 at a node of the caller's subtree.
    pub async fn create_campaign(&self, actor: &Actor, new: &NewCampaign) -> Result<Campaign> {
        let scope = actor.require::<TestingManager>()?;
        let mut problems = Problems::default();
        let name = problems.keep(
            text::required("name", "检测轮次名称", &new.name, text::TITLE_MAX)
                .map_err(StoreError::from),
        )?;
        let starts_on =
            problems.keep(date::parse("starts_on", &new.starts_on).map_err(StoreError::from))?;
        let ends_on =
            problems.keep(date::parse("ends_on", &new.ends_on).map_err(StoreError::from))?;
        if let (Some(s), Some(e)) = (starts_on, ends_on) {
            if e < s {
                problems.add("ends_on", "结束日期不能早于开始日期");
            }
        }
        let size = problems.keep(pool_size("pool_size", &new.pool_size))?;
        let node = match self.grid_node_by_code_in(scope, new.node_code.trim()).await {
            Ok(node) => Some(node),
            Err(StoreError::NotFound) => {
                problems.add(
                    "node_code",
                    format!("网格节点“{}”不存在或不在辖区内", shown(&new.node_code)),
                );
                None
            }
            Err(other) => return Err(other),
        };
        let (Some(name), Some(starts_on), Some(ends_on), Some(size), Some(node), true) =
            (name, starts_on, ends_on, size, node, problems.is_empty())
        else {
            return Err(problems.into_error());
        };
        let now = crate::now();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO test_campaigns (node_id, name, starts_on, ends_on, pool_size, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(node.id)
            .bind(&name)
            .bind(starts_on)
            .bind(ends_on)
            .bind(size.get() as i64)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let entry = AuditEntry::new("create", "test_campaign", id)
                .at_node(&node.path)
                .after(serde_json::json!({
                    "name": name, "node": node.code, "starts_on": starts_on,
                    "ends_on": ends_on, "pool_size": size.get(),
                }));
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
            id
        });
        self.campaign(actor, id).await
    }

    /// One campaign the caller sees (at, above or below its node), else `NotFound`.
    pub async fn campaign(&self, actor: &Actor, id: i64) -> Result<Campaign> {
        let scope = actor.require::<Staff>()?;
        let (lo, hi) = scope.bounds();
        let sql = format!("{CAMPAIGN_SELECT} WHERE {CAMPAIGN_VISIBLE} AND c.id = $4");
        on_pool!(self, pool => {
            sqlx::query_as::<_, Campaign>(&sql)
                .bind(&lo)
                .bind(&hi)
                .bind(scope.root_path())
                .bind(id)
                .fetch_optional(pool)
                .await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// Campaigns the caller sees, the newest first.
    pub async fn list_campaigns(&self, actor: &Actor) -> Result<Vec<Campaign>> {
        let scope = actor.require::<Staff>()?;
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{CAMPAIGN_SELECT} WHERE {CAMPAIGN_VISIBLE} \
             ORDER BY c.starts_on DESC, c.id DESC LIMIT 500"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Campaign>(&sql)
                .bind(&lo)
                .bind(&hi)
                .bind(scope.root_path())
                .fetch_all(pool)
                .await?
        }))
    }

    /// 新增采样点 of a campaign, at a node of both the campaign's and the caller's subtree.
    pub async fn add_sampling_point(
        &self,
        actor: &Actor,
        campaign_id: i64,
        new: &NewSamplingPoint,
    ) -> Result<SamplingPoint> {
        let scope = actor.require::<TestingManager>()?;
        let campaign = self.campaign(actor, campaign_id).await?;
        let mut problems = Problems::default();
        let name = problems.keep(
            text::required("name", "采样点名称", &new.name, text::NAME_MAX)
                .map_err(StoreError::from),
        )?;
        let hours = problems.keep(
            text::bounded("hours", "采样时间", &new.hours, text::TITLE_MAX)
                .map_err(StoreError::from),
        )?;
        let staff = problems.keep(
            text::bounded("staff", "采样人员", &new.staff, text::ADDRESS_MAX)
                .map_err(StoreError::from),
        )?;
        let size = if new.pool_size.trim().is_empty() {
            Some(None)
        } else {
            problems
                .keep(pool_size("pool_size", &new.pool_size))?
                .map(Some)
        };
        let node = match self.grid_node_by_code_in(scope, new.node_code.trim()).await {
            Ok(node) if node.path.starts_with(&campaign.node_path) => Some(node),
            Ok(_) => {
                problems.add(
                    "node_code",
                    format!("采样点须在本轮检测的范围（{}）内", campaign.node_name),
                );
                None
            }
            Err(StoreError::NotFound) => {
                problems.add(
                    "node_code",
                    format!("网格节点“{}”不存在或不在辖区内", shown(&new.node_code)),
                );
                None
            }
            Err(other) => return Err(other),
        };
        let (Some(name), Some(hours), Some(staff), Some(size), Some(node), true) =
            (name, hours, staff, size, node, problems.is_empty())
        else {
            return Err(problems.into_error());
        };
        let now = crate::now();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let taken: Option<(i64,)> = sqlx::query_as(
                "SELECT id FROM test_points WHERE campaign_id = $1 AND name = $2",
            )
            .bind(campaign.id)
            .bind(&name)
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict {
                    field: "name".into(),
                    message: format!("本轮检测已有名为“{name}”的采样点"),
                });
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO test_points (campaign_id, node_id, name, hours, staff, pool_size, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(campaign.id)
            .bind(node.id)
            .bind(&name)
            .bind(&hours)
            .bind(&staff)
            .bind(size.map(|s| s.get() as i64))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let entry = AuditEntry::new("create", "test_point", id)
                .at_node(&node.path)
                .after(serde_json::json!({
                    "campaign": campaign.id, "name": name, "node": node.code,
                    "hours": hours, "staff": staff, "pool_size": size.map(PoolSize::get),
                }));
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
            id
        });
        self.sampling_point_in(scope, id).await
    }

    /// A sampling point in `scope`, else `NotFound`.
    async fn sampling_point_in(&self, scope: &Scope, id: i64) -> Result<SamplingPoint> {
        let (lo, hi) = scope.bounds();
        let sql = format!("{POINT_SELECT} WHERE p.id = $1 AND g.path >= $2 AND g.path < $3");
        on_pool!(self, pool => {
            sqlx::query_as::<_, SamplingPoint>(&sql)
                .bind(id)
                .bind(&lo)
                .bind(&hi)
                .fetch_optional(pool)
                .await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// The sampling points of a campaign that lie in the caller's subtree, by node and name.
    pub async fn list_sampling_points(
        &self,
        actor: &Actor,
        campaign_id: i64,
    ) -> Result<Vec<SamplingPoint>> {
        let scope = actor.require::<Staff>()?;
        self.campaign(actor, campaign_id).await?;
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{POINT_SELECT} WHERE p.campaign_id = $1 AND g.path >= $2 AND g.path < $3 \
             ORDER BY g.path, p.name"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, SamplingPoint>(&sql)
                .bind(campaign_id)
                .bind(&lo)
                .bind(&hi)
                .fetch_all(pool)
                .await?
        }))
    }

    /// 开管: a new tube at a sampling point of the caller's subtree, on a day of the campaign.
    pub async fn open_tube(&self, actor: &Actor, point_id: i64, typed: &str) -> Result<Tube> {
        let scope = actor.require::<SampleCollector>()?;
        let point = self.sampling_point_in(scope, point_id).await?;
        let code = barcode(typed)?;
        let campaign = self.campaign(actor, point.campaign_id).await?;
        let today = crate::pushlist::today_in_china();
        if today < campaign.starts_on || today > campaign.ends_on {
            return Err(StoreError::invalid(
                "barcode",
                format!(
                    "本轮检测的采样日期为 {} 至 {}，今天不能开管",
                    campaign.starts_on, campaign.ends_on
                ),
            ));
        }
        let now = crate::now();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let taken: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM test_tubes WHERE barcode = $1")
                    .bind(code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(barcode_taken(&code));
            }
            let inserted: std::result::Result<(i64,), sqlx::Error> = sqlx::query_as(
                "INSERT INTO test_tubes (campaign_id, point_id, barcode, pool_size, members, \
                 state, opened_at) VALUES ($1, $2, $3, $4, 0, 'open', $5) RETURNING id",
            )
            .bind(point.campaign_id)
            .bind(point.id)
            .bind(code.as_str())
            .bind(point.pool_size)
            .bind(now)
            .fetch_one(&mut *tx)
            .await;
            let (id,) = inserted.map_err(|e| match StoreError::from(e) {
                StoreError::Conflict { .. } => barcode_taken(&code),
                other => other,
            })?;
            tx.commit().await?;
            id
        });
        self.tube_in(scope, id).await
    }

    async fn tube_in(&self, scope: &Scope, id: i64) -> Result<Tube> {
        let (lo, hi) = scope.bounds();
        let sql = format!("{TUBE_SELECT} WHERE t.id = $1 AND g.path >= $2 AND g.path < $3");
        on_pool!(self, pool => {
            sqlx::query_as::<_, Tube>(&sql)
                .bind(id)
                .bind(&lo)
                .bind(&hi)
                .fetch_optional(pool)
                .await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// A tube by its barcode, when its sampling point lies in `scope`.
    async fn tube_by_barcode_in(&self, scope: &Scope, code: &Barcode) -> Result<Option<Tube>> {
        let (lo, hi) = scope.bounds();
        let sql = format!("{TUBE_SELECT} WHERE t.barcode = $1 AND g.path >= $2 AND g.path < $3");
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Tube>(&sql)
                .bind(code.as_str())
                .bind(&lo)
                .bind(&hi)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// One tube of a sampling point in the caller's subtree.
    pub async fn tube(&self, actor: &Actor, typed: &str) -> Result<Tube> {
        let scope = actor.require::<SampleCollector>()?;
        let code = barcode(typed)?;
        self.tube_by_barcode_in(scope, &code)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// 装样: one person into an open tube of the caller's subtree. Refused when the tube is
    /// sealed or full, or when the person is already in a tube of this campaign (naming it).
    pub async fn add_sample(
        &self,
        actor: &Actor,
        typed: &str,
        new: &NewSample,
    ) -> Result<SampleAck> {
        let scope = actor.require::<SampleCollector>()?;
        let code = barcode(typed)?;
        let mut problems = Problems::default();
        let today = crate::pushlist::today_in_china();
        let id_number = problems.keep(crate::people::check_id_number(&new.id_number, today))?;
        let name = problems.keep(
            text::optional("name", "姓名", new.name.as_deref(), text::NAME_MAX)
                .map_err(StoreError::from),
        )?;
        let phone = problems.keep(crate::people::check_phone(new.phone.as_deref()))?;
        let (Some(id_number), Some(name), Some(phone)) = (id_number, name, phone) else {
            return Err(problems.into_error());
        };
        let tube = self
            .tube_by_barcode_in(scope, &code)
            .await?
            .ok_or_else(|| not_at_your_point(&code))?;
        if tube.state != "open" {
            return Err(tube_error("barcode", TubeError::Sealed { barcode: code }));
        }
        let campaign = self.campaign(actor, tube.campaign_id).await?;
        let (lo, hi) = Scope::new(campaign.node_path.clone()).bounds();
        let now = crate::now();
        let outcome: Result<bool> = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let person_id = crate::people::upsert_person(&mut *tx, &id_number, now).await?;
            let already: Option<(String,)> = sqlx::query_as(SAMPLED_IN)
            .bind(tube.campaign_id)
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((other,)) = already {
                return Err(in_tube(&other));
            }
            let counted: Option<(i64,)> = sqlx::query_as(
                "UPDATE test_tubes SET members = members + 1 \
                 WHERE id = $1 AND state = 'open' AND members < pool_size RETURNING members",
            )
            .bind(tube.id)
            .fetch_optional(&mut *tx)
            .await?;
            if counted.is_none() {
                let (state,): (String,) =
                    sqlx::query_as("SELECT state FROM test_tubes WHERE id = $1")
                        .bind(tube.id)
                        .fetch_one(&mut *tx)
                        .await?;
                return Err(if state == "open" {
                    tube_error("barcode", TubeError::Full {
                        barcode: code.clone(),
                        size: usize::try_from(tube.pool_size).unwrap_or_default(),
                    })
                } else {
                    tube_error("barcode", TubeError::Sealed { barcode: code.clone() })
                });
            }
            let (in_register,): (bool,) = sqlx::query_as(
                "SELECT EXISTS (SELECT 1 FROM residents r JOIN grid_nodes g ON g.id = r.node_id \
                 WHERE r.person_id = $1 AND g.path >= $2 AND g.path < $3)",
            )
            .bind(person_id)
            .bind(&lo)
            .bind(&hi)
            .fetch_one(&mut *tx)
            .await?;
            let inserted = sqlx::query(
                "INSERT INTO test_samples (campaign_id, tube_id, person_id, name, phone, \
                 in_register, sampled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(tube.campaign_id)
            .bind(tube.id)
            .bind(person_id)
            .bind(name.as_deref().unwrap_or(""))
            .bind(phone.as_deref())
            .bind(in_register)
            .bind(now)
            .execute(&mut *tx)
            .await;
            match inserted.map_err(StoreError::from) {
                Ok(_) => {}
                // another collector sampled this person a moment ago
                Err(StoreError::Conflict { .. }) => {
                    drop(tx);
                    return Err(self.already_sampled(tube.campaign_id, person_id).await);
                }
                Err(other) => return Err(other),
            }
            tx.commit().await?;
            Ok(in_register)
        });
        let in_register = outcome?;
        Ok(SampleAck {
            tube: self.tube_in(scope, tube.id).await?,
            in_register,
        })
    }

    /// The refusal for a person sampled in this campaign already, naming the tube.
    /// (The person's record is the committed one: a concurrent first sighting of the same ID
    /// number waits on `persons`' unique key and then links to it.)
    async fn already_sampled(&self, campaign_id: i64, person_id: i64) -> StoreError {
        let found: Result<Option<(String,)>> = async {
            Ok(on_pool!(self, pool => {
                sqlx::query_as(SAMPLED_IN)
                .bind(campaign_id)
                .bind(person_id)
                .fetch_optional(pool)
                .await?
            }))
        }
        .await;
        match found {
            Ok(Some((other,))) => in_tube(&other),
            Ok(None) => StoreError::Conflict {
                field: "id_number".into(),
                message: "该人员本轮已采样".into(),
            },
            Err(e) => e,
        }
    }

    /// 封管: no more samples; the tube goes to the lab. An empty tube cannot be sealed.
    pub async fn seal_tube(&self, actor: &Actor, typed: &str) -> Result<Tube> {
        let scope = actor.require::<SampleCollector>()?;
        let code = barcode(typed)?;
        let tube = self
            .tube_by_barcode_in(scope, &code)
            .await?
            .ok_or_else(|| not_at_your_point(&code))?;
        if tube.state != "open" {
            return Err(StoreError::invalid(
                "barcode",
                format!("试管 {code} 已封管"),
            ));
        }
        let now = crate::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let sealed = sqlx::query(
                "UPDATE test_tubes SET state = 'sealed', sealed_at = $2 \
                 WHERE id = $1 AND state = 'open' AND members > 0",
            )
            .bind(tube.id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if sealed == 0 {
                let (state,): (String,) =
                    sqlx::query_as("SELECT state FROM test_tubes WHERE id = $1")
                        .bind(tube.id)
                        .fetch_one(&mut *tx)
                        .await?;
                return Err(if state == "open" {
                    tube_error("barcode", TubeError::EmptySeal { barcode: code.clone() })
                } else {
                    StoreError::invalid("barcode", format!("试管 {code} 已封管"))
                });
            }
            let entry = AuditEntry::new("seal", "test_tube", tube.id)
                .at_node(&tube.node_path)
                .after(serde_json::json!({ "barcode": tube.barcode, "members": tube.members }));
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
        });
        self.tube_in(scope, tube.id).await
    }

    /// 录入结果: results of sealed tubes of the caller's subtree, all or none. Each bad row is
    /// named (row from 1, field, reason): a bad barcode or result, a tube unknown here or not
    /// sealed, a tube twice with different results, a stored result changed.
    pub async fn record_results(
        &self,
        actor: &Actor,
        rows: &[NewResult],
    ) -> Result<ResultsSummary> {
        let scope = actor.require::<ResultRecorder>()?;
        if rows.is_empty() {
            return Err(StoreError::invalid("results", "没有检测结果"));
        }
        if rows.len() > MAX_RESULT_ROWS {
            return Err(StoreError::invalid(
                "results",
                format!(
                    "一次最多录入 {MAX_RESULT_ROWS} 条结果，收到 {} 条",
                    rows.len()
                ),
            ));
        }
        let mut errors = Vec::new();
        let mut checked: Vec<(Tube, TubeResult)> = Vec::with_capacity(rows.len());
        let mut seen: std::collections::HashMap<String, TubeResult> = Default::default();
        let mut unchanged = 0;
        for (i, row) in rows.iter().enumerate() {
            let n = i as u64 + 1;
            let bad = |field: &str, message: String| RowError {
                row: n,
                field: field.into(),
                message,
            };
            let code = match Barcode::parse(&row.barcode) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(bad("barcode", e.to_string()));
                    None
                }
            };
            let result = match TubeResult::parse(&row.result) {
                Ok(r) => Some(r),
                Err(e) => {
                    errors.push(bad("result", e.to_string()));
                    None
                }
            };
            let (Some(code), Some(result)) = (code, result) else {
                continue;
            };
            if let Some(before) = seen.insert(code.as_str().to_string(), result) {
                if before != result {
                    errors.push(bad(
                        "result",
                        format!("试管 {code} 在本次上传中出现两次，结果不同"),
                    ));
                }
                continue;
            }
            let Some(tube) = self.tube_by_barcode_in(scope, &code).await? else {
                errors.push(bad("barcode", format!("试管 {code} 不存在")));
                continue;
            };
            if tube.state != "sealed" {
                errors.push(bad(
                    "barcode",
                    TubeError::NotSealed { barcode: code }.to_string(),
                ));
                continue;
            }
            match tube.result.as_deref().map(TubeResult::parse) {
                None => checked.push((tube, result)),
                Some(Ok(stored)) if stored == result => unchanged += 1,
                Some(Ok(stored)) => errors.push(bad(
                    "result",
                    format!(
                        "试管 {code} 已有结果“{}”，不能改为“{}”",
                        stored.label_zh(),
                        result.label_zh()
                    ),
                )),
                Some(Err(e)) => return Err(StoreError::Internal(e.to_string())),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::RowsRejected(errors));
        }
        let now = crate::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for (tube, result) in &checked {
                let stored = sqlx::query(
                    "UPDATE test_tubes SET result = $2, result_at = $3 \
                     WHERE id = $1 AND state = 'sealed' AND result IS NULL",
                )
                .bind(tube.id)
                .bind(result.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if stored == 0 {
                    // another upload stored this tube's result meanwhile: nothing applied
                    return Err(StoreError::Conflict {
                        field: "results".into(),
                        message: format!("试管 {} 的结果刚由他人录入，请重新上传", tube.barcode),
                    });
                }
                let entry = AuditEntry::new("result", "test_tube", tube.id)
                    .at_node(&tube.node_path)
                    .after(serde_json::json!({ "barcode": tube.barcode, "result": result.as_str() }));
                crate::audit::record(&mut *tx, actor, &entry).await?;
            }
            tx.commit().await?;
        });
        Ok(ResultsSummary {
            recorded: checked.len(),
            unchanged,
            recalls: checked
                .iter()
                .filter(|(_, r)| r.needs_recall())
                .map(|(t, _)| t.barcode.clone())
                .collect(),
        })
    }

    /// 召回名单 of a tube: its members the caller may see — a resident of the caller's subtree
    /// with the register's name, phone, address and grid; anyone else sampled at a point of
    /// the caller's subtree with what the collector typed. `NotFound` when neither the point
    /// nor any member's grid is in the caller's subtree.
    pub async fn tube_recall(&self, actor: &Actor, typed: &str) -> Result<Recall> {
        let scope = actor.require::<RecallViewer>()?;
        let code = barcode(typed)?;
        let (lo, hi) = scope.bounds();
        // the tube, whatever its point, then what of it the caller may see
        let sql = format!("{TUBE_SELECT} WHERE t.barcode = $1");
        let tube = on_pool!(self, pool => {
            sqlx::query_as::<_, Tube>(&sql)
                .bind(code.as_str())
                .fetch_optional(pool)
                .await?
        })
        .ok_or(StoreError::NotFound)?;
        let point_in_scope = scope.contains(&tube.node_path);
        #[derive(sqlx::FromRow)]
        struct Row {
            id_number: StoredIdNumber,
            typed_name: String,
            typed_phone: Option<String>,
            in_register: bool,
            resident_name: Option<String>,
            resident_phone: Option<String>,
            resident_address: Option<String>,
            resident_node_code: Option<String>,
            resident_node_name: Option<String>,
            resident_worker: Option<String>,
        }
        // a resident record joins only when its grid is in the caller's subtree
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT p.id_number, s.name AS typed_name, s.phone AS typed_phone, s.in_register, \
                 r.name AS resident_name, r.phone AS resident_phone, \
                 r.address AS resident_address, g.code AS resident_node_code, \
                 g.name AS resident_node_name, \
                 (SELECT u.display_name FROM users u WHERE u.node_id = g.id \
                  AND u.role = 'grid_worker' AND u.active ORDER BY u.id LIMIT 1) \
                  AS resident_worker \
                 FROM test_samples s JOIN persons p ON p.id = s.person_id \
                 LEFT JOIN residents r ON r.person_id = s.person_id AND r.node_id IN \
                  (SELECT id FROM grid_nodes WHERE path >= $2 AND path < $3) \
                 LEFT JOIN grid_nodes g ON g.id = r.node_id \
                 WHERE s.tube_id = $1 ORDER BY s.id",
            )
            .bind(tube.id)
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await?
        });
        if !point_in_scope && rows.iter().all(|r| r.resident_name.is_none()) {
            return Err(StoreError::NotFound);
        }
        let recalled = tube
            .result
            .as_deref()
            .and_then(|r| TubeResult::parse(r).ok())
            .is_some_and(TubeResult::needs_recall);
        if !recalled {
            return Ok(Recall {
                tube,
                members: Vec::new(),
            });
        }
        let (point_code, point_name, point_worker) = if point_in_scope {
            let node = self.grid_node_by_code_in(scope, &tube.node_code).await?;
            let worker = self.grid_worker_of(&tube.node_code).await?;
            (node.code, node.name, worker)
        } else {
            Default::default()
        };
        let members = rows
            .into_iter()
            .filter_map(|r| match (r.resident_name, r.resident_node_code) {
                (Some(name), Some(node_code)) => Some(RecallMember {
                    id_number: r.id_number,
                    name,
                    phone: r.resident_phone,
                    address: r.resident_address.unwrap_or_default(),
                    node_code,
                    node_name: r.resident_node_name.unwrap_or_default(),
                    worker: r.resident_worker,
                    in_register: r.in_register,
                }),
                _ if point_in_scope => Some(RecallMember {
                    id_number: r.id_number,
                    name: r.typed_name,
                    phone: r.typed_phone,
                    address: String::new(),
                    node_code: point_code.clone(),
                    node_name: point_name.clone(),
                    worker: point_worker.clone(),
                    in_register: r.in_register,
                }),
                _ => None,
            })
            .collect();
        Ok(Recall { tube, members })
    }

    /// The first active grid worker placed at a node (by code).
    async fn grid_worker_of(&self, node_code: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, String>(
                "SELECT u.display_name FROM users u JOIN grid_nodes g ON g.id = u.node_id \
                 WHERE g.code = $1 AND u.role = 'grid_worker' AND u.active ORDER BY u.id LIMIT 1",
            )
            .bind(node_code)
            .fetch_optional(pool)
            .await?
        }))
    }
}

/// A tube the collector cannot use: never opened, or at a point outside their subtree (the
/// same answer for both, so it tells nothing of other points).
fn not_at_your_point(code: &Barcode) -> StoreError {
    StoreError::invalid("barcode", format!("试管 {code} 未开管，或不在您的采样点"))
}

fn barcode_taken(code: &Barcode) -> StoreError {
    StoreError::Conflict {
        field: "barcode".into(),
        message: format!("试管条码 {code} 已使用"),
    }
}

fn in_tube(barcode: &str) -> StoreError {
    StoreError::Conflict {
        field: "id_number".into(),
        message: format!("该人员本轮已在试管 {barcode} 中"),
    }
}

/// A typed value shown back in a message, cut short.
fn shown(typed: &str) -> String {
    typed.trim().chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{code, seeded, Kind, Seeded};
    use crate::NewResident;

    /// A valid ID number, different for each `n`.
    fn id(n: u32) -> String {
        wangge_domain::validate::make_valid(&format!("41010519800101{n:03}"))
    }

    fn wrong_check_digit(mut id_number: String) -> String {
        let last = id_number.pop();
        id_number.push(if last == Some('0') { '1' } else { '0' });
        id_number
    }

    fn today() -> String {
        crate::pushlist::today_in_china().to_string()
    }

    async fn resident(db: &Seeded, n: u32, name: &str, grid: &str) {
        db.store
            .create_resident(
                &db.users.admin.actor(),
                &NewResident {
                    id_number: id(n),
                    name: name.into(),
                    phone: Some("13800138000".into()),
                    node_code: grid.into(),
                    address: format!("{name}家"),
                },
            )
            .await
            .expect("resident");
    }

    /// A campaign over the district today, with a point in grid A of `size` a tube.
    async fn campaign_with_point(db: &Seeded, size: &str) -> (Campaign, SamplingPoint) {
        let admin = db.users.admin.actor();
        let campaign = db
            .store
            .create_campaign(
                &admin,
                &NewCampaign {
                    node_code: code::DISTRICT.into(),
                    name: "第一轮全员核酸".into(),
                    starts_on: today(),
                    ends_on: today(),
                    pool_size: "10".into(),
                },
            )
            .await
            .expect("campaign");
        let point = db
            .store
            .add_sampling_point(
                &db.users.jingbalu.actor(),
                campaign.id,
                &NewSamplingPoint {
                    node_code: code::GRID_A.into(),
                    name: "纬五路社区广场".into(),
                    hours: "07:00-12:00".into(),
                    staff: "张医生".into(),
                    pool_size: size.into(),
                },
            )
            .await
            .expect("point");
        (campaign, point)
    }

    fn sample(n: u32, name: &str) -> NewSample {
        NewSample {
            id_number: id(n),
            name: Some(name.into()),
            phone: None,
        }
    }

    async fn from_sampling_to_recall(kind: Kind) {
        let db = seeded(kind).await;
        let s = &db.store;
        resident(&db, 1, "甲一", code::GRID_A).await;
        resident(&db, 2, "乙二", code::GRID_B).await;
        let (campaign, point) = campaign_with_point(&db, "").await;
        assert_eq!(point.pool_size, 10, "the campaign's size");
        let collector = db.users.wangge1.actor();
        let tube = s
            .open_tube(&collector, point.id, " hs-0001 ")
            .await
            .unwrap();
        assert_eq!(
            (tube.barcode.as_str(), tube.state.as_str()),
            ("HS-0001", "open")
        );

        let ack = s
            .add_sample(&collector, "HS-0001", &sample(1, "甲一"))
            .await
            .unwrap();
        assert!(ack.in_register);
        // 乙二 lives in grid B; the collector types another name than the register's
        let ack = s
            .add_sample(&collector, "HS-0001", &sample(2, "乙某"))
            .await
            .unwrap();
        assert!(ack.in_register);
        let ack = s
            .add_sample(&collector, "HS-0001", &sample(3, "流动丙"))
            .await
            .unwrap();
        assert!(!ack.in_register, "not in the register: 流动人口");
        assert_eq!(ack.tube.members, 3);

        // one tube a person a campaign, naming the tube, in this tube or another
        let e = s
            .add_sample(&collector, "HS-0001", &sample(1, "甲一"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("HS-0001"), "{e}");
        s.open_tube(&collector, point.id, "HS-0002").await.unwrap();
        let e = s
            .add_sample(&collector, "HS-0002", &sample(1, "甲一"))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Conflict { field, .. } if field == "id_number"),
            "{e:?}"
        );
        assert!(e.to_string().contains("HS-0001"), "{e}");
        // a barcode is used once
        let e = s
            .open_tube(&collector, point.id, "HS-0001")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Conflict { field, .. } if field == "barcode"),
            "{e:?}"
        );
        // an empty tube cannot be sealed; a result needs a sealed tube
        let e = s.seal_tube(&collector, "HS-0002").await.unwrap_err();
        assert!(e.to_string().contains("没有样本"), "{e}");

        let lab = db.users.jiance.actor();
        let e = s
            .record_results(
                &lab,
                &[NewResult {
                    barcode: "HS-0001".into(),
                    result: "positive".into(),
                }],
            )
            .await
            .unwrap_err();
        let StoreError::RowsRejected(rows) = &e else {
            panic!("{e:?}")
        };
        assert_eq!((rows[0].row, rows[0].field.as_str()), (1, "barcode"));
        assert!(rows[0].message.contains("尚未封管"), "{rows:?}");

        let sealed = s.seal_tube(&collector, "HS-0001").await.unwrap();
        assert_eq!(sealed.state, "sealed");
        let e = s
            .add_sample(&collector, "HS-0001", &sample(4, "丁"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("已封管"), "{e}");

        // nobody is recalled before the result, nor for a negative tube
        let before = s.tube_recall(&collector, "HS-0001").await.unwrap();
        assert!(before.members.is_empty());

        // all or nothing: a bad row refuses the good one with it
        let e = s
            .record_results(
                &lab,
                &[
                    NewResult {
                        barcode: "HS-0001".into(),
                        result: "阳性".into(),
                    },
                    NewResult {
                        barcode: "HS-9999".into(),
                        result: "negative".into(),
                    },
                    NewResult {
                        barcode: "HS-0002".into(),
                        result: "maybe".into(),
                    },
                ],
            )
            .await
            .unwrap_err();
        let StoreError::RowsRejected(rows) = &e else {
            panic!("{e:?}")
        };
        let named: Vec<(u64, &str)> = rows.iter().map(|r| (r.row, r.field.as_str())).collect();
        assert_eq!(named, [(2, "barcode"), (3, "result")]);
        assert_eq!(s.tube(&collector, "HS-0001").await.unwrap().result, None);

        let done = s
            .record_results(
                &lab,
                &[NewResult {
                    barcode: "HS-0001".into(),
                    result: "阳性".into(),
                }],
            )
            .await
            .unwrap();
        assert_eq!(
            (done.recorded, done.recalls.as_slice()),
            (1, &["HS-0001".to_string()][..])
        );
        // the same result again changes nothing; another result is refused
        let again = s
            .record_results(
                &lab,
                &[NewResult {
                    barcode: "HS-0001".into(),
                    result: "positive".into(),
                }],
            )
            .await
            .unwrap();
        assert_eq!((again.recorded, again.unchanged), (0, 1));
        assert!(s
            .record_results(
                &lab,
                &[NewResult {
                    barcode: "HS-0001".into(),
                    result: "negative".into()
                }],
            )
            .await
            .is_err());

        // the point's grid worker: everyone, with the register only for its own resident
        let recall = s.tube_recall(&collector, "HS-0001").await.unwrap();
        let names: Vec<&str> = recall.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["甲一", "乙某", "流动丙"]);
        assert_eq!(recall.members[0].address, "甲一家");
        assert_eq!(
            recall.members[1].address, "",
            "grid B's register is not grid A's"
        );
        assert_eq!(recall.members[1].node_code, code::GRID_A);
        assert_eq!(
            recall.members[0].worker.as_deref(),
            Some(db.users.wangge1.display_name.as_str())
        );
        assert!(!recall.members[2].in_register);
        assert!(recall
            .members
            .iter()
            .all(|m| !m.id_number.to_string().contains("19800101")));
        // grid B's worker: only its resident, from its register
        let recall = s
            .tube_recall(&db.users.wangge2.actor(), "HS-0001")
            .await
            .unwrap();
        let names: Vec<(&str, &str)> = recall
            .members
            .iter()
            .map(|m| (m.name.as_str(), m.node_code.as_str()))
            .collect();
        assert_eq!(names, [("乙二", code::GRID_B)]);
        // the township above both: each from the register where there is one
        let recall = s
            .tube_recall(&db.users.jingbalu.actor(), "HS-0001")
            .await
            .unwrap();
        let names: Vec<&str> = recall.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["甲一", "乙二", "流动丙"]);

        // the campaign is seen from above and below its node
        for u in [&db.users.wangge1, &db.users.jingbalu, &db.users.admin] {
            assert_eq!(
                s.campaign(&u.actor(), campaign.id).await.unwrap().id,
                campaign.id
            );
        }
        db.cleanup().await.unwrap();
    }
    crate::both_backends!(from_sampling_to_recall, from_sampling_to_recall);

    async fn tubes_hold_their_size(kind: Kind) {
        let db = seeded(kind).await;
        let s = &db.store;
        let (_, point) = campaign_with_point(&db, "5").await;
        assert_eq!(point.pool_size, 5, "the point's own size");
        let collector = db.users.wangge1.actor();
        s.open_tube(&collector, point.id, "T-0005").await.unwrap();
        for n in 0..5 {
            s.add_sample(&collector, "T-0005", &sample(10 + n, "某"))
                .await
                .unwrap();
        }
        let e = s
            .add_sample(&collector, "T-0005", &sample(20, "某"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("已满"), "{e}");
        // the refused person is not held by the full tube: another tube takes them
        s.open_tube(&collector, point.id, "T-0006").await.unwrap();
        s.add_sample(&collector, "T-0006", &sample(20, "某"))
            .await
            .unwrap();
        db.cleanup().await.unwrap();
    }
    crate::both_backends!(tubes_hold_their_size, tubes_hold_their_size);

    async fn roles_scope_and_bad_input(kind: Kind) {
        let db = seeded(kind).await;
        let s = &db.store;
        let (campaign, point) = campaign_with_point(&db, "").await;
        // who may do what
        let e = s
            .create_campaign(&db.users.wangge1.actor(), &NewCampaign::default())
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
        let e = s
            .open_tube(&db.users.jiance.actor(), point.id, "X-0001")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
        let e = s
            .record_results(
                &db.users.wangge1.actor(),
                &[NewResult {
                    barcode: "X-0001".into(),
                    result: "negative".into(),
                }],
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
        // grid B's worker cannot use grid A's point, nor see its tubes
        let e = s
            .open_tube(&db.users.wangge2.actor(), point.id, "X-0001")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{e:?}");
        s.open_tube(&db.users.wangge1.actor(), point.id, "X-0001")
            .await
            .unwrap();
        s.add_sample(&db.users.wangge1.actor(), "X-0001", &sample(30, "某"))
            .await
            .unwrap();
        let e = s
            .tube(&db.users.wangge2.actor(), "X-0001")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{e:?}");
        let e = s
            .add_sample(&db.users.wangge2.actor(), "X-0001", &sample(31, "某"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("不在您的采样点"), "{e}");
        let e = s
            .tube_recall(&db.users.wangge2.actor(), "X-0001")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{e:?}");
        // a point outside the campaign's node, or outside the caller's subtree
        let township = s
            .create_campaign(
                &db.users.jingbalu.actor(),
                &NewCampaign {
                    node_code: code::JINGBALU.into(),
                    name: "经八路街道加测".into(),
                    starts_on: today(),
                    ends_on: today(),
                    pool_size: "20".into(),
                },
            )
            .await
            .unwrap();
        let e = s
            .add_sampling_point(
                &db.users.admin.actor(),
                township.id,
                &NewSamplingPoint {
                    node_code: code::GRID_C.into(),
                    name: "农科路".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("范围"), "{e}");
        assert!(s
            .campaign(&db.users.wangge1.actor(), township.id)
            .await
            .is_ok());
        // every bad field named at once, nothing stored
        let e = s
            .create_campaign(
                &db.users.admin.actor(),
                &NewCampaign {
                    node_code: "999".into(),
                    name: " ".into(),
                    starts_on: "2022-01-10".into(),
                    ends_on: "2022-01-09".into(),
                    pool_size: "3".into(),
                },
            )
            .await
            .unwrap_err();
        let StoreError::Fields(fields) = &e else {
            panic!("{e:?}")
        };
        let mut named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        named.sort_unstable();
        assert_eq!(named, ["ends_on", "name", "node_code", "pool_size"]);
        assert_eq!(
            s.list_campaigns(&db.users.admin.actor())
                .await
                .unwrap()
                .len(),
            2
        );
        let e = s
            .add_sample(
                &db.users.wangge1.actor(),
                "X-0001",
                &NewSample {
                    id_number: wrong_check_digit(id(40)),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid { field, .. } if field == "id_number"),
            "{e:?}"
        );
        for bad in ["", "x", "条码一二三四", &"A".repeat(100)] {
            let e = s
                .open_tube(&db.users.wangge1.actor(), point.id, bad)
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid { field, .. } if field == "barcode"),
                "{bad}: {e:?}"
            );
        }
        assert_eq!(
            s.list_sampling_points(&db.users.admin.actor(), campaign.id)
                .await
                .unwrap()
                .len(),
            1
        );
        db.cleanup().await.unwrap();
    }
    crate::both_backends!(roles_scope_and_bad_input, roles_scope_and_bad_input);
}
