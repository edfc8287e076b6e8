//! Text into HTML: the printable pages (an export's summary, the shift report) escape what
//! officers typed with this.

/// Escapes text for HTML element content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_is_escaped() {
        assert_eq!(super::esc("Vụ <12> & \"x\" 'y'"), "Vụ &lt;12&gt; &amp; &quot;x&quot; &#39;y&#39;");
    }
}
