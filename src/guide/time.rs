//! XMLTV times (`YYYYMMDDhhmmss +hhmm`) and the tvg-shift correction.
//!
//! The DTD allows the trailing fields to be left out and the zone to be an
//! offset or a name; the XMLTV project's own test guides use `BST`, so the
//! common European and North American abbreviations are understood. A time
//! without a zone is UTC, as the DTD says.

/// Zone abbreviations seen in real guides, with their offset in minutes east of UTC.
const ZONES: &[(&str, i64)] = &[
    ("UTC", 0),
    ("UT", 0),
    ("GMT", 0),
    ("Z", 0),
    ("WET", 0),
    ("BST", 60),
    ("IST", 60),
    ("WEST", 60),
    ("CET", 60),
    ("MET", 60),
    ("CEST", 120),
    ("MEST", 120),
    ("EET", 120),
    ("EEST", 180),
    ("MSK", 180),
    ("AST", -240),
    ("ADT", -180),
    ("EST", -300),
    ("EDT", -240),
    ("CST", -360),
    ("CDT", -300),
    ("MST", -420),
    ("MDT", -360),
    ("PST", -480),
    ("PDT", -420),
];

/// Parses an XMLTV time (`YYYYMMDDhhmmss +hhmm`, trailing fields optional)
/// into Unix seconds (UTC).
pub fn parse_xmltv_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let digits_len = s.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, zone) = (&s[..digits_len], s[digits_len..].trim());
    if !(8..=14).contains(&digits.len()) || digits.len() % 2 != 0 {
        return None;
    }
    // Field by field rather than chrono's format parser: a big guide has
    // 400,000 of these, and the format string's parsing showed in profiles.
    let field = |at: usize, len: usize| -> Option<u32> {
        if at >= digits.len() {
            return Some(0);
        }
        digits.get(at..at + len)?.parse().ok()
    };
    let date = chrono::NaiveDate::from_ymd_opt(field(0, 4)? as i32, field(4, 2)?, field(6, 2)?)?;
    let naive = date.and_hms_opt(field(8, 2)?, field(10, 2)?, field(12, 2)?)?;
    let offset_minutes = zone_offset(zone)?;
    naive.and_utc().timestamp().checked_sub(offset_minutes * 60)
}

/// Minutes east of UTC for `+hhmm`, `-hh:mm`, `+hh`, a known abbreviation or nothing.
fn zone_offset(zone: &str) -> Option<i64> {
    if zone.is_empty() {
        return Some(0);
    }
    if let Some(sign) = zone
        .strip_prefix('+')
        .map(|r| (1, r))
        .or_else(|| zone.strip_prefix('-').map(|r| (-1, r)))
    {
        let (sign, rest) = sign;
        let digits: String = rest.chars().filter(|c| *c != ':').collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) || !(digits.len() == 2 || digits.len() == 4)
        {
            return None;
        }
        let hours: i64 = digits[..2].parse().ok()?;
        let minutes: i64 = if digits.len() == 4 {
            digits[2..].parse().ok()?
        } else {
            0
        };
        if hours > 14 || minutes > 59 {
            return None;
        }
        return Some(sign * (hours * 60 + minutes));
    }
    ZONES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(zone))
        .map(|(_, minutes)| *minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_offsets_and_zone_names_become_utc_seconds() {
        let noon_utc = Some(1767268800); // 2026-01-01 12:00:00 UTC
        let cases: &[(&str, Option<i64>)] = &[
            ("20260101120000", noon_utc),
            ("20260101120000 +0000", noon_utc),
            ("20260101130000 +0100", noon_utc),
            ("20260101130000 +01:00", noon_utc),
            ("20260101070000 -0500", noon_utc),
            ("20260101130000 BST", noon_utc),
            ("20260101120000 GMT", noon_utc),
            ("20260101140000 CEST", noon_utc),
            ("202601011200", noon_utc),
            ("2026010112", noon_utc),
            ("20260101", Some(1767225600)),
            ("  20260101120000  ", noon_utc),
            ("20260101120000 XYZ", None),
            ("20260101120000 +2500", None),
            ("202601011", None),
            ("20261301120000", None),
            ("nonsense", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_xmltv_time(text), *expected, "{text:?}");
        }
    }
}
