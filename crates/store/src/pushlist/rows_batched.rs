//! Writing a chunk of valid push-list rows on PostgreSQL: a few multi-row statements per
//! chunk (a round trip per row would dominate over the network). A statement may not touch
//! a row twice, so repeats inside the chunk are set aside and merged after the insert.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use sqlx::PgConnection;

use super::import::{RowCtx, Tally, ValidRow, WriteRows};
use crate::bulk::Placeholders;
use crate::people::sex_str;
use crate::{Result, StoreError};

const PH: Placeholders = Placeholders::Numbered;

impl WriteRows for PgConnection {
    async fn write_rows(
        &mut self,
        ctx: &RowCtx,
        rows: &[ValidRow],
        tally: &mut Tally,
    ) -> Result<()> {
        let (unique, repeats) = split_repeats(rows);
        let persons = upsert_persons(self, ctx, &unique).await?;
        let person_of = |r: &ValidRow| -> Result<i64> {
            persons
                .get(r.row.id_number.as_str())
                .copied()
                .ok_or_else(|| StoreError::Internal("person id missing after upsert".into()))
        };
        let opened = open_items(self, ctx, &unique, &person_of, &phones_of(rows)).await?;
        // (person, file row, the row's phone) of every row that merges into an open item
        let mut merges: Vec<Merge<'_>> = Vec::new();
        for r in &unique {
            let person = person_of(r)?;
            if let Some(&item) = opened.get(&person) {
                tally.created(r.node, item);
            } else {
                merges.push((person, r.line, row_phone(r)));
            }
        }
        for r in &repeats {
            merges.push((person_of(r)?, r.line, row_phone(r)));
        }
        if merges.is_empty() {
            return Ok(());
        }
        write_merges(self, ctx, &merges, tally).await
    }

    async fn write_grid(&mut self, batch_id: i64, pairs: &[(i64, Vec<i64>)]) -> Result<()> {
        for (node, items) in pairs {
            sqlx::query(
                "INSERT INTO push_item_grid (batch_id, node_key, item_id) \
                 SELECT $1, $2, UNNEST($3::BIGINT[])",
            )
            .bind(batch_id)
            .bind(*node)
            .bind(items)
            .execute(&mut *self)
            .await?;
        }
        Ok(())
    }
}

/// A row that merges into an open item: (person, file row, the row's phone).
type Merge<'a> = (i64, u64, Option<&'a str>);

fn row_phone(r: &ValidRow) -> Option<&str> {
    r.row.phone.as_ref().map(|m| m.as_str())
}

/// The first row of each ID number, and the repeats: a statement may not touch a row twice,
/// so there is one person record per ID number.
fn split_repeats(rows: &[ValidRow]) -> (Vec<&ValidRow>, Vec<&ValidRow>) {
    let mut first_of: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    let mut unique: Vec<&ValidRow> = Vec::with_capacity(rows.len());
    let mut repeats: Vec<&ValidRow> = Vec::new();
    for r in rows {
        match first_of.entry(r.row.id_number.as_str()) {
            Entry::Occupied(_) => repeats.push(r),
            Entry::Vacant(v) => {
                v.insert(unique.len());
                unique.push(r);
            }
        }
    }
    (unique, repeats)
}

/// The first phone given for each ID number: a repeated row may carry the phone the first one
/// lacked, merged, not lost.
fn phones_of(rows: &[ValidRow]) -> HashMap<&str, &str> {
    let mut phone_of: HashMap<&str, &str> = HashMap::new();
    for r in rows {
        if let Some(m) = &r.row.phone {
            phone_of
                .entry(r.row.id_number.as_str())
                .or_insert(m.as_str());
        }
    }
    phone_of
}

/// Upserts the persons of `unique` (identity only); their ids by ID number.
async fn upsert_persons(
    db: &mut PgConnection,
    ctx: &RowCtx,
    unique: &[&ValidRow],
) -> Result<HashMap<String, i64>> {
    // the no-op update makes RETURNING give the ids of known persons too
    let sql = format!(
        "INSERT INTO persons (id_number, birth_date, sex, created_at, updated_at) \
         VALUES {} ON CONFLICT (id_number) DO UPDATE SET updated_at = persons.updated_at \
         RETURNING id, id_number",
        PH.groups(unique.len(), 5, 1, "")
    );
    let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
    for r in unique {
        let p = &r.row;
        q = q
            .bind(p.id_number.as_str())
            .bind(p.id_number.birth_date())
            .bind(sex_str(p.id_number.sex()))
            .bind(ctx.now)
            .bind(ctx.now);
    }
    Ok(q.fetch_all(db)
        .await?
        .into_iter()
        .map(|(id, n)| (n, id))
        .collect())
}

/// Opens an item for each row of `unique` whose person has none open; the items opened, by
/// person. A row whose person got none merges into the item opened by an earlier chunk of
/// this file or an earlier batch.
async fn open_items(
    db: &mut PgConnection,
    ctx: &RowCtx,
    unique: &[&ValidRow],
    person_of: &impl Fn(&ValidRow) -> Result<i64>,
    phone_of: &HashMap<&str, &str>,
) -> Result<HashMap<i64, i64>> {
    let sql = format!(
        "INSERT INTO push_items (batch_id, person_id, node_id, row_no, origin, \
         arrived_at, address, note, name, phone, updated_at, state) VALUES {} \
         ON CONFLICT (person_id) WHERE state IN ('pending', 'reached') DO NOTHING \
         RETURNING person_id, id",
        PH.groups(unique.len(), 11, 1, ", 'pending'")
    );
    let mut q = sqlx::query_as::<_, (i64, i64)>(&sql);
    for r in unique {
        let p = &r.row;
        q = q
            .bind(ctx.batch_id)
            .bind(person_of(r)?)
            .bind(r.node)
            .bind(r.line as i64)
            .bind(&p.origin)
            .bind(p.arrived_at)
            .bind(&p.address)
            .bind(&p.note)
            .bind(&p.name)
            .bind(phone_of.get(p.id_number.as_str()).copied())
            .bind(ctx.now);
    }
    Ok(q.fetch_all(db).await?.into_iter().collect())
}

/// Records each merging row against its person's open item, and gives an item without a
/// phone the first phone a merged row carries.
async fn write_merges(
    db: &mut PgConnection,
    ctx: &RowCtx,
    merges: &[Merge<'_>],
    tally: &mut Tally,
) -> Result<()> {
    let wanted: Vec<i64> = merges
        .iter()
        .map(|m| m.0)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let sql = format!(
        "SELECT person_id, id FROM push_items \
         WHERE state IN ('pending', 'reached') AND person_id IN ({})",
        PH.list(wanted.len(), 1)
    );
    let mut q = sqlx::query_as::<_, (i64, i64)>(&sql);
    for p in &wanted {
        q = q.bind(*p);
    }
    let open: HashMap<i64, i64> = q.fetch_all(&mut *db).await?.into_iter().collect();
    let sql = format!(
        "INSERT INTO push_merges (batch_id, item_id, row_no) VALUES {}",
        PH.groups(merges.len(), 3, 1, "")
    );
    let mut q = sqlx::query(&sql);
    // a merged row may carry the phone its item (of an earlier chunk or batch) lacked
    let mut fills: HashMap<i64, &str> = HashMap::new();
    for (person, line, phone) in merges {
        let item = open
            .get(person)
            .copied()
            .ok_or_else(|| StoreError::Internal("open item missing for a merged row".into()))?;
        q = q.bind(ctx.batch_id).bind(item).bind(*line as i64);
        if let Some(phone) = phone {
            fills.entry(item).or_insert(phone);
        }
        tally.merged();
    }
    q.execute(&mut *db).await?;
    if !fills.is_empty() {
        let (items, phones): (Vec<i64>, Vec<&str>) = fills.into_iter().unzip();
        sqlx::query(
            "UPDATE push_items i SET phone = f.phone \
             FROM UNNEST($1::BIGINT[], $2::TEXT[]) AS f (id, phone) \
             WHERE i.id = f.id AND i.phone IS NULL",
        )
        .bind(&items)
        .bind(&phones)
        .execute(db)
        .await?;
    }
    Ok(())
}
