//! Units, written once: byte sizes and durations, parsed from settings (`512MiB`, `1h30m`) and printed
//! for people (`12.5 MB`, `1:02:03.4`), and the one wall-clock read in Unix seconds. A leaf: pure
//! functions, no settings, no I/O.

/// Human-readable byte count: `12.5 MB` (SI, as the design document's /stats shows).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `1:02:03.4` / `2:03.4` style duration.
pub fn human_duration(secs: f64) -> String {
    let total = secs.max(0.0);
    let h = (total / 3600.0).floor() as u64;
    let m = ((total % 3600.0) / 60.0).floor() as u64;
    let s = total % 60.0;
    if h > 0 {
        format!("{h}:{m:02}:{s:04.1}")
    } else {
        format!("{m}:{s:04.1}")
    }
}

/// `1048576`, `64KiB`, `1.5GiB`, `10MB`, `4k`: binary suffixes (K/KiB = 1024), SI for `kB/MB/GB`.
pub fn parse_size(raw: &str) -> Option<u64> {
    let s = raw.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let value: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim() {
        "" | "B" | "b" => 1.0,
        "k" | "K" | "KiB" | "kiB" => 1024.0,
        "M" | "m" | "MiB" => 1024.0 * 1024.0,
        "G" | "g" | "GiB" => 1024.0 * 1024.0 * 1024.0,
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => return None,
    };
    let bytes = value * mult;
    (bytes.is_finite() && (0.0..1.8e19).contains(&bytes)).then_some(bytes as u64)
}

/// A duration in seconds: a number with a unit (`90s`, `15m`, `1h`, `7d`, `2w`), or several (`1h30m`).
/// A bare number is seconds.
pub fn parse_duration(raw: &str) -> Result<u64, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map_err(|_| format!("{s:?} is too large"));
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(format!("{s:?}: unknown unit {c:?}; use s, m, h, d or w (e.g. 1h30m)")),
        };
        let n: u64 = digits.parse().map_err(|_| format!("{s:?}: expected a number before {c:?}"))?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(|| format!("{s:?} is too large"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("{s:?}: a number without a unit at the end; use e.g. 1h30m"));
    }
    Ok(total)
}

/// A whole number of seconds as `1d 1h 1m 1s`, leaving out zero units (`0s` for none).
pub fn human_secs(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (s, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if parts.is_empty() {
        "0s".to_owned()
    } else {
        parts.join(" ")
    }
}

/// The current time in Unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_uses_si_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(12_500_000), "12.5 MB");
    }

    #[test]
    fn human_duration_shows_hours_only_when_needed() {
        assert_eq!(human_duration(62.5), "1:02.5");
        assert_eq!(human_duration(3723.0), "1:02:03.0");
    }

    #[test]
    fn sizes_accept_binary_and_si_suffixes() {
        assert_eq!(parse_size("1048576"), Some(1 << 20));
        assert_eq!(parse_size("64KiB"), Some(64 << 10));
        assert_eq!(parse_size("1.5GiB"), Some(3 << 29));
        assert_eq!(parse_size("10MB"), Some(10_000_000));
        assert_eq!(parse_size("ten"), None);
    }

    #[test]
    fn durations_take_units_and_combinations() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("45"), Ok(45));
        assert!(parse_duration("1x").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("1h30").is_err());
        assert!(parse_duration("99999999999999999999w").is_err());
    }

    #[test]
    fn human_secs_skips_zero_units() {
        assert_eq!(human_secs(0), "0s");
        assert_eq!(human_secs(3600), "1h");
        assert_eq!(human_secs(90_061), "1d 1h 1m 1s");
    }
}
