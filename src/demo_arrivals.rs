//! The demo district's arrivals (来返报备) and risk areas, dated relative to today in
//! Asia/Shanghai so that the daily list always has people on it: arrivals over the past two
//! weeks (under measures, some with a missed check-in yesterday, some released), today,
//! tomorrow and the days after (reported, one no-show).

use chrono::{Days, NaiveDate};
use wangge_domain::arrival::ArrivalStatus;
use wangge_domain::policy::{RiskArea, RiskLevel};
use wangge_domain::validate::make_valid;
use wangge_store::{Actor, Channel, NewArrival, NewCheckIn, NewStay, Store, StoreError};

/// (code, street, name, level, from days before today, until days after today)
type DemoArea = (
    &'static str,
    Option<&'static str>,
    &'static str,
    RiskLevel,
    u64,
    Option<u64>,
);

const AREAS: [DemoArea; 4] = [
    (
        "610113",
        Some("电子城街道"),
        "西安市雁塔区电子城街道",
        RiskLevel::High,
        20,
        Some(30),
    ),
    ("610112", None, "西安市未央区", RiskLevel::Medium, 15, None),
    (
        "330206",
        None,
        "宁波市北仑区",
        RiskLevel::Medium,
        10,
        Some(10),
    ),
    (
        "110105",
        Some("三里屯街道"),
        "北京市朝阳区三里屯街道",
        RiskLevel::Low,
        5,
        None,
    ),
];

/// One kind of arrival: origin, port quarantine days (overseas), a stay in the last 14 days
/// (days before arrival, place), occupation.
struct Profile {
    origin: &'static str,
    overseas: Option<i64>,
    stay: Option<(u64, &'static str)>,
    occupation: &'static str,
}

const PROFILES: [Profile; 9] = [
    Profile {
        origin: "110105",
        overseas: None,
        stay: None,
        occupation: "软件工程师",
    },
    Profile {
        origin: "310104",
        overseas: None,
        stay: None,
        occupation: "销售",
    },
    Profile {
        origin: "610113 电子城街道",
        overseas: None,
        stay: None,
        occupation: "学生",
    },
    Profile {
        origin: "610112",
        overseas: None,
        stay: None,
        occupation: "个体经营",
    },
    Profile {
        origin: "610104",
        overseas: None,
        stay: None,
        occupation: "教师",
    },
    Profile {
        origin: "440305",
        overseas: None,
        stay: Some((6, "330203")),
        occupation: "外贸",
    },
    Profile {
        origin: "美国纽约",
        overseas: Some(14),
        stay: None,
        occupation: "留学生",
    },
    Profile {
        origin: "日本东京",
        overseas: Some(21),
        stay: None,
        occupation: "工程师",
    },
    Profile {
        origin: "410102",
        overseas: None,
        stay: None,
        occupation: "快递和外卖配送人员",
    },
];

/// Days relative to today of each demo arrival; the profile cycles.
const OFFSETS: [i64; 36] = [
    -13, -12, -11, -10, -9, -8, -8, -7, -6, -5, -5, -4, -3, -3, -2, -2, -1, -1, 0, 0, 0, 0, 0, 1,
    1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10,
];

/// Grids (community, grid) the arrivals go to: mostly 纬五路社区, whose workers are demo logins.
const GRIDS: [(usize, usize, usize); 6] = [
    (0, 0, 0),
    (0, 0, 1),
    (0, 0, 0),
    (0, 0, 2),
    (1, 2, 0),
    (3, 1, 4),
];

fn shift(today: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        today + Days::new(days.unsigned_abs())
    } else {
        today - Days::new(days.unsigned_abs())
    }
}

pub async fn add(
    store: &Store,
    actor: &Actor,
    mut name: impl FnMut() -> String,
) -> Result<(), StoreError> {
    let today = wangge_server::today();
    for (code, street, area_name, level, from, until) in AREAS {
        let area = RiskArea {
            code: code.into(),
            street: street.map(Into::into),
            name: area_name.into(),
            level,
            valid_from: today - Days::new(from),
            valid_until: until.map(|u| today + Days::new(u)),
        };
        store.create_risk_area(actor, &area).await?;
    }
    for (i, &offset) in OFFSETS.iter().enumerate() {
        let p = &PROFILES[i % PROFILES.len()];
        let (t, c, g) = GRIDS[i % GRIDS.len()];
        let arrival = shift(today, offset);
        let id_area = p
            .origin
            .get(..6)
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or("410105");
        let prefix = format!(
            "{id_area}{:04}{:02}{:02}{:03}",
            1960 + i * 11 % 45,
            1 + i % 12,
            1 + i % 28,
            100 + i
        );
        let mut new = NewArrival {
            id_number: make_valid(&prefix),
            name: name(),
            phone: format!("139{:08}", 37_000_000 + i * 7919),
            origin: p.origin.into(),
            overseas_quarantined_days: p.overseas,
            travel: p
                .stay
                .map(|(before, place)| NewStay {
                    date: (arrival - Days::new(before)).to_string(),
                    place: place.into(),
                })
                .into_iter()
                .collect(),
            occupation: p.occupation.into(),
            key_industry: false,
            arrival_date: arrival.to_string(),
            destination: format!(
                "{}{}号楼{}单元",
                crate::demo::community_name(t, c),
                1 + i % 9,
                1 + i % 3
            ),
            node_code: Some(crate::demo::grid_code(t, c, g)),
            employer: ["金水区某科技公司", "", "郑州某贸易公司", "某快递网点"][i % 4].into(),
        };
        // most reported four days ahead; every seventh one only the day before (迟报)
        let ahead = if i % 7 == 3 { 1 } else { 4 };
        let reported_on = shift(today, offset.min(0)) - Days::new(ahead);
        let channel = if i % 3 == 0 {
            Channel::Staff
        } else {
            Channel::Public
        };
        new.travel.retain(|s| !s.date.is_empty());
        let public = Actor::public_reporter("demo");
        let by = if channel == Channel::Public {
            &public
        } else {
            actor
        };
        let a = store.create_arrival(by, channel, &new, reported_on).await?;
        settle(store, actor, a, today, i).await?;
    }
    Ok(())
}

/// Moves a past arrival through the statuses it would have reached by today, with check-ins.
async fn settle(
    store: &Store,
    actor: &Actor,
    a: wangge_store::Arrival,
    today: NaiveDate,
    i: usize,
) -> Result<(), StoreError> {
    use ArrivalStatus::*;
    if a.arrival_date > today {
        if i == OFFSETS.len() - 1 {
            store
                .set_arrival_status(actor, a.id, NoShow, "行程取消", today)
                .await?;
        }
        return Ok(());
    }
    // a few of today's arrivals are not in yet
    if a.arrival_date == today && i.is_multiple_of(2) {
        return Ok(());
    }
    store
        .set_arrival_status(actor, a.id, Arrived, "", a.arrival_date)
        .await?;
    let Some(end) = a.plan.end() else {
        store
            .set_arrival_status(actor, a.id, Released, "无须管控", a.arrival_date)
            .await?;
        return Ok(());
    };
    store
        .set_arrival_status(actor, a.id, UnderMeasures, "", a.arrival_date)
        .await?;
    // the last three days' check-ins; every third person forgot yesterday's
    for back in 1..=3u64 {
        let day = today - Days::new(back);
        if day < a.arrival_date || day > end || (back == 1 && i % 3 == 1) {
            continue;
        }
        let ci = NewCheckIn {
            date: day.to_string(),
            temperature: Some(36.2 + (i % 5) as f64 / 10.0),
            note: String::new(),
        };
        store.add_check_in(actor, a.id, &ci, today).await?;
    }
    if end < today {
        store
            .set_arrival_status(actor, a.id, Released, "措施期满", today)
            .await?;
    }
    Ok(())
}
