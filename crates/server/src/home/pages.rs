//! 工作台: the day's work first (待办), then what the user's scope holds at a glance; the pages of modules still to come; the
//! stylesheet and the health check.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::{HomeTexts, TEXTS};
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::pages::{render, Layout};
use crate::permission::{
    ArrivalHandler, CheckpointViewer, PushViewer, ResidentHandler, UserManager,
};
use crate::AppState;
use wangge_domain::arrival::Duty;
use wangge_store::pushlist::dashboard::RowPlace;

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    l: Layout,
    ht: &'static HomeTexts,
    today: chrono::NaiveDate,
    /// 待办: the day's work in the user's scope, each linking to its list
    todo: Vec<Todo>,
    /// below a township or the district: each child's uncleared and overdue push items
    children: Vec<ChildWork>,
    nodes: i64,
    users: Option<i64>,
    residents: Option<i64>,
}

/// One line of 待办: how many, and the list that shows them.
struct Todo {
    label: &'static str,
    count: i64,
    href: String,
    /// overdue or missed: shown in the alert colour when not zero
    urgent: bool,
}

/// A child node's open work (推送核查 未清零 and 超时), linking down.
struct ChildWork {
    name: String,
    code: String,
    open: i64,
    overdue: i64,
}

/// The day's work of `actor`: arrivals and measures of today's list, open and overdue push
/// items, unhandled alerts, as far as the role reaches them.
async fn todo(
    state: &AppState,
    user: &wangge_store::User,
    today: chrono::NaiveDate,
) -> PageResult<(Vec<Todo>, Vec<ChildWork>)> {
    let actor = user.actor();
    let t = &TEXTS;
    let mut todo = Vec::new();
    let mut children = Vec::new();
    if actor.may::<ArrivalHandler>() {
        let list = state.store.daily_list(&actor, today, today).await?;
        let count =
            |f: fn(&Duty) -> bool| list.iter().filter(|e| e.duties.iter().any(f)).count() as i64;
        let daily = format!("/daily?date={today}");
        todo.push(Todo {
            label: t.arrives_today,
            count: count(|d| matches!(d, Duty::Arrives)),
            href: format!("/arrivals?date={today}"),
            urgent: false,
        });
        for (label, f, urgent) in [
            (
                t.measures_start,
                (|d| matches!(d, Duty::Starts { .. })) as fn(&Duty) -> bool,
                false,
            ),
            (t.measures_end, |d| matches!(d, Duty::Ends { .. }), false),
            (t.tests_due, |d| matches!(d, Duty::Test), false),
            (
                t.missed_check_ins,
                |d| matches!(d, Duty::MissedCheckIn { .. }),
                true,
            ),
        ] {
            todo.push(Todo {
                label,
                count: count(f),
                href: daily.clone(),
                urgent,
            });
        }
    }
    if actor.may::<PushViewer>() {
        let node = state
            .store
            .grid_node_by_code(&actor, &user.node_code)
            .await?;
        let dash = state
            .store
            .push_dashboard(&actor, &node, None, wangge_store::now())
            .await?;
        todo.push(Todo {
            label: t.push_open,
            count: dash.totals.open(),
            href: "/pushlists/items".into(),
            urgent: false,
        });
        todo.push(Todo {
            label: t.push_overdue,
            count: dash.totals.overdue,
            href: "/pushlists/items?view=overdue".into(),
            urgent: true,
        });
        children = dash
            .rows
            .into_iter()
            .filter_map(|r| match r.place {
                RowPlace::Child { node } => Some(ChildWork {
                    name: node.name,
                    code: node.code,
                    open: r.totals.open(),
                    overdue: r.totals.overdue,
                }),
                _ => None,
            })
            .collect();
    }
    if actor.may::<CheckpointViewer>() {
        todo.push(Todo {
            label: t.alerts_open,
            count: state.store.count_open_alerts(&actor).await?,
            href: "/checkpoints/alerts?open=1".into(),
            urgent: true,
        });
    }
    Ok((todo, children))
}

pub async fn show(State(state): State<AppState>, user: PageUser) -> PageResult<Html<String>> {
    let actor = user.user.actor();
    let today = crate::today();
    let (todo, children) = todo(&state, &user.user, today).await?;
    let nodes = state.store.count_grid(&actor).await?;
    let users = match actor.may::<UserManager>() {
        true => Some(state.store.count_users(&actor).await?),
        false => None,
    };
    let residents = match actor.may::<ResidentHandler>() {
        true => Some(state.store.count_residents(&actor).await?),
        false => None,
    };
    render(&HomePage {
        l: Layout::new(user, "home"),
        ht: &TEXTS,
        today,
        todo,
        children,
        nodes,
        users,
        residents,
    })
}

#[derive(Template)]
#[template(path = "home/soon.html")]
struct SoonPage {
    l: Layout,
    title: &'static str,
}

/// A module still to come, by its key in the menu (one the user is not shown is not found).
pub async fn soon(user: PageUser, Path(module): Path<String>) -> PageResult<Html<String>> {
    let l = Layout::new(user, "");
    let title = l
        .nav()
        .into_iter()
        .find(|n| n.key == module)
        .map(|n| n.label)
        .ok_or(AppError::NotFound)?;
    render(&SoonPage { l, title })
}

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

pub async fn health(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}
