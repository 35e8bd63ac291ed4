//! `GET /api/v1/regions`: divisions by name, for anyone (no login), rate limited per client.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use wangge_domain::region::{self, Region};
use wangge_domain::validate::{number, text};

use crate::api::ErrorBody;
use crate::error::{ApiResult, AppError};
use crate::params::ApiQuery;
use crate::ratelimit::ClientIp;
use crate::AppState;

/// Suggestions given when `limit` is absent.
const DEFAULT_LIMIT: i64 = 10;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct RegionQuery {
    /// 地区名称或其一部分（“西安”“雁塔”“西安 雁塔”），也可以是代码的前几位；1–64 个字符
    #[param(required = true, example = "西安")]
    q: String,
    /// 最多返回几条，1–50，默认 10
    limit: Option<i64>,
}

/// 一个行政区划。
#[derive(Serialize, utoipa::ToSchema)]
pub struct RegionJson {
    /// 区划代码：省、市、区县六位（GB/T 2260），乡镇/街道九位
    #[schema(example = "610113")]
    code: &'static str,
    /// 名称
    #[schema(example = "雁塔区")]
    name: &'static str,
    /// 全称，乡镇/街道与区县之间空一格
    #[schema(example = "陕西省西安市雁塔区")]
    full_name: String,
    /// province, city, county, street
    #[schema(example = "county")]
    level: &'static str,
    /// 省级、地级、县级、乡级
    #[schema(example = "县级")]
    level_label: &'static str,
    /// 作为地点填写时的写法（来源地、旅居史、风险地区）：区县、地级为六位代码，乡镇/街道为
    /// “区县代码 名称”；省级不能作为地点，为空
    #[schema(example = "610113")]
    place: Option<String>,
}

impl From<&Region> for RegionJson {
    fn from(r: &Region) -> Self {
        RegionJson {
            code: r.code(),
            name: r.name(),
            full_name: r.full_name().to_string(),
            level: r.level().as_str(),
            level_label: r.level().label_zh(),
            place: r.place_value(),
        }
    }
}

/// The search term: required, one line, at most `QUERY_MAX_CHARS` characters.
fn query_term(q: &str) -> Result<String, AppError> {
    Ok(text::required(
        "q",
        "查找的地区名称（q）",
        q,
        region::QUERY_MAX_CHARS,
    )?)
}

/// 按名称查行政区划：名称完全相同的在前，其次以查询词开头、含查询词、全称含查询词的；
/// 完全相同的省、市后面紧跟其下一级（“西安”→ 陕西省西安市，然后是它的各区县）。不需登录，
/// 按客户端地址限流（超出时 429，带 Retry-After）。
#[utoipa::path(get, path = "/regions", tag = "regions", security(()), params(RegionQuery), responses((status = 200, description = "找到的区划，最多 limit 条（没有时为空数组）", body = Vec<RegionJson>), (status = 429, description = "查询过于频繁（响应带 Retry-After）", body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiQuery(q): ApiQuery<RegionQuery>,
) -> ApiResult<Response> {
    if let Err(wait) = state.regions_limiter.check(ip) {
        return Ok(crate::error::too_many_api(wait));
    }
    let term = query_term(&q.q)?;
    let max = region::SEARCH_MAX as i64;
    let limit = number::in_range("limit", "条数", q.limit.unwrap_or(DEFAULT_LIMIT), 1..=max)?;
    let found: Vec<RegionJson> = region::search(&term, limit as usize)
        .into_iter()
        .map(RegionJson::from)
        .collect();
    Ok(Json(found).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_term_is_required_and_bounded() {
        let e = query_term("  ").unwrap_err();
        assert!(
            matches!(&e, AppError::Invalid { field, .. } if field == "q"),
            "{e:?}"
        );
        assert!(e.message().contains("不能为空") && e.message().contains("q"));
        let e = query_term(&"西".repeat(65)).unwrap_err();
        assert!(e.message().contains("过长"), "{}", e.message());
        assert!(query_term("a\u{7}b").is_err());
        assert_eq!(query_term(" 西安 ").unwrap(), "西安");
    }
}
