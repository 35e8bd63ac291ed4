//! 演示区: a realistic demo district — 郑州市金水区 (410105) with 5 streets, 40 communities and 200
//! grids, one account per role, a resident register, risk areas and arrivals (see
//! `demo_arrivals`), push batches and checkpoints with scans (see `demo_push`). Created once;
//! later runs reuse it.

use std::fmt::Write;

use wangge_domain::grid::Level;
use wangge_domain::role::Role;
use wangge_domain::validate::make_valid;
use wangge_store::{Actor, NewResident, NewUser, Store, StoreError};

pub const PASSWORD: &str = "wangge-demo-2026";
const DISTRICT: (&str, &str) = ("410105", "金水区");

/// Streets (街道) of the demo district, each with eight communities.
const STREETS: [(&str, [&str; 8]); 5] = [
    (
        "经八路街道",
        [
            "纬五路社区",
            "经五路社区",
            "省委院社区",
            "红专路社区",
            "黄河路社区",
            "经七路社区",
            "纬二路社区",
            "经三路社区",
        ],
    ),
    (
        "花园路街道",
        [
            "农科路社区",
            "花园里社区",
            "国基路社区",
            "宏达社区",
            "新世纪社区",
            "丰庆里社区",
            "政七街社区",
            "黄河南社区",
        ],
    ),
    (
        "人民路街道",
        [
            "太康路社区",
            "银基社区",
            "杜岭街社区",
            "人民里社区",
            "顺河路社区",
            "金城社区",
            "北二七社区",
            "民主路社区",
        ],
    ),
    (
        "丰产路街道",
        [
            "文化路社区",
            "丰产里社区",
            "优胜南社区",
            "南阳新村社区",
            "北环路社区",
            "天明路社区",
            "索凌路社区",
            "园田社区",
        ],
    ),
    (
        "祭城路街道",
        [
            "祭城社区",
            "龙子湖社区",
            "姚桥村",
            "聂庄村",
            "贾岗村",
            "东赵村",
            "陈三桥村",
            "燕庄村",
        ],
    ),
];
const GRIDS_PER_COMMUNITY: usize = 5;
const RESIDENTS_PER_GRID: usize = 3;

const SURNAMES: &str = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎";
const GIVEN: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美淑惠珠翠雅芝玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷";

/// Demo logins: (username, description).
pub async fn ensure(store: &Store) -> Result<Vec<(String, String)>, StoreError> {
    let system = Actor::system("demo");
    if store.list_grid(&Actor::system("test")).await?.is_empty() {
        store
            .import_grid_csv(&system, grid_csv().as_bytes())
            .await?;
        for (username, display_name, role, node) in accounts() {
            let new = NewUser {
                username: username.into(),
                display_name: display_name.into(),
                role,
                node_code: node,
                password: PASSWORD.into(),
            };
            store.create_user(&system, &new).await?;
        }
        add_residents(store, &system).await?;
        let mut rng = Lcg(20211201);
        crate::demo_arrivals::add(store, &system, || person_name(&mut rng)).await?;
        crate::demo_push::add(store, &system).await?;
    }
    Ok(accounts()
        .into_iter()
        .map(|(u, name, role, node)| {
            (
                u.to_string(),
                format!("{name} · {} · {node}", role.label_zh()),
            )
        })
        .collect())
}

fn township_code(i: usize) -> String {
    format!("{}{:03}", DISTRICT.0, i + 1)
}

fn community_code(t: usize, c: usize) -> String {
    format!("{}{:03}", township_code(t), c + 1)
}

pub(crate) fn community_name(t: usize, c: usize) -> &'static str {
    STREETS
        .get(t)
        .and_then(|(_, cs)| cs.get(c))
        .copied()
        .unwrap_or("")
}

pub(crate) fn grid_code(t: usize, c: usize, g: usize) -> String {
    format!("{}{:03}", community_code(t, c), g + 1)
}

/// The demo tree as grid CSV (code,name,level,parent_code), also used by the benchmarks.
pub fn grid_csv() -> String {
    let mut csv = String::from("code,name,level,parent_code\n");
    let _ = writeln!(csv, "{},{},{},", DISTRICT.0, DISTRICT.1, Level::District);
    for (t, (street, communities)) in STREETS.iter().enumerate() {
        let _ = writeln!(
            csv,
            "{},{street},{},{}",
            township_code(t),
            Level::Township,
            DISTRICT.0
        );
        for (c, community) in communities.iter().enumerate() {
            let _ = writeln!(
                csv,
                "{},{community},{},{}",
                community_code(t, c),
                Level::Community,
                township_code(t)
            );
            for g in 0..GRIDS_PER_COMMUNITY {
                let name = format!("{community}第{}网格", ["一", "二", "三", "四", "五"][g]);
                let _ = writeln!(
                    csv,
                    "{},{name},{},{}",
                    grid_code(t, c, g),
                    Level::Grid,
                    community_code(t, c)
                );
            }
        }
    }
    csv
}

fn accounts() -> Vec<(&'static str, &'static str, Role, String)> {
    vec![
        (
            "admin",
            "区指挥部管理员",
            Role::DistrictAdmin,
            DISTRICT.0.to_string(),
        ),
        (
            "jingbalu",
            "经八路街道干部",
            Role::TownshipOfficer,
            township_code(0),
        ),
        (
            "weiwulu",
            "纬五路社区网格员",
            Role::GridWorker,
            community_code(0, 0),
        ),
        (
            "wangge1",
            "纬五路第一网格员",
            Role::GridWorker,
            grid_code(0, 0, 0),
        ),
        (
            "wangge2",
            "纬五路第二网格员",
            Role::GridWorker,
            grid_code(0, 0, 1),
        ),
        (
            "gongxinju",
            "区工信局经办人",
            Role::DepartmentHandler,
            DISTRICT.0.to_string(),
        ),
        (
            "qiye",
            "企业联系人",
            Role::EnterpriseContact,
            community_code(1, 2),
        ),
        (
            "kakou",
            "高速卡口操作员",
            Role::CheckpointOperator,
            township_code(4),
        ),
        (
            "jiance",
            "检测机构操作员",
            Role::LabOperator,
            DISTRICT.0.to_string(),
        ),
    ]
}

/// A small deterministic generator, so every demo district is the same.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick(&mut self, chars: &str) -> char {
        let n = chars.chars().count() as u64;
        chars
            .chars()
            .nth((self.next() % n) as usize)
            .unwrap_or('王')
    }
}

fn person_name(rng: &mut Lcg) -> String {
    let mut name = String::new();
    name.push(rng.pick(SURNAMES));
    name.push(rng.pick(GIVEN));
    if rng.next().is_multiple_of(2) {
        name.push(rng.pick(GIVEN));
    }
    name
}

async fn add_residents(store: &Store, actor: &Actor) -> Result<(), StoreError> {
    let mut rng = Lcg(20211228);
    for (t, (_, communities)) in STREETS.iter().enumerate() {
        for (c, community) in communities.iter().enumerate() {
            for g in 0..GRIDS_PER_COMMUNITY {
                for k in 0..RESIDENTS_PER_GRID {
                    let year = 1940 + rng.next() % 80;
                    let month = 1 + rng.next() % 12;
                    let day = 1 + rng.next() % 28;
                    let seq = rng.next() % 1000;
                    let prefix = format!("{}{year:04}{month:02}{day:02}{seq:03}", DISTRICT.0);
                    let name = person_name(&mut rng);
                    let new = NewResident {
                        id_number: make_valid(&prefix),
                        name,
                        phone: Some(format!("13{:09}", rng.next() % 1_000_000_000)),
                        node_code: grid_code(t, c, g),
                        address: format!(
                            "{community}{}号楼{}单元{}室",
                            g * 3 + k + 1,
                            1 + k,
                            101 + rng.next() % 20
                        ),
                    };
                    match store.create_resident(actor, &new).await {
                        // two generated people can share a number; the register keeps the first
                        Ok(_) | Err(StoreError::Conflict { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_tree_has_the_promised_size() {
        let csv = super::grid_csv();
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert_eq!(
            rows.iter().filter(|r| r.contains(",community,")).count(),
            40
        );
        assert_eq!(rows.iter().filter(|r| r.contains(",grid,")).count(), 200);
        assert_eq!(rows.iter().filter(|r| r.contains(",township,")).count(), 5);
    }

    /// The storage tests' tree is a part of this one, node for node, and their accounts are
    /// the demo's usernames with the demo's roles: a code, a name or a login means the same in
    /// the storage tests as in the HTTP tests (which serve the demo district).
    #[test]
    fn the_test_tree_is_a_part_of_the_demo_tree() {
        let demo = super::grid_csv();
        let demo: Vec<&str> = demo.lines().collect();
        for row in wangge_store::testing::TREE.lines() {
            assert!(
                demo.contains(&row),
                "test tree row {row:?} is not in the demo tree"
            );
        }
        let accounts = super::accounts();
        for (username, _, role, _) in wangge_store::testing::USERS {
            assert!(
                accounts
                    .iter()
                    .any(|(u, _, r, _)| *u == username && *r == role),
                "test account {username} ({role:?}) is not a demo account"
            );
        }
    }
}
