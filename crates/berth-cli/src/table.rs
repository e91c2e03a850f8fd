//! Tables as the Docker CLI aligns them (Go's tabwriter): every cell but the last of a row is
//! padded to its column's width plus `padding`, and to at least `min_width`. Widths count
//! characters. A row whose last cell is empty keeps its padding, as the reference prints it.

pub fn tabwrite(rows: &[Vec<String>], min_width: usize, padding: usize) -> String {
    let mut widths: Vec<usize> = Vec::new();
    for r in rows {
        for (i, cell) in r.iter().enumerate().take(r.len().saturating_sub(1)) {
            let w = (cell.chars().count() + padding).max(min_width);
            match widths.get_mut(i) {
                Some(x) => *x = (*x).max(w),
                None => widths.push(w),
            }
        }
    }
    let mut out = String::new();
    for r in rows {
        let last = r.len().saturating_sub(1);
        for (i, cell) in r.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                let pad = widths[i].saturating_sub(cell.chars().count());
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
}

/// Docker's durations (`Less than a second`, `About a minute`, `3 hours`, `2 weeks`).
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    let minutes = s / 60;
    let hours = (s + 1800) / 3600;
    match s {
        0 => "Less than a second".into(),
        1 => "1 second".into(),
        2..=59 => format!("{s} seconds"),
        _ if minutes == 1 => "About a minute".into(),
        _ if minutes < 60 => format!("{minutes} minutes"),
        _ if hours == 1 => "About an hour".into(),
        _ if hours < 48 => format!("{hours} hours"),
        _ if hours < 24 * 7 * 2 => format!("{} days", hours / 24),
        _ if hours < 24 * 30 * 2 => format!("{} weeks", hours / 24 / 7),
        _ if hours < 24 * 365 * 2 => format!("{} months", hours / 24 / 30),
        _ => format!("{} years", hours / 24 / 365),
    }
}

/// A JSON string as Go's `encoding/json` writes it (`<`, `>` and `&` escaped).
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    berth_emit::json::write_string(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_string()).collect()
    }

    #[test]
    fn columns_are_padded_like_gos_tabwriter() {
        let t = tabwrite(
            &[
                row(&["SERVICE", "#", "CMD"]),
                row(&["web", "1", "httpd -f"]),
            ],
            4,
            2,
        );
        assert_eq!(t, "SERVICE  #   CMD\nweb      1   httpd -f\n");
        let t = tabwrite(&[row(&["NAME", "PORTS"]), row(&["é-1", ""])], 0, 3);
        assert_eq!(t, "NAME   PORTS\né-1    \n");
    }

    #[test]
    fn durations_read_as_dockers() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(1), "1 second");
        assert_eq!(human_duration(61), "About a minute");
        assert_eq!(human_duration(37 * 60), "37 minutes");
        assert_eq!(human_duration(3600), "About an hour");
        assert_eq!(human_duration(5 * 3600), "5 hours");
        assert_eq!(human_duration(3 * 86_400), "3 days");
    }
}
