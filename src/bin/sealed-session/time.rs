//! RFC 3339 timestamps to the second: formatting, and a strict parser for
//! `inspect --at` and `--not-before` (no date library needed for either).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// RFC 3339 in UTC, to the second (`2026-11-22T15:04:05Z`).
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Days to a civil date (H. Hinnant, "chrono-Compatible Low-Level Date
    // Algorithms", civil_from_days), for days >= 0.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// RFC 3339 of Unix seconds, or `None` past 9999-12-31T23:59:59Z (the
/// last moment a four-digit year holds; a payload may say 2^64 - 1).
pub(crate) fn rfc3339_secs(secs: u64) -> Option<String> {
    (secs <= 253_402_300_799).then(|| rfc3339(UNIX_EPOCH + Duration::from_secs(secs)))
}

/// Parses a moment: Unix seconds (`1764374400`), or RFC 3339
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` (`T` and `Z` in either
/// case; a fraction is truncated). Refuses anything else, including leap
/// seconds (`:60`), dates that do not exist and moments before 1970.
pub(crate) fn parse_time(text: &str) -> Result<SystemTime, String> {
    let secs = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse::<u64>().map_err(|_| "out of range".to_owned())?
    } else {
        parse_rfc3339(text)?
    };
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .ok_or_else(|| "out of range".to_owned())
}

fn parse_rfc3339(text: &str) -> Result<u64, String> {
    const EXPECTED: &str = "expected Unix seconds or RFC 3339 (2026-11-29T01:30:00Z)";
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Result<u64, String> {
        let digits = b.get(range).ok_or(EXPECTED)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(EXPECTED.to_owned());
        }
        digits
            .iter()
            .try_fold(0u64, |n, d| {
                n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            })
            .ok_or_else(|| EXPECTED.to_owned())
    };
    let punct = |at: usize, want: &[u8]| b.get(at).is_some_and(|c| want.contains(c));
    if !(punct(4, b"-") && punct(7, b"-") && punct(10, b"Tt") && punct(13, b":") && punct(16, b":"))
    {
        return Err(EXPECTED.to_owned());
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut at = 19;
    if punct(at, b".") {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return Err(EXPECTED.to_owned());
        }
    }
    let offset: i64 = match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if at + 6 == b.len() && punct(at + 3, b":") => {
            let (h, m) = (num(at + 1..at + 3)?, num(at + 4..at + 6)?);
            if h > 23 || m > 59 {
                return Err("offset out of range".to_owned());
            }
            let secs = i64::try_from(h * 3600 + m * 60).map_err(|_| EXPECTED)?;
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return Err(EXPECTED.to_owned()),
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let valid_day = usize::try_from(month)
        .ok()
        .and_then(|m| m.checked_sub(1))
        .and_then(|m| month_days.get(m))
        .is_some_and(|&last| (1..=last).contains(&day));
    if !valid_day || hour > 23 || minute > 59 || second > 59 {
        return Err("no such date or time (leap seconds are refused)".to_owned());
    }
    // Civil date to days since 1970-01-01 (Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = i64::try_from(era * 146_097 + doe).map_err(|_| EXPECTED)? - 719_468;
    let local =
        days * 86_400 + i64::try_from(hour * 3600 + minute * 60 + second).map_err(|_| EXPECTED)?;
    u64::try_from(local - offset).map_err(|_| "before 1970".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        let at = |s| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn inspect_at_parses_unix_seconds_and_rfc3339() {
        let secs = |t: &str| parse_time(t).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs());
        assert_eq!(secs("0"), Ok(0));
        assert_eq!(secs("1700000000"), Ok(1_700_000_000));
        assert_eq!(secs("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(secs("2023-11-14T22:13:20Z"), Ok(1_700_000_000));
        assert_eq!(secs("2023-11-14t22:13:20z"), Ok(1_700_000_000));
        assert_eq!(secs("2023-11-14T22:13:20.999Z"), Ok(1_700_000_000));
        assert_eq!(secs("2023-11-15T00:13:20+02:00"), Ok(1_700_000_000));
        assert_eq!(secs("2023-11-14T17:13:20-05:00"), Ok(1_700_000_000));
        assert_eq!(secs("2000-02-29T00:00:00Z"), Ok(951_782_400));
        assert_eq!(secs("2099-12-31T23:59:59Z"), Ok(4_102_444_799));
        // Round trip with the formatter over a spread of instants.
        for s in (0..4_102_444_800u64).step_by(7_919_993) {
            assert_eq!(secs(&rfc3339(UNIX_EPOCH + Duration::from_secs(s))), Ok(s));
        }
        for bad in [
            "",
            "-1",
            "1e9",
            "2023-11-14",
            "2023-11-14 22:13:20Z",
            "2023-11-14T22:13:20",
            "2023-11-14T22:13Z",
            "2023-11-14T22:13:20.Z",
            "2023-11-14T22:13:20+0200",
            "2023-11-14T22:13:20+24:00",
            "2023-11-14T22:13:20Z ",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "2023-00-10T00:00:00Z",
            "2023-11-31T00:00:00Z",
            "2023-11-14T24:00:00Z",
            "2016-12-31T23:59:60Z",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:00:00+00:01",
            "２023-11-14T22:13:20Z",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?} parsed");
        }
    }
}
