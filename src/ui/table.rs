//! Plain aligned text tables for terminal output (two columns of key/value or a grid with a header).
//! Widths are measured in characters as displayed (ANSI colour codes excluded).

/// Render rows as a grid with a header row; columns padded to the widest cell.
pub fn grid(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| console::measure_text_width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(console::measure_text_width(cell));
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>, out: &mut String| {
        let mut parts = Vec::with_capacity(cols);
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cols {
                parts.push(cell.clone());
            } else {
                parts.push(console::pad_str(cell, widths[i], console::Alignment::Left, None).into_owned());
            }
        }
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(header.iter().map(|h| console::style(h).bold().to_string()).collect(), &mut out);
    for row in rows {
        line(row.clone(), &mut out);
    }
    out
}

/// Render `key  value` pairs with the keys aligned.
pub fn pairs(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (key, value) in rows {
        out.push_str(&format!("{:width$}  {}\n", console::style(key).bold(), value, width = width));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_pads_columns_to_the_widest_cell() {
        console::set_colors_enabled(false);
        let text = grid(&["a", "bb"], &[vec!["long".into(), "x".into()]]);
        assert_eq!(text, "a     bb\nlong  x\n");
    }
}
