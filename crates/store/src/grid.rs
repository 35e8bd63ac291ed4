//! The grid tree in storage: listing a subtree, adding nodes, importing a tree from CSV.

use std::collections::HashMap;
use std::io::Read;
use wangge_domain::permission::Staff;

use chrono::{DateTime, Utc};
use serde::Serialize;
use wangge_domain::grid::{self, Level};

use crate::limits::TableCsv;
use crate::{Actor, AuditEntry, Result, Scope, Store, StoreError};

/// 网格节点
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct GridNode {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// district | township | community | grid
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub level: Level,
    pub parent_id: Option<i64>,
    pub path: String,
    pub created_at: DateTime<Utc>,
}

impl GridNode {
    /// Depth below the district root (0 for the district).
    pub fn depth(&self) -> usize {
        self.path.matches('/').count().saturating_sub(1)
    }
}

#[derive(Debug, Clone)]
pub struct NewGridNode {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_code: Option<String>,
}

/// One refused row of an import: its line in the file, the field at fault and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: u64,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GridImportSummary {
    pub created: usize,
    pub renamed: usize,
    pub unchanged: usize,
}

/// A district has hundreds of grids; a file far larger than any real tree is a mistake.
const MAX_GRID_ROWS: usize = 100_000;

const NODE_COLUMNS: &str = "id, code, name, level, parent_id, path, created_at";

/// Header names accepted for each column of a grid CSV, English first.
const CODE_HEADERS: &[&str] = &["code", "编码", "区划代码"];
const NAME_HEADERS: &[&str] = &["name", "名称"];
const LEVEL_HEADERS: &[&str] = &["level", "层级"];
const PARENT_HEADERS: &[&str] = &["parent_code", "上级编码", "上级代码"];

/// The columns of a grid CSV in their order, each with the header names accepted (English
/// first, then the Chinese ones): what the importer reads, and what its template offers.
pub const GRID_CSV_COLUMNS: [&[&str]; 4] =
    [CODE_HEADERS, NAME_HEADERS, LEVEL_HEADERS, PARENT_HEADERS];

impl Store {
    /// The caller's subtree in tree order (parents before children).
    pub async fn list_grid(&self, actor: &Actor) -> Result<Vec<GridNode>> {
        let scope = actor.require::<Staff>()?;
        self.list_grid_in(scope).await
    }

    /// [`Store::list_grid`] within a scope the caller has already checked.
    pub(crate) async fn list_grid_in(&self, scope: &Scope) -> Result<Vec<GridNode>> {
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "SELECT {NODE_COLUMNS} FROM grid_nodes WHERE path >= $1 AND path < $2 ORDER BY path"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, GridNode>(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?
        }))
    }

    /// The grids (网格, the lowest level) of the caller's scope, by path: where residents are
    /// registered.
    pub async fn list_grid_cells(&self, actor: &Actor) -> Result<Vec<GridNode>> {
        let (lo, hi) = actor.require::<Staff>()?.bounds();
        let sql = format!(
            "SELECT {NODE_COLUMNS} FROM grid_nodes \
             WHERE path >= $1 AND path < $2 AND level = 'grid' ORDER BY path"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, GridNode>(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?
        }))
    }

    /// A node by code, or [`StoreError::NotFound`] when it is absent or outside `scope`:
    /// the caller cannot tell the two apart.
    pub async fn grid_node_by_code(&self, actor: &Actor, code: &str) -> Result<GridNode> {
        let scope = actor.require::<Staff>()?;
        self.grid_node_by_code_in(scope, code).await
    }

    /// [`Store::grid_node_by_code`] within a scope the caller has already checked.
    pub(crate) async fn grid_node_by_code_in(&self, scope: &Scope, code: &str) -> Result<GridNode> {
        // no stored code is long or holds a control character: such a value cannot name a
        // node, and it never reaches the database (PostgreSQL would refuse NUL unnamed)
        if code.chars().count() > wangge_domain::validate::text::CODE_MAX
            || code.chars().any(char::is_control)
        {
            return Err(StoreError::NotFound);
        }
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "SELECT {NODE_COLUMNS} FROM grid_nodes WHERE code = $1 AND path >= $2 AND path < $3"
        );
        on_pool!(self, pool => {
            sqlx::query_as::<_, GridNode>(&sql)
                .bind(code).bind(&lo).bind(&hi)
                .fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    pub async fn grid_node_by_id(&self, actor: &Actor, id: i64) -> Result<GridNode> {
        let scope = actor.require::<Staff>()?;
        self.grid_node_by_id_in(scope, id).await
    }

    /// [`Store::grid_node_by_id`] within a scope the caller has already checked.
    pub(crate) async fn grid_node_by_id_in(&self, scope: &Scope, id: i64) -> Result<GridNode> {
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "SELECT {NODE_COLUMNS} FROM grid_nodes WHERE id = $1 AND path >= $2 AND path < $3"
        );
        on_pool!(self, pool => {
            sqlx::query_as::<_, GridNode>(&sql)
                .bind(id).bind(&lo).bind(&hi)
                .fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// The ancestors of `node` the actor may see, root first (the crumbs above a node): one
    /// query, whatever the depth.
    pub async fn grid_ancestors(&self, actor: &Actor, node: &GridNode) -> Result<Vec<GridNode>> {
        let (lo, hi) = actor.require::<Staff>()?.bounds();
        // an ancestor's path is a proper prefix of the node's (paths are digits and '/')
        let sql = format!(
            "SELECT {NODE_COLUMNS} FROM grid_nodes WHERE path >= $1 AND path < $2 \
             AND $3 LIKE path || '%' AND path <> $3 ORDER BY path"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, GridNode>(&sql)
                .bind(&lo).bind(&hi).bind(&node.path)
                .fetch_all(pool).await?
        }))
    }

    /// The children of node `parent_id` the actor may see, in tree order.
    pub async fn grid_children(&self, actor: &Actor, parent_id: i64) -> Result<Vec<GridNode>> {
        let (lo, hi) = actor.require::<Staff>()?.bounds();
        let sql = format!(
            "SELECT {NODE_COLUMNS} FROM grid_nodes WHERE parent_id = $1 \
             AND path >= $2 AND path < $3 ORDER BY path"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, GridNode>(&sql)
                .bind(parent_id).bind(&lo).bind(&hi)
                .fetch_all(pool).await?
        }))
    }

    /// How many nodes the actor's subtree holds.
    pub async fn count_grid(&self, actor: &Actor) -> Result<i64> {
        let (lo, hi) = actor.require::<Staff>()?.bounds();
        let (n,): (i64,) = on_pool!(self, pool => {
            sqlx::query_as("SELECT COUNT(*) FROM grid_nodes WHERE path >= $1 AND path < $2")
                .bind(&lo).bind(&hi).fetch_one(pool).await?
        });
        Ok(n)
    }

    /// The communities and grids the public arrival form offers as destinations: the whole
    /// district, on purpose (grid nodes are not personal data, and a returnee may report for
    /// any of them).
    pub async fn public_destinations(&self) -> Result<Vec<GridNode>> {
        let sql = format!(
            "SELECT {NODE_COLUMNS} FROM grid_nodes WHERE level IN ('community', 'grid') ORDER BY path"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, GridNode>(&sql).fetch_all(pool).await?
        }))
    }

    /// The communities and grids of the caller's subtree in tree order: where a staff member
    /// may place an arrival report.
    pub async fn destinations(&self, actor: &Actor) -> Result<Vec<GridNode>> {
        let (lo, hi) = actor.require::<Staff>()?.bounds();
        let sql = format!(
            "SELECT {NODE_COLUMNS} FROM grid_nodes WHERE level IN ('community', 'grid') \
             AND path >= $1 AND path < $2 ORDER BY path"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, GridNode>(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?
        }))
    }

    /// Adds one node under a parent inside the actor's scope.
    pub async fn create_grid_node(&self, actor: &Actor, node: &NewGridNode) -> Result<GridNode> {
        let parent = match &node.parent_code {
            Some(code) => Some(
                self.grid_node_by_code_in(&actor.scope, code)
                    .await
                    .map_err(|e| match e {
                        StoreError::NotFound => {
                            StoreError::invalid("parent_code", format!("上级编码“{code}”不存在"))
                        }
                        other => other,
                    })?,
            ),
            None => None,
        };
        grid::validate_node(
            node.level,
            &node.code,
            &node.name,
            parent.as_ref().map(|p| (p.level, p.code.as_str())),
        )
        .map_err(|e| StoreError::invalid(field_of(&e), e.to_string()))?;
        let path = grid::child_path(parent.as_ref().map(|p| p.path.as_str()), &node.code);
        if !actor.scope.contains(&path) {
            return Err(StoreError::Forbidden("只能在本辖区内添加网格节点".into()));
        }
        let new = PlannedNode {
            code: node.code.clone(),
            name: wangge_domain::validate::normalize_typed(&node.name),
            level: node.level,
            parent: parent.map(|p| ParentRef::Existing(p.id)),
            path,
        };
        let mut created = self.insert_planned(actor, &[new]).await?;
        created
            .pop()
            .ok_or_else(|| StoreError::Internal("节点未创建".into()))
    }

    /// Imports a grid tree from CSV (`code,name,level,parent_code`, or the Chinese headers).
    /// Rows may come in any order; a parent may be in the file or already stored. Existing
    /// codes with the same parent and level are renamed if the name changed. All-or-nothing:
    /// any bad row refuses the whole file with a report naming each row and field.
    pub async fn import_grid_csv(
        &self,
        actor: &Actor,
        input: impl Read,
    ) -> Result<GridImportSummary> {
        let rows = parse_grid_csv(input)?;
        let existing: HashMap<String, GridNode> = self
            .list_grid_in(&Scope::everything())
            .await?
            .into_iter()
            .map(|n| (n.code.clone(), n))
            .collect();
        let plan = plan_import(&rows, &existing, &actor.scope)?;
        let summary = GridImportSummary {
            created: plan.create.len(),
            renamed: plan.rename.len(),
            unchanged: plan.unchanged,
        };
        self.insert_planned(actor, &plan.create).await?;
        for (node, new_name) in &plan.rename {
            self.rename_grid_node(actor, node, new_name).await?;
        }
        Ok(summary)
    }

    async fn rename_grid_node(&self, actor: &Actor, node: &GridNode, name: &str) -> Result<()> {
        let entry = AuditEntry::new("rename", "grid_node", &node.code)
            .at_node(&node.path)
            .before(serde_json::json!({ "name": node.name }))
            .after(serde_json::json!({ "name": name }));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE grid_nodes SET name = $1 WHERE id = $2")
                .bind(name).bind(node.id).execute(&mut *tx).await?;
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Inserts nodes (parents before children) in one transaction, with an audit entry each.
    async fn insert_planned(&self, actor: &Actor, nodes: &[PlannedNode]) -> Result<Vec<GridNode>> {
        let sql = format!(
            "INSERT INTO grid_nodes (code, name, level, parent_id, path, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {NODE_COLUMNS}"
        );
        let now = crate::now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut ids: HashMap<&str, i64> = HashMap::new();
            let mut out = Vec::with_capacity(nodes.len());
            for n in nodes {
                let parent_id = match &n.parent {
                    None => None,
                    Some(ParentRef::Existing(id)) => Some(*id),
                    Some(ParentRef::InFile(code)) => Some(*ids.get(code.as_str()).ok_or_else(|| {
                        StoreError::Internal(format!("parent {code} not inserted first"))
                    })?),
                };
                let row = sqlx::query_as::<_, GridNode>(&sql)
                    .bind(&n.code)
                    .bind(&n.name)
                    .bind(n.level.as_str())
                    .bind(parent_id)
                    .bind(&n.path)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                let entry = AuditEntry::new("create", "grid_node", &row.code)
                    .at_node(&row.path)
                    .after(&row);
                crate::audit::record(&mut *tx, actor, &entry).await?;
                ids.insert(n.code.as_str(), row.id);
                out.push(row);
            }
            tx.commit().await?;
            out
        }))
    }
}

/// Checks a grid CSV on its own, as if importing into an empty tree, without a database:
/// the per-row report an import would give, or the number of nodes it holds.
pub fn validate_grid_csv(input: impl Read) -> Result<usize> {
    let rows = parse_grid_csv(input)?;
    let plan = plan_import(&rows, &HashMap::new(), &Scope::everything())?;
    Ok(plan.create.len())
}

#[derive(Debug, Clone)]
enum ParentRef {
    Existing(i64),
    InFile(String),
}

#[derive(Debug, Clone)]
struct PlannedNode {
    code: String,
    name: String,
    level: Level,
    parent: Option<ParentRef>,
    path: String,
}

#[derive(Debug)]
struct CsvRow {
    line: u64,
    code: String,
    name: String,
    level: Result<Level, String>,
    parent_code: Option<String>,
}

struct ImportPlan {
    create: Vec<PlannedNode>,
    rename: Vec<(GridNode, String)>,
    unchanged: usize,
}

impl ImportPlan {
    /// What row `r`, placed at `path` under `parent`, does to `existing`, the stored node of
    /// its code if any: nothing, a rename, or a new node; a stored node elsewhere in the tree
    /// or at another level refuses it.
    fn add(
        &mut self,
        r: &CsvRow,
        existing: Option<&GridNode>,
        level: Level,
        parent: Option<ParentRef>,
        path: String,
    ) -> std::result::Result<(), String> {
        match existing {
            Some(n) if n.path == path && n.level == level => {
                if n.name == r.name {
                    self.unchanged += 1;
                } else {
                    self.rename.push((n.clone(), r.name.clone()));
                }
            }
            Some(_) => return Err(format!("编码“{}”已存在，但层级或上级不同", r.code)),
            None => self.create.push(PlannedNode {
                code: r.code.clone(),
                name: r.name.clone(),
                level,
                parent,
                path,
            }),
        }
        Ok(())
    }
}

fn field_of(e: &grid::GridError) -> &'static str {
    use grid::GridError::*;
    match e {
        UnknownLevel(_) => "level",
        CodeFormat { .. } | CodeNotUnderParent { .. } => "code",
        WrongParentLevel { .. } | DistrictWithParent | MissingParent(_) => "parent_code",
        EmptyName | NameTooLong | BadName(_) => "name",
    }
}

fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    headers.iter().position(|h| {
        let h = h.trim().trim_start_matches('\u{feff}');
        names.iter().any(|n| h.eq_ignore_ascii_case(n))
    })
}

fn parse_grid_csv(input: impl Read) -> Result<Vec<CsvRow>> {
    let bad = |row: u64, message: String| {
        StoreError::RowsRejected(vec![RowError {
            row,
            field: "header".into(),
            message,
        }])
    };
    let bad_file = |message: String| bad(1, message);
    // bounded: size, rows, columns and cell lengths (crate::limits)
    let (mut reader, headers) = TableCsv::open(input).map_err(|e| bad(e.row, e.message))?;
    let col = |names: &[&str]| {
        column(&headers, names)
            .ok_or_else(|| bad_file(format!("缺少列“{}”（或“{}”）", names[0], names[1])))
    };
    let [code, name, level, parent] = GRID_CSV_COLUMNS;
    let (c_code, c_name, c_level, c_parent) = (col(code)?, col(name)?, col(level)?, col(parent)?);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    while let Some((line, record)) = reader.next_row().map_err(|e| bad(e.row, e.message))? {
        if rows.len() + errors.len() >= MAX_GRID_ROWS {
            return Err(bad_file(format!("超过 {MAX_GRID_ROWS} 行上限，请分批导入")));
        }
        let record = match record {
            Ok(r) => r,
            Err(message) => {
                errors.push(RowError {
                    row: line,
                    field: "row".into(),
                    message: format!("无法解析：{message}"),
                });
                continue;
            }
        };
        let get = |i: usize| record.get(i).map_or("", |s| s.as_str()).trim().to_string();
        let parent = get(c_parent);
        rows.push(CsvRow {
            line,
            code: get(c_code),
            name: wangge_domain::validate::normalize_typed(&get(c_name)),
            level: get(c_level).parse::<Level>().map_err(|e| e.to_string()),
            parent_code: (!parent.is_empty()).then_some(parent),
        });
    }
    if !errors.is_empty() {
        return Err(StoreError::RowsRejected(errors));
    }
    if rows.is_empty() {
        return Err(bad_file("文件中没有数据行".into()));
    }
    Ok(rows)
}

/// A refusal for each row whose code an earlier row of the file already has.
fn duplicate_codes(rows: &[CsvRow]) -> Vec<RowError> {
    let mut errors = Vec::new();
    let mut seen: HashMap<&str, u64> = HashMap::new();
    for r in rows {
        if let Some(first) = seen.insert(r.code.as_str(), r.line) {
            errors.push(RowError {
                row: r.line,
                field: "code".into(),
                message: format!("编码“{}”与第{}行重复", r.code, first),
            });
        }
    }
    errors
}

/// The parent `code` of a row (its level, path, and where it comes from): a row of the file
/// placed before (parents come first), or else a stored node; otherwise why there is none.
fn parent_of(
    code: &str,
    placed: &HashMap<&str, (Level, String)>,
    existing: &HashMap<String, GridNode>,
    in_file: &HashMap<&str, &CsvRow>,
) -> std::result::Result<(Level, String, ParentRef), String> {
    if let Some((pl, pp)) = placed.get(code) {
        let parent_ref = match existing.get(code) {
            Some(n) => ParentRef::Existing(n.id),
            None => ParentRef::InFile(code.to_string()),
        };
        Ok((*pl, pp.clone(), parent_ref))
    } else if let Some(n) = existing.get(code) {
        Ok((n.level, n.path.clone(), ParentRef::Existing(n.id)))
    } else if in_file.contains_key(code) {
        Err(format!("上级编码“{code}”所在行有错误"))
    } else {
        Err(format!("上级编码“{code}”不存在（文件和系统中均未找到）"))
    }
}

/// Decides what each row does, resolving parents from the file and the stored tree.
fn plan_import(
    rows: &[CsvRow],
    existing: &HashMap<String, GridNode>,
    scope: &Scope,
) -> Result<ImportPlan> {
    let mut errors = duplicate_codes(rows);
    let in_file: HashMap<&str, &CsvRow> = rows.iter().map(|r| (r.code.as_str(), r)).collect();
    // parents before children: sort by level, and paths resolve in that order
    let mut ordered: Vec<&CsvRow> = rows.iter().collect();
    ordered.sort_by_key(|r| (r.level.clone().ok(), r.line));
    let mut paths: HashMap<&str, (Level, String)> = HashMap::new();
    let mut plan = ImportPlan {
        create: Vec::new(),
        rename: Vec::new(),
        unchanged: 0,
    };
    for r in ordered {
        let err = |field: &str, message: String| RowError {
            row: r.line,
            field: field.into(),
            message,
        };
        let level = match &r.level {
            Ok(l) => *l,
            Err(m) => {
                errors.push(err("level", m.clone()));
                continue;
            }
        };
        let parent = match &r.parent_code {
            None => None,
            Some(pc) => match parent_of(pc, &paths, existing, &in_file) {
                Ok(p) => Some(p),
                Err(message) => {
                    errors.push(err("parent_code", message));
                    continue;
                }
            },
        };
        if let Err(e) = grid::validate_node(
            level,
            &r.code,
            &r.name,
            parent
                .as_ref()
                .map(|(l, _, _)| (*l, r.parent_code.as_deref().unwrap_or(""))),
        ) {
            errors.push(err(field_of(&e), e.to_string()));
            continue;
        }
        let path = grid::child_path(parent.as_ref().map(|(_, p, _)| p.as_str()), &r.code);
        if !scope.contains(&path) {
            errors.push(err("code", format!("“{}”不在您的辖区内", r.code)));
            continue;
        }
        paths.insert(r.code.as_str(), (level, path.clone()));
        let parent = parent.map(|(_, _, p)| p);
        if let Err(message) = plan.add(r, existing.get(&r.code), level, parent, path) {
            errors.push(err("code", message));
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(StoreError::RowsRejected(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> RowError {
        match parse_grid_csv(text.as_bytes()) {
            Err(StoreError::RowsRejected(rows)) => rows[0].clone(),
            Err(e) => panic!("{e}"),
            Ok(rows) => panic!("accepted {} rows", rows.len()),
        }
    }

    #[test]
    fn hostile_files_are_refused_naming_the_limit() {
        let header = "code,name,level,parent_code\n";
        let e = refusal(&format!("{header}410105,{},district,\n", "x".repeat(5000)));
        assert!(e.message.contains("4096 字节") && e.row == 2, "{e:?}");
        let e = refusal(&format!("{header}{}\n", vec!["1"; 65].join(",")));
        assert!(e.message.contains("64 列"), "{e:?}");
        let e = refusal(&format!("{}\n", vec!["code"; 65].join(",")));
        assert!(e.message.contains("64 列") && e.row == 1, "{e:?}");
        let e = refusal(&format!("{header}\"{}", "x".repeat(1 << 20)));
        assert!(e.message.contains("64 KB"), "{e:?}");
        // a file past the size limit is refused without being read to its end
        let big = std::io::Read::chain(header.as_bytes(), std::io::repeat(b'\n'));
        match parse_grid_csv(big) {
            Err(StoreError::RowsRejected(rows)) => {
                assert!(rows[0].message.contains("16 MB"), "{rows:?}")
            }
            other => panic!("{other:?}"),
        }
    }
}
