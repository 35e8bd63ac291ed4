//! 地点给人看的写法: every page and export shows a place by its name, never by the bare code it
//! is stored as. One helper for all of them (templates call `crate::places::…`, exports the
//! same functions), built on the domain's own rules (`Place::display_name`, `region`): a code
//! the divisions data knows becomes its full name (“陕西省西安市雁塔区 电子城街道”), anything else
//! is shown as it was written. Exports put the code beside the name (the 地区代码 column), so a
//! spreadsheet keeps what a machine reads.

use wangge_domain::arrival::{Origin, Place};
use wangge_domain::region;

/// The heading of the code column beside a place in exports.
pub const CODE_COLUMN: &str = "地区代码";

/// 来源地: the full name and street at home, the country and days of quarantine from abroad.
pub fn origin(o: &Origin) -> String {
    o.display_name()
}

/// The region code of an origin (empty from abroad), for the code column.
pub fn origin_code(o: &Origin) -> String {
    o.place().map(|p| p.code.clone()).unwrap_or_default()
}

/// A place of the travel history (or any stored place).
pub fn place(p: &Place) -> String {
    p.display_name()
}

/// A place as text from elsewhere (a push list's 来源地): beginning with a known code it is the
/// full name (“610113” → “陕西省西安市雁塔区”), otherwise as written.
pub fn text(t: &str) -> String {
    Place::display_text(t).unwrap_or_else(|| t.to_string())
}

/// The code a place written as text begins with, when the divisions data knows it (else empty).
pub fn text_code(t: &str) -> String {
    match Place::parse_code(t) {
        Ok(p) if p.region_name().is_some() => p.code,
        _ => String::new(),
    }
}

/// A division by its code (a risk area's, a place's): its full name, or the code when the
/// divisions data does not know it.
pub fn division(code: &str) -> String {
    region::full_name(code).unwrap_or(code).to_string()
}

/// Where a grid node lies, by the divisions its code begins with (a district's or street's own
/// code, or a community's street): “河南省郑州市金水区 经八路街道”; `None` when none is known.
pub fn node_region(code: &str) -> Option<&'static str> {
    [9, 6]
        .into_iter()
        .filter_map(|n| code.get(..n))
        .find_map(region::full_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_not_codes() {
        let o = Origin::Domestic {
            place: Place::parse("610113 电子城街道").unwrap(),
        };
        assert_eq!(origin(&o), "陕西省西安市雁塔区 电子城街道");
        assert_eq!(origin_code(&o), "610113");
        let abroad = Origin::Overseas {
            from: "新加坡".into(),
            port_quarantined_days: 14,
        };
        assert_eq!(origin_code(&abroad), "");
        assert!(origin(&abroad).contains("新加坡"));
        assert_eq!(text("110105"), "北京市朝阳区");
        assert_eq!(text_code("110105 三里屯街道"), "110105");
        assert_eq!(text("北京朝阳"), "北京朝阳");
        assert_eq!(text_code("北京朝阳"), "");
        assert_eq!(text_code("119999"), "", "a code the data does not know");
        assert_eq!(
            node_region("410105001001001"),
            Some("河南省郑州市金水区 经八路街道")
        );
        assert_eq!(node_region("410105"), Some("河南省郑州市金水区"));
        assert_eq!(node_region("x"), None);
        assert_eq!(division("610113"), "陕西省西安市雁塔区");
        assert_eq!(division("119999"), "119999");
    }
}
