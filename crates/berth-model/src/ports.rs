//! Port numbers as Compose writes them, read once for every stage: `8080` or a range
//! `8000-8005` (the loader's short syntax, the audit's conflicts, the engine's `expose`).

/// A port or a range of ports: `8080` is `(8080, 8080)`; `8000-8005` is `(8000, 8005)`.
/// Each end is a number from 0 to 65535, and a range does not go backwards.
#[must_use]
pub fn range(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (a, b) = (a.parse::<u16>().ok()?, b.parse::<u16>().ok()?);
    (a <= b).then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::range;

    #[test]
    fn ports_and_ranges() {
        assert_eq!(range("8080"), Some((8080, 8080)));
        assert_eq!(range("8000-8005"), Some((8000, 8005)));
        assert_eq!(range("0"), Some((0, 0)));
        for bad in ["", "-", "80-", "-80", "9-8", "65536", "a", " 80", "1-2-3"] {
            assert_eq!(range(bad), None, "{bad:?}");
        }
    }
}
